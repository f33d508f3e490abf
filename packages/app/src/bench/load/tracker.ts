/**
 * What happened to every transaction the load offered: submission attempts and answers, then
 * commitment as the nodes announce it — `block` events on every node's `/v1/events` stream
 * (the first node to announce a block dates its transactions' commit), `tx` events for
 * rejections after admission. Latency is measured from the offer of the accepted submission (its
 * send; in a batch, the moment it was due) to the first committed event, all on this process's
 * monotonic clock.
 */
import { readEventStream } from '../../client/sse.js'
import type { PreparedTx } from './workload.js'

export type TrackedTx = {
  readonly prepared: PreparedTx
  attempts: number
  /** Offer time of the accepted (202) submission: its send, or when it joined its batch. */
  submittedAtMs: number | null
  /** The submission's answer was lost (network): admission unknown until a later answer or the audit. */
  unknown: boolean
  committedAtMs: number | null
  height: number | null
  /** Code of a rejection after admission (tx event or the audit). */
  rejected: string | null
}

export type BlockSeen = { readonly height: number; readonly txs: number; readonly atMs: number }

export class Tracker {
  readonly #byHash = new Map<string, TrackedTx>()
  /** Every block's first announcement (any node), by height. */
  readonly blocks = new Map<number, BlockSeen>()
  /** Highest height each node announced. */
  readonly nodeHeights: number[]
  /** Stream drops per node (each re-subscribed). */
  readonly streamDrops: number[]
  readonly #now: () => number
  accepted = 0
  committed = 0
  rejectedAfterAdmission = 0
  /** Commits of our transactions announced while `window` is open, and the txs of all blocks. */
  committedInWindow = 0
  #windowOpen = false

  constructor(nodes: number, now: () => number = () => performance.now()) {
    this.nodeHeights = new Array<number>(nodes).fill(0)
    this.streamDrops = new Array<number>(nodes).fill(0)
    this.#now = now
  }

  get all(): IterableIterator<TrackedTx> {
    return this.#byHash.values()
  }

  get size(): number {
    return this.#byHash.size
  }

  get(hash: string): TrackedTx | undefined {
    return this.#byHash.get(hash)
  }

  /** Outstanding: admitted (or unknown) and neither committed nor rejected yet. */
  get open(): number {
    return this.accepted - this.committed - this.rejectedAfterAdmission
  }

  setWindow(open: boolean): void {
    this.#windowOpen = open
  }

  track(p: PreparedTx): TrackedTx {
    let t = this.#byHash.get(p.hash)
    if (t === undefined) {
      t = {
        prepared: p,
        attempts: 0,
        submittedAtMs: null,
        unknown: false,
        committedAtMs: null,
        height: null,
        rejected: null,
      }
      this.#byHash.set(p.hash, t)
    }
    return t
  }

  /** A 202 for the attempt sent at `sentAtMs`. */
  onAccepted(t: TrackedTx, sentAtMs: number): void {
    if (t.submittedAtMs !== null) return
    t.submittedAtMs = sentAtMs
    t.unknown = false
    this.accepted++
  }

  onCommitted(hash: string, height: number, atMs: number): void {
    const t = this.#byHash.get(hash)
    if (t === undefined || t.committedAtMs !== null) return
    t.committedAtMs = atMs
    t.height = height
    this.committed++
    if (this.#windowOpen) this.committedInWindow++
    // Committed before its 202 came back (or after an unanswered attempt): it was admitted.
    if (t.submittedAtMs === null) {
      t.submittedAtMs = atMs
      t.unknown = false
      this.accepted++
    }
    if (t.rejected !== null) {
      t.rejected = null
      this.rejectedAfterAdmission--
    }
  }

  onRejected(hash: string, code: string): void {
    const t = this.#byHash.get(hash)
    if (t === undefined || t.committedAtMs !== null || t.rejected !== null || t.submittedAtMs === null) return
    t.rejected = code
    this.rejectedAfterAdmission++
  }

  /** Follows one node's event stream until `signal` aborts; re-subscribes when it drops. */
  async follow(
    node: number,
    baseUrl: string,
    signal: AbortSignal,
    hooks: { onConnected?: () => void; onBlock?: () => void } = {},
  ): Promise<void> {
    const url = `${baseUrl}/v1/events?types=block,tx&status=rejected`
    while (!signal.aborted) {
      try {
        const res = await fetch(url, { signal, headers: { accept: 'text/event-stream' } })
        if (res.ok && res.body !== null) {
          hooks.onConnected?.()
          for await (const e of readEventStream(res.body, signal)) {
            const now = this.#now()
            if (e.type === 'block') {
              const b = JSON.parse(e.data) as { height: number; txs: string[] }
              if (b.height > this.nodeHeights[node]!) this.nodeHeights[node] = b.height
              if (!this.blocks.has(b.height))
                this.blocks.set(b.height, { height: b.height, txs: b.txs.length, atMs: now })
              for (const h of b.txs) this.onCommitted(h, b.height, now)
              hooks.onBlock?.()
            } else if (e.type === 'tx') {
              const t = JSON.parse(e.data) as { hash: string; status: string; error?: { code?: string } }
              if (t.status === 'rejected') this.onRejected(t.hash, t.error?.code ?? 'UNKNOWN')
            }
          }
        }
      } catch {
        // dropped: count it and re-subscribe (the audit reads back anything missed)
      }
      if (signal.aborted) return
      this.streamDrops[node]!++
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

/** Percentile (0–100) of a sorted array; NaN if empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}
