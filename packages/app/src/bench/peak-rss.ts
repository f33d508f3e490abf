/**
 * Peak resident memory of stretches of this process's life. On Linux the kernel's high-water
 * mark (VmHWM) can be reset to the current RSS (`/proc/self/clear_refs`, value 5), so the peak of
 * one validation round excludes what other parts of the case (the raw-limit runs, fixture
 * loading) touched before it; what the process still holds at the reset counts. The reset also
 * lowers getrusage's maxRSS, so the meter keeps the whole-life peak itself. Where the mark cannot
 * be reset, every stretch reports the whole-life peak.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

function highWaterKb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (m !== null) return Number(m[1])
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS
}

/**
 * Peak anonymous memory of a stretch, measured from outside the process (anon-memory.ts): the
 * case process asks the process that started it.
 */
export type AnonPeakProbe = {
  /** Resolves once the outside sampler has started the stretch. */
  start(): Promise<void>
  /** Peak anonymous RSS (MB) since start(), or undefined where it cannot be measured. */
  end(): Promise<number | undefined>
}

export class PeakRssMeter {
  #lifeKb = 0
  #resettable = true
  readonly #anon: AnonPeakProbe | undefined

  constructor(anon?: AnonPeakProbe) {
    this.#anon = anon
  }

  /** Starts a stretch: its peak is measured from now. */
  async startStretch(): Promise<void> {
    await this.#anon?.start()
    this.#lifeKb = Math.max(this.#lifeKb, highWaterKb())
    if (!this.#resettable) return
    try {
      writeFileSync('/proc/self/clear_refs', '5')
    } catch {
      this.#resettable = false
    }
  }

  /** Peak RSS (MB) since the stretch started (the whole-life peak where no reset is possible). */
  stretchPeakMb(): number {
    return Math.round(highWaterKb() / 1024)
  }

  /** Peak anonymous RSS (MB) since the stretch started; undefined without a probe. */
  async stretchAnonPeakMb(): Promise<number | undefined> {
    return this.#anon?.end()
  }

  /** Peak RSS (MB) over the process's life so far. */
  processPeakMb(): number {
    return Math.round(Math.max(this.#lifeKb, highWaterKb()) / 1024)
  }
}

/**
 * Collects garbage once (`collect`: a full collection), then waits until resident memory stops
 * falling (by less than 2 MB in 100 ms; at most 3 s). V8 frees the backing stores of collected
 * ArrayBuffers and releases emptied pages on background threads after a collection, so right
 * after it the process still counts memory it is giving back: started then, a stretch would be
 * charged with the previous one's garbage. (Collecting at every step instead shrinks V8's heap
 * limits, and the next round then pays for growing them again: measured ~4 % on a warm
 * 10,000-transaction round.)
 */
export async function settleMemory(collect: () => void | Promise<void>): Promise<void> {
  await collect()
  let last = Infinity
  for (let step = 0; step < 30; step++) {
    await sleep(100)
    const rss = process.memoryUsage.rss()
    if (rss > last - 2 * 1024 * 1024) return
    last = rss
  }
}
