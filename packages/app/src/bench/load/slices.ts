/**
 * The measured window cut into slices of equal length, to show whether a run's figures drift as
 * it goes on (the question of a stability run: does the network slow down as its state and
 * database grow?). At each slice boundary the recorder scrapes every node's `/metrics` and marks
 * the usage sampler; `windowSlices` then gives, per slice: the offered and committed rates, the
 * commit latency of the transactions submitted in it, blocks and transactions per block, and the
 * nodes' mean CPU, resident memory, block commit time, validation phases, and what they and their
 * LevelDB wrote.
 */
import type { NodeHttp } from './http.js'
import { metricsDelta, scrape, type NodeUsage, type UsageSampler } from './sampler.js'
import { percentile } from './tracker.js'

/** Slices of a window of `windowS` seconds when none are asked for: about 10 s each, 1 to 10. */
export function defaultSliceCount(windowS: number): number {
  return Math.max(1, Math.min(10, Math.floor(windowS / 10)))
}

/** What was read at one slice boundary. */
export type SliceBoundary = {
  /** performance.now() of the boundary. */
  readonly atMs: number
  /** Each node's metrics (empty when a scrape failed). */
  readonly metrics: readonly Map<string, number>[]
  /** The usage sampler's mark. */
  readonly mark: number
  /** The highest height any node had announced. */
  readonly height: number
}

export type WindowSlice = {
  /** Seconds since the window started. */
  readonly fromS: number
  readonly toS: number
  readonly offeredPerS: number
  /** Our transactions committed during the slice, per second. */
  readonly committedPerS: number
  /** Commit latency of the transactions submitted during the slice (and committed). */
  readonly latencyP50Ms: number | null
  readonly latencyP99Ms: number | null
  readonly blocks: number
  readonly txsPerBlock: number | null
  /** Chain height at the slice's end. */
  readonly height: number
  /** Means over the nodes. */
  readonly nodeCpuPercent: number | null
  readonly nodeRssMiB: number | null
  readonly blockCommitMs: number | null
  readonly executionMs: number | null
  readonly stateRootMs: number | null
  /** MiB a node wrote to its database during the slice, and MiB its LevelDB wrote to table files. */
  readonly storeWrittenMiB: number | null
  readonly leveldbWrittenMiB: number | null
}

/** Scrapes and marks at every slice boundary while the window runs. */
export class SliceRecorder {
  readonly boundaries: SliceBoundary[] = []
  readonly #https: readonly NodeHttp[]
  readonly #sampler: UsageSampler
  readonly #height: () => number
  #timer: NodeJS.Timeout | undefined
  #pending: Promise<void> = Promise.resolve()
  #stopped = false

  constructor(https: readonly NodeHttp[], sampler: UsageSampler, height: () => number) {
    this.#https = https
    this.#sampler = sampler
    this.#height = height
  }

  /** Records the window's start (`metrics`: the scrapes taken just before) and the boundaries to come. */
  start(startMs: number, metrics: readonly Map<string, number>[], count: number, windowMs: number): void {
    this.boundaries.push({ atMs: startMs, metrics, mark: this.#sampler.mark(), height: this.#height() })
    const sliceMs = windowMs / count
    const next = (k: number) => {
      if (k >= count || this.#stopped) return
      this.#timer = setTimeout(
        () => {
          this.#pending = this.#record().then(() => next(k + 1))
        },
        Math.max(0, startMs + k * sliceMs - performance.now()),
      )
      this.#timer.unref()
    }
    next(1)
  }

  /** Ends the window: `metrics` are the scrapes taken at its end. */
  async stop(endMs: number, metrics: readonly Map<string, number>[]): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#pending
    this.boundaries.push({ atMs: endMs, metrics, mark: this.#sampler.mark(), height: this.#height() })
  }

  async #record(): Promise<void> {
    const atMs = performance.now()
    const mark = this.#sampler.mark()
    const height = this.#height()
    const metrics = await Promise.all(
      this.#https.map((h) => scrape(h).catch(() => new Map<string, number>())),
    )
    this.boundaries.push({ atMs, metrics, mark, height })
  }
}

export type SliceInputs = {
  readonly boundaries: readonly SliceBoundary[]
  readonly windowStartMs: number
  /** Offered transactions per second of the window (index = second). */
  readonly offeredPerSecond: readonly number[]
  /** Our transactions: when submitted and when committed (null: not committed). */
  readonly txs: readonly { readonly submittedAtMs: number | null; readonly committedAtMs: number | null }[]
  readonly blocks: readonly { readonly atMs: number; readonly txs: number }[]
  /** The nodes' usage between two sampler marks. */
  readonly usage: (fromMark: number, toMark: number) => readonly NodeUsage[]
}

const mean = (xs: readonly (number | null | undefined)[]): number | null => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x))
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null
}

/** The slices between consecutive boundaries. */
export function windowSlices(i: SliceInputs): WindowSlice[] {
  const out: WindowSlice[] = []
  for (let k = 1; k < i.boundaries.length; k++) {
    const a = i.boundaries[k - 1]!
    const b = i.boundaries[k]!
    const seconds = (b.atMs - a.atMs) / 1000
    if (seconds <= 0) continue
    const fromS = (a.atMs - i.windowStartMs) / 1000
    const toS = (b.atMs - i.windowStartMs) / 1000
    let offered = 0
    for (let s = Math.round(fromS); s < Math.round(toS) && s < i.offeredPerSecond.length; s++)
      offered += i.offeredPerSecond[s] ?? 0
    let committed = 0
    const latencies: number[] = []
    for (const t of i.txs) {
      if (t.committedAtMs !== null && t.committedAtMs >= a.atMs && t.committedAtMs < b.atMs) committed++
      if (
        t.submittedAtMs !== null &&
        t.submittedAtMs >= a.atMs &&
        t.submittedAtMs < b.atMs &&
        t.committedAtMs !== null
      )
        latencies.push(t.committedAtMs - t.submittedAtMs)
    }
    latencies.sort((x, y) => x - y)
    const blocks = i.blocks.filter((x) => x.atMs >= a.atMs && x.atMs < b.atMs)
    const deltas = a.metrics.map((m, n) => metricsDelta(m, b.metrics[n] ?? new Map()))
    const usage = i.usage(a.mark, b.mark)
    out.push({
      fromS,
      toS,
      offeredPerS: offered / seconds,
      committedPerS: committed / seconds,
      latencyP50Ms: latencies.length ? percentile(latencies, 50) : null,
      latencyP99Ms: latencies.length ? percentile(latencies, 99) : null,
      blocks: blocks.length,
      txsPerBlock: blocks.length ? blocks.reduce((s, x) => s + x.txs, 0) / blocks.length : null,
      height: b.height,
      nodeCpuPercent: mean(usage.map((u) => u.cpuPercent)),
      nodeRssMiB: mean(usage.map((u) => u.rssMeanMiB)),
      blockCommitMs: mean(deltas.map((d) => d.blockCommitMs)),
      executionMs: mean(deltas.map((d) => d.validationPhaseMs.execution)),
      stateRootMs: mean(deltas.map((d) => d.validationPhaseMs.stateRoot)),
      storeWrittenMiB: mean(deltas.map((d) => d.storeWrittenMiB)),
      leveldbWrittenMiB: mean(deltas.map((d) => d.leveldbWrittenMiB)),
    })
  }
  return out
}
