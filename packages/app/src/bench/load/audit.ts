/**
 * "No loss", checked after the run against every node: each transaction a node acknowledged
 * (202) must be committed — in the same block on every node — or rejected with a code. Every
 * node's blocks over the run's heights are listed (`/v1/blocks/:h/txs`); every admitted
 * transaction not seen committed, and a sample of the committed ones, are read back with
 * `GET /v1/txs/:hash` from every node. Anything else is lost.
 */
import type { NodeHttp } from './http.js'
import type { Tracker, TrackedTx } from './tracker.js'

export type AuditResult = {
  /** Admitted (202) transactions. */
  readonly acknowledged: number
  readonly committed: number
  /** Rejected after admission, by code. */
  readonly rejected: Readonly<Record<string, number>>
  /** Admitted and unknown to every node: neither committed, rejected nor pending. */
  readonly lost: number
  readonly lostHashes: readonly string[]
  /** Admitted and still waiting in some node's mempool when the drain ended. */
  readonly pending: number
  readonly pendingHashes: readonly string[]
  /** Committed transactions a node's blocks do not hold at the height the others do, per node. */
  readonly missingOnNode: readonly number[]
  /** Committed only as seen in the audit (the event stream missed it): no latency for these. */
  readonly foundByAudit: number
  readonly sampleChecked: number
  /** Sampled committed transactions some node reports otherwise (status or height). */
  readonly sampleMismatches: number
  readonly blocksListed: number
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i]!)
      }
    }),
  )
  return out
}

type BlockTxsPage = { total: number; txs: { hash: string }[] }
type TxStatusBody = { status?: string; height?: number; error?: { code?: string } }

/** Hash → height of every transaction in heights [from, to] on one node. */
async function listBlocks(http: NodeHttp, from: number, to: number): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const heights: number[] = []
  for (let h = from; h <= to; h++) heights.push(h)
  await mapLimit(heights, 8, async (h) => {
    for (let start = 0; ; start += 500) {
      const r = await http.getJson<BlockTxsPage>(`/v1/blocks/${h}/txs?from=${start}&limit=500`)
      if (r.status !== 200 || r.body === null) return
      for (const t of r.body.txs) out.set(t.hash, h)
      if (start + 500 >= r.body.total) return
    }
  })
  return out
}

export async function auditRun(
  tracker: Tracker,
  nodes: readonly NodeHttp[],
  heights: { from: number; to: number },
  sample: number,
): Promise<AuditResult> {
  const perNode = await Promise.all(nodes.map((n) => listBlocks(n, heights.from, heights.to)))
  const tracked = [...tracker.all]
  let foundByAudit = 0
  // Commits the event streams missed: take them from the blocks.
  for (const t of tracked) {
    if (t.committedAtMs !== null) continue
    for (const blocks of perNode) {
      const h = blocks.get(t.prepared.hash)
      if (h !== undefined) {
        // No announcement time: NaN keeps it out of the latency figures.
        tracker.onCommitted(t.prepared.hash, h, Number.NaN)
        foundByAudit++
        break
      }
    }
  }
  const committed = tracked.filter((t) => t.committedAtMs !== null)
  const missingOnNode = perNode.map(
    (blocks) => committed.filter((t) => blocks.get(t.prepared.hash) !== t.height).length,
  )

  // Admitted (or unknown after a lost answer) and not committed: ask every node.
  const open = tracked.filter((t) => t.committedAtMs === null && (t.submittedAtMs !== null || t.unknown))
  const statuses = await mapLimit(open, 16, async (t: TrackedTx) =>
    Promise.all(nodes.map((n) => n.getJson<TxStatusBody>(`/v1/txs/${t.prepared.hash}`))),
  )
  const rejected: Record<string, number> = {}
  const lostHashes: string[] = []
  const pendingHashes: string[] = []
  open.forEach((t, i) => {
    const answers = statuses[i]!.map((a) => a.body)
    const rejection = answers.find((b) => b?.status === 'rejected')
    if (rejection) {
      const code = rejection.error?.code ?? 'UNKNOWN'
      if (t.submittedAtMs === null) tracker.onAccepted(t, Number.NaN)
      if (t.rejected === null) tracker.onRejected(t.prepared.hash, code)
      rejected[code] = (rejected[code] ?? 0) + 1
    } else if (answers.some((b) => b?.status === 'pending')) {
      // Still waiting in some node's mempool when the drain ended: not committed, not lost.
      pendingHashes.push(t.prepared.hash)
    } else if (t.submittedAtMs !== null) {
      // Admitted, and no node committed, rejected or still holds it.
      lostHashes.push(t.prepared.hash)
    }
  })

  // A sample of the committed ones, read back from every node.
  const step = Math.max(1, Math.floor(committed.length / Math.max(1, sample)))
  const picked = sample === 0 ? [] : committed.filter((_, i) => i % step === 0).slice(0, sample)
  const checks = await mapLimit(picked, 16, async (t) =>
    Promise.all(nodes.map((n) => n.getJson<TxStatusBody>(`/v1/txs/${t.prepared.hash}`))),
  )
  let sampleMismatches = 0
  picked.forEach((t, i) => {
    if (checks[i]!.some((a) => a.body?.status !== 'committed' || a.body.height !== t.height))
      sampleMismatches++
  })

  const acknowledged = tracked.filter((t) => t.submittedAtMs !== null).length
  return {
    acknowledged,
    committed: committed.length,
    rejected,
    lost: lostHashes.length,
    lostHashes: lostHashes.slice(0, 20),
    pending: pendingHashes.length,
    pendingHashes: pendingHashes.slice(0, 20),
    missingOnNode,
    foundByAudit,
    sampleChecked: picked.length,
    sampleMismatches,
    blocksListed: (heights.to - heights.from + 1) * nodes.length,
  }
}
