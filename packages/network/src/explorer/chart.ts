/**
 * Live chart arithmetic (pure): rates over a sliding window of committed blocks, and the SVG
 * path of a line chart with gaps. The page draws the result as inline SVG (no chart library).
 */

export type BlockPoint = {
  /** When the block was committed (the node's clock). */
  readonly atMs: number
  readonly txs: number
  /** Height start → commit on the node; null when unknown (a block that arrived by sync). */
  readonly latencyMs: number | null
}

export type Rates = {
  readonly blocksPerSecond: number
  readonly txsPerSecond: number
  /** Mean commit latency of the window's blocks, null if none is known. */
  readonly latencyMs: number | null
}

/** Rates over the window (nowMs − windowMs, nowMs]. */
export function ratesAt(points: readonly BlockPoint[], nowMs: number, windowMs: number): Rates {
  let blocks = 0
  let txs = 0
  let latencySum = 0
  let latencyCount = 0
  for (const p of points) {
    if (p.atMs <= nowMs - windowMs || p.atMs > nowMs) continue
    blocks++
    txs += p.txs
    if (p.latencyMs !== null) {
      latencySum += p.latencyMs
      latencyCount++
    }
  }
  const seconds = windowMs / 1000
  return {
    blocksPerSecond: blocks / seconds,
    txsPerSecond: txs / seconds,
    latencyMs: latencyCount === 0 ? null : latencySum / latencyCount,
  }
}

/** The smallest of 1, 2, 5 × 10^k that is ≥ v (a readable axis maximum); 1 for v ≤ 0. */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p
  return 10 * p
}

/**
 * SVG path of a line through `values` (oldest first) spread over `width`, scaled to `max` over
 * `height` (y grows downwards); a null value breaks the line.
 */
export function linePath(
  values: readonly (number | null)[],
  width: number,
  height: number,
  max: number,
): string {
  if (values.length === 0) return ''
  const step = values.length > 1 ? width / (values.length - 1) : 0
  const y = (v: number) => height - (Math.min(Math.max(v, 0), max) / max) * height
  let d = ''
  let pen = false
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false
      return
    }
    d += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)} ${y(v).toFixed(1)} `
    pen = true
  })
  return d.trim()
}

/** A fixed-length series: `push` drops the oldest sample once full. */
export class Series {
  readonly #values: (number | null)[]

  constructor(readonly length: number) {
    this.#values = Array.from({ length }, () => null)
  }

  push(v: number | null): void {
    this.#values.push(v)
    if (this.#values.length > this.length) this.#values.shift()
  }

  get values(): readonly (number | null)[] {
    return this.#values
  }

  get last(): number | null {
    return this.#values[this.#values.length - 1] ?? null
  }

  get max(): number {
    return this.#values.reduce<number>((m, v) => (v !== null && v > m ? v : m), 0)
  }
}
