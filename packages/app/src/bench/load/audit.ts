/**
 * "No loss", checked after the run against every node: each transaction a node acknowledged
 * (202) must be committed — in the same block on every node — or rejected with a code. Every
 * node's blocks over the run's heights are listed (`/v1/blocks/:h/txs`); every admitted
 * transaction not seen committed, and a sample of the committed ones, are read back with
 * `GET /v1/txs/:hash` from every node.
 *
 * The audit settles before it judges: the last blocks of an overloaded run may still be
 * committing when the drain ends (the event streams then announce them during the audit, and
 * a transaction between a node's mempool and its block store is briefly unknown there). So it
 * makes up to `AUDIT_PASSES` passes, `AUDIT_PAUSE_MS` apart, each listing any new heights and
 * asking again about what is still open, until nothing is pending or unanswered. Then what no
 * node committed, rejected or still holds is lost; what some node did not answer about at all
 * (timeouts) is reported as unanswered, not as lost — either fails the no-loss check.
 */
import type { NodeHttp } from './http.js'
import type { Tracker, TrackedTx } from './tracker.js'

/** How many times the audit lists new blocks and asks again about open transactions. */
export const AUDIT_PASSES = 6
export const AUDIT_PAUSE_MS = 2_000

export type AuditOptions = {
  /** The network's height now (new blocks are listed on each pass); default: `heights.to`. */
  readonly currentHeight?: () => Promise<number>
  readonly passes?: number
  readonly pauseMs?: number
}

/** The part of a node's HTTP client the audit uses. */
export type AuditedNode = Pick<NodeHttp, 'getJson'>

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export type AuditResult = {
  /** Admitted (202) transactions. */
  readonly acknowledged: number
  readonly committed: number
  /** Rejected after admission, by code. */
  readonly rejected: Readonly<Record<string, number>>
  /** Admitted and unknown to every node: neither committed, rejected nor pending. */
  readonly lost: number
  readonly lostHashes: readonly string[]
  /** Admitted and still waiting in some node's mempool after the audit's last pass. */
  readonly pending: number
  readonly pendingHashes: readonly string[]
  /** Admitted, not seen committed, and some node gave no answer about it (timeouts). */
  readonly unanswered: number
  readonly unansweredHashes: readonly string[]
  /** Passes the audit made before it settled (or gave up). */
  readonly passes: number
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
async function listBlocks(
  http: AuditedNode,
  from: number,
  to: number,
  pauseMs: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const heights: number[] = []
  for (let h = from; h <= to; h++) heights.push(h)
  await mapLimit(heights, 8, async (h) => {
    for (let start = 0; ; start += 500) {
      let r = await http.getJson<BlockTxsPage>(`/v1/blocks/${h}/txs?from=${start}&limit=500`)
      for (let retry = 0; retry < 3 && (r.status !== 200 || r.body === null); retry++) {
        await sleep(pauseMs)
        r = await http.getJson<BlockTxsPage>(`/v1/blocks/${h}/txs?from=${start}&limit=500`)
      }
      if (r.status !== 200 || r.body === null) return
      for (const t of r.body.txs) out.set(t.hash, h)
      if (start + 500 >= r.body.total) return
    }
  })
  return out
}

export async function auditRun(
  tracker: Tracker,
  nodes: readonly AuditedNode[],
  heights: { from: number; to: number },
  sample: number,
  opts: AuditOptions = {},
): Promise<AuditResult> {
  const passLimit = opts.passes ?? AUDIT_PASSES
  const pauseMs = opts.pauseMs ?? AUDIT_PAUSE_MS
  const currentHeight = opts.currentHeight ?? (async () => heights.to)
  const tracked = [...tracker.all]
  const perNode: Map<string, number>[] = nodes.map(() => new Map())
  let listedTo = heights.from - 1
  /** Adds every node's blocks from the last listed height up to `to`. */
  const listUpTo = async (to: number): Promise<void> => {
    if (to <= listedTo) return
    const lists = await Promise.all(nodes.map((n) => listBlocks(n, listedTo + 1, to, pauseMs)))
    lists.forEach((list, i) => list.forEach((h, hash) => perNode[i]!.set(hash, h)))
    listedTo = to
  }
  let foundByAudit = 0
  let rejected: Record<string, number> = {}
  let lostHashes: string[] = []
  let pendingHashes: string[] = []
  let unansweredHashes: string[] = []
  let passes = 0
  while (passes < passLimit) {
    if (passes > 0) await sleep(pauseMs)
    passes++
    await listUpTo(Math.max(heights.to, await currentHeight()))
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
    // Admitted (or unknown after a lost answer) and not committed: ask every node.
    const open = tracked.filter((t) => t.committedAtMs === null && (t.submittedAtMs !== null || t.unknown))
    const statuses = await mapLimit(open, 16, async (t: TrackedTx) =>
      Promise.all(nodes.map((n) => n.getJson<TxStatusBody>(`/v1/txs/${t.prepared.hash}`))),
    )
    rejected = {}
    lostHashes = []
    pendingHashes = []
    unansweredHashes = []
    open.forEach((t, i) => {
      if (t.committedAtMs !== null) return // announced while the audit asked
      const answers = statuses[i]!
      const committedAt = answers.find((a) => a.body?.status === 'committed')?.body?.height
      const rejection = answers.find((a) => a.body?.status === 'rejected')?.body
      if (committedAt !== undefined) {
        tracker.onCommitted(t.prepared.hash, committedAt, Number.NaN)
        foundByAudit++
      } else if (rejection) {
        const code = rejection.error?.code ?? 'UNKNOWN'
        if (t.submittedAtMs === null) tracker.onAccepted(t, Number.NaN)
        if (t.rejected === null) tracker.onRejected(t.prepared.hash, code)
        rejected[code] = (rejected[code] ?? 0) + 1
      } else if (answers.some((a) => a.body?.status === 'pending')) {
        // Still waiting in some node's mempool: not committed, not lost (yet).
        pendingHashes.push(t.prepared.hash)
      } else if (t.submittedAtMs !== null) {
        // Admitted, and no node committed, rejected or holds it — lost only if every node said so.
        if (answers.every((a) => a.status === 200 || a.status === 404)) lostHashes.push(t.prepared.hash)
        else unansweredHashes.push(t.prepared.hash)
      }
    })
    if (pendingHashes.length === 0 && unansweredHashes.length === 0 && lostHashes.length === 0) break
  }
  const committed = tracked.filter((t) => t.committedAtMs !== null)
  // Heights learnt from status answers after the last listing: list them too.
  await listUpTo(committed.reduce((m, t) => Math.max(m, t.height ?? 0), 0))
  const missingOnNode = perNode.map(
    (blocks) => committed.filter((t) => blocks.get(t.prepared.hash) !== t.height).length,
  )

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
    unanswered: unansweredHashes.length,
    unansweredHashes: unansweredHashes.slice(0, 20),
    passes,
    missingOnNode,
    foundByAudit,
    sampleChecked: picked.length,
    sampleMismatches,
    blocksListed: (listedTo - heights.from + 1) * nodes.length,
  }
}
