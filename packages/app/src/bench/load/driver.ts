/**
 * Open-loop submission at a target rate: each phase holds an offered rate; every few
 * milliseconds the driver sends what the schedule says is due, round-robin over the nodes'
 * `POST /v1/txs`, whatever the answers so far (a slow node does not slow the offer down).
 * With `batchMs`, what is due for a node waits up to that long and goes as one
 * `POST /v1/txs/batch` (at most 256); its latency still counts from the offer.
 *
 * A refusal with a code is counted as such (offered but not admitted). A transaction refused
 * for capacity (mempool full, rate limit, sender queue full, nonce too far) or left without an
 * answer is queued for another attempt — later nonces of its sender are already in flight and
 * would otherwise wait for it forever; the retry takes a slot of the offered rate like any
 * submission. Anything else is a final refusal.
 */
import { MAX_BATCH_TXS } from '../../client/client.js'
import type { NodeHttp } from './http.js'
import type { Phase } from './options.js'
import type { Tracker, TrackedTx } from './tracker.js'
import type { PreparedTx } from './workload.js'

const RETRYABLE = new Set([
  'MEMPOOL_FULL',
  'MEMPOOL_SENDER_FULL',
  'MEMPOOL_NONCE_TOO_FAR',
  'API_RATE_LIMITED',
  'API_UNAVAILABLE',
  'NETWORK',
])
/** Answers to a re-sent transaction that mean an earlier, unanswered attempt was admitted. */
const ALREADY_IN = new Set(['MEMPOOL_DUPLICATE', 'MEMPOOL_ALREADY_COMMITTED'])

export type PhaseStats = {
  readonly name: string
  readonly rate: number
  readonly durationS: number
  offered: number
  accepted: number
  refused: number
  /** Our transactions whose commit was announced during the phase. */
  committed: number
}

export type SecondStats = { offered: number; accepted: number; refused: number }

export type DriverOptions = {
  /** 0: one POST per transaction; else how long an offer may wait to join its node's batch. */
  readonly batchMs?: number
  readonly now?: () => number
}

type Offer = {
  readonly t: TrackedTx
  readonly at: number
  readonly phase: PhaseStats | null
  readonly sec: SecondStats | undefined
}

export class Driver {
  readonly #nodes: readonly NodeHttp[]
  readonly #tracker: Tracker
  readonly #now: () => number
  readonly #batchMs: number
  /** Per node: offers waiting for its next batch. */
  readonly #queues: Offer[][]
  #rr = 0
  readonly retries: TrackedTx[] = []
  inFlight = 0
  offered = 0
  /** Refused attempts by code (capacity refusals included: they count against success). */
  readonly refused = new Map<string, number>()
  /** Transactions refused for good (a code that a retry cannot change), by code. */
  readonly finalRefusals = new Map<string, number>()
  readonly postLatencyMs: number[] = []
  /** Per second of the measured window (index = second since `windowStartMs`). */
  readonly seconds: SecondStats[] = []
  windowStartMs: number | null = null
  #current: PhaseStats | null = null

  get phaseName(): string {
    return this.#current?.name ?? ''
  }

  constructor(nodes: readonly NodeHttp[], tracker: Tracker, opts: DriverOptions = {}) {
    this.#nodes = nodes
    this.#tracker = tracker
    this.#now = opts.now ?? (() => performance.now())
    this.#batchMs = opts.batchMs ?? 0
    this.#queues = nodes.map(() => [])
  }

  #second(at: number): SecondStats | undefined {
    if (this.windowStartMs === null) return undefined
    const i = Math.floor((at - this.windowStartMs) / 1000)
    if (i < 0) return undefined
    while (this.seconds.length <= i) this.seconds.push({ offered: 0, accepted: 0, refused: 0 })
    return this.seconds[i]
  }

  #send(t: TrackedTx): void {
    const n = this.#rr++ % this.#nodes.length
    const at = this.#now()
    const phase = this.#current
    t.attempts++
    this.offered++
    if (phase) phase.offered++
    const sec = this.#second(at)
    if (sec) sec.offered++
    this.inFlight++
    const offer: Offer = { t, at, phase, sec }
    if (this.#batchMs <= 0) {
      void this.#nodes[n]!.postTx(t.prepared.body).then((answer) => {
        this.postLatencyMs.push(this.#now() - at)
        this.#answer(offer, answer.code)
      })
      return
    }
    const queue = this.#queues[n]!
    queue.push(offer)
    if (queue.length >= MAX_BATCH_TXS) this.#flush(n)
  }

  /** Sends the batches that are full or whose oldest offer has waited `batchMs` (all: `force`). */
  #flushDue(force = false): void {
    const now = this.#now()
    for (let n = 0; n < this.#queues.length; n++) {
      const queue = this.#queues[n]!
      if (queue.length > 0 && (force || now - queue[0]!.at >= this.#batchMs)) this.#flush(n)
    }
  }

  #flush(n: number): void {
    const offers = this.#queues[n]!.splice(0, MAX_BATCH_TXS)
    const body = Buffer.from(`{"txs":[${offers.map((o) => `"${o.t.prepared.base64}"`).join(',')}]}`)
    const sentAt = this.#now()
    void this.#nodes[n]!.postBatch(body, offers.length).then((codes) => {
      this.postLatencyMs.push(this.#now() - sentAt)
      offers.forEach((o, i) => {
        const code = codes[i]
        this.#answer(o, code === undefined ? 'BAD_ANSWER' : code)
      })
    })
  }

  #answer({ t, at, phase, sec }: Offer, code: string | null): void {
    this.inFlight--
    if (code === null || (t.unknown && ALREADY_IN.has(code))) {
      this.#tracker.onAccepted(t, at)
      if (phase) phase.accepted++
      if (sec) sec.accepted++
      return
    }
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1)
    if (phase) phase.refused++
    if (sec) sec.refused++
    if (t.committedAtMs !== null) return
    if (RETRYABLE.has(code)) {
      if (code === 'NETWORK') t.unknown = true
      this.retries.push(t)
    } else {
      this.finalRefusals.set(code, (this.finalRefusals.get(code) ?? 0) + 1)
    }
  }

  /**
   * Offers `pool` at the phases' rates (retries first), then resolves with the phases' stats.
   * `onTick` runs about every 250 ms (progress).
   */
  async run(
    phases: readonly Phase[],
    pool: readonly PreparedTx[],
    onTick?: () => void,
  ): Promise<PhaseStats[]> {
    const stats: PhaseStats[] = phases.map((p) => ({
      name: p.name,
      rate: p.rate,
      durationS: p.durationMs / 1000,
      offered: 0,
      accepted: 0,
      refused: 0,
      committed: 0,
    }))
    let next = 0
    const take = (): TrackedTx | undefined => {
      const r = this.retries.shift()
      if (r !== undefined) return r
      const p = pool[next++]
      return p === undefined ? undefined : this.#tracker.track(p)
    }
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!
      const st = stats[i]!
      this.#current = st
      const start = this.#now()
      const committedBefore = this.#tracker.committed
      let sent = 0
      let lastTick = start
      for (;;) {
        const now = this.#now()
        const elapsed = Math.min(now - start, phase.durationMs)
        const due = Math.floor((phase.rate * elapsed) / 1000)
        while (sent < due) {
          const t = take()
          if (t === undefined) break
          this.#send(t)
          sent++
        }
        this.#flushDue(now - start >= phase.durationMs)
        if (now - lastTick >= 250) {
          lastTick = now
          onTick?.()
        }
        if (now - start >= phase.durationMs) break
        await new Promise((r) => setTimeout(r, 4))
      }
      st.committed = this.#tracker.committed - committedBefore
    }
    this.#current = null
    return stats
  }

  /** After the window: re-send queued retries (at most `rate` per second) until none are left. */
  async flushRetries(rate: number, until: () => boolean): Promise<number> {
    let sent = 0
    while (this.retries.length > 0 && !until()) {
      const n = Math.max(1, Math.floor(rate / 20))
      for (let i = 0; i < n && this.retries.length > 0; i++) {
        this.#send(this.retries.shift()!)
        sent++
      }
      this.#flushDue(true)
      await new Promise((r) => setTimeout(r, 50))
    }
    return sent
  }
}
