/**
 * The page's live state: node status, the latest blocks and the chart series, fed by the node's
 * SSE `block` events (`GET /v1/events?types=block`). One EventSource for the whole page; views
 * subscribe and unsubscribe as they come and go.
 */
import { api, type BlockEvent, type BlockJson, type StatusJson } from './api.js'
import { ratesAt, Series, type BlockPoint } from './chart.js'

/** Seconds of history in the charts (one sample a second). */
export const CHART_SECONDS = 120
/** Rates are averaged over this window. */
export const RATE_WINDOW_MS = 10_000
const KEEP_BLOCKS = 100

export type LiveBlock = Omit<BlockEvent, 'source'> & { readonly source: BlockEvent['source'] | 'history' }

type Listener<T> = (v: T) => void

export class Live {
  status: StatusJson | null = null
  /** Newest first. */
  readonly blocks: LiveBlock[] = []
  readonly series = {
    blocks: new Series(CHART_SECONDS),
    txs: new Series(CHART_SECONDS),
    latency: new Series(CHART_SECONDS),
  }
  connected = false
  readonly #points: BlockPoint[] = []
  readonly #blockListeners = new Set<Listener<LiveBlock>>()
  readonly #statusListeners = new Set<Listener<StatusJson>>()
  readonly #tickListeners = new Set<Listener<void>>()
  #statusInFlight = false
  #statusAgain = false

  async start(): Promise<void> {
    await this.refreshStatus()
    await this.#loadHistory()
    this.#backfill()
    const events = new EventSource('/v1/events?types=block')
    events.addEventListener('open', () => {
      this.connected = true
      this.#indicate()
    })
    events.addEventListener('error', () => {
      this.connected = false
      this.#indicate()
    })
    events.addEventListener('block', (e) => {
      try {
        this.#add(JSON.parse((e as MessageEvent<string>).data) as BlockEvent)
      } catch {
        // a malformed event: ignore it
      }
    })
    setInterval(() => this.#tick(), 1000)
  }

  onBlock(fn: Listener<LiveBlock>): () => void {
    this.#blockListeners.add(fn)
    return () => this.#blockListeners.delete(fn)
  }

  onStatus(fn: Listener<StatusJson>): () => void {
    this.#statusListeners.add(fn)
    return () => this.#statusListeners.delete(fn)
  }

  onTick(fn: Listener<void>): () => void {
    this.#tickListeners.add(fn)
    return () => this.#tickListeners.delete(fn)
  }

  /** Signers (hex keys) of a recent block, if this page has seen it. */
  signersAt(height: number): readonly string[] | undefined {
    return this.blocks.find((b) => b.height === height)?.signers
  }

  /** Fetches /v1/status (one request at a time; calls made meanwhile fold into one more). */
  async refreshStatus(): Promise<void> {
    if (this.#statusInFlight) {
      this.#statusAgain = true
      return
    }
    this.#statusInFlight = true
    try {
      do {
        this.#statusAgain = false
        const r = await api.status()
        if (r.ok) {
          this.status = r.body
          for (const fn of this.#statusListeners) fn(r.body)
        }
      } while (this.#statusAgain)
    } finally {
      this.#statusInFlight = false
      this.#indicate()
    }
  }

  async #loadHistory(): Promise<void> {
    const top = this.status?.height ?? 0
    const heights = Array.from({ length: Math.min(20, top) }, (_, i) => top - i)
    const blocks = await Promise.all(heights.map((h) => api.block(h)))
    for (const r of blocks.reverse()) if (r.ok) this.#insert(fromBlockJson(r.body))
  }

  #add(b: BlockEvent): void {
    if (this.blocks.some((x) => x.height === b.height)) return
    this.#insert(b)
    for (const fn of this.#blockListeners) fn(b)
    void this.refreshStatus()
  }

  #insert(b: LiveBlock): void {
    this.blocks.unshift(b)
    this.blocks.sort((x, y) => y.height - x.height)
    if (this.blocks.length > KEEP_BLOCKS) this.blocks.length = KEEP_BLOCKS
    this.#points.push({ atMs: b.committedAtMs, txs: b.txs.length, latencyMs: b.latencyMs })
    if (this.#points.length > KEEP_BLOCKS * 4) this.#points.splice(0, this.#points.length - KEEP_BLOCKS * 4)
  }

  /** Fills the charts' past from the blocks loaded at start (so they do not start empty). */
  #backfill(): void {
    const now = this.#now()
    for (let t = CHART_SECONDS - 1; t >= 1; t--) this.#sample(now - t * 1000)
  }

  /** The node's clock stamps commits; the browser's may differ, so rates use the latest of both. */
  #now(): number {
    const newest = this.#points.reduce((m, p) => Math.max(m, p.atMs), 0)
    return Math.max(Date.now(), newest)
  }

  #sample(at: number): void {
    const r = ratesAt(this.#points, at, RATE_WINDOW_MS)
    this.series.blocks.push(r.blocksPerSecond)
    this.series.txs.push(r.txsPerSecond)
    this.series.latency.push(r.latencyMs)
  }

  #tick(): void {
    this.#sample(this.#now())
    for (const fn of this.#tickListeners) fn()
  }

  #indicate(): void {
    const el = document.getElementById('live')
    if (el === null) return
    const height = this.status?.height
    el.textContent = this.connected
      ? `● live · height ${height ?? '—'}`
      : `○ ${height === undefined ? 'connecting…' : `reconnecting… · height ${height}`}`
    el.classList.toggle('offline', !this.connected)
  }
}

function fromBlockJson(b: BlockJson): LiveBlock {
  return {
    height: b.height,
    hash: b.hash,
    stateRoot: String(b.header.stateRoot ?? ''),
    timeMs: b.header.timeMs,
    txs: b.txs,
    round: b.certificate.round,
    signers: b.signers,
    proposer: b.header.proposer,
    committedAtMs: b.committedAtMs ?? b.header.timeMs,
    latencyMs: b.latencyMs ?? null,
    source: 'history',
  }
}
