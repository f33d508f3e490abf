/**
 * Peak anonymous memory of another process (a benchmark case), sampled from outside it.
 *
 * Resident memory (RSS) also counts file pages mapped into a process: node's own code, and the
 * table files of LevelDB, which maps them read-only (classic-level's LevelDB 1.20 maps up to
 * 1,000 of them) and reads them through the mapping, so every page a read touches — and the
 * pages around it that the kernel maps with it — counts as resident while the file stays open.
 * Those pages are the kernel's page cache, shared and dropped under memory pressure; on a state
 * of 1,000,000 keys they are most of the database. Anonymous memory (`RssAnon`: the JavaScript
 * heap, buffers, native allocations) is what the process itself allocated.
 *
 * The kernel keeps no high-water mark of it, so it is sampled, every `intervalMs`, by the process
 * that started the case: a sampler inside the case would add its own thread (~10 MB) and CPU to
 * what it measures.
 */
import { closeSync, openSync, readSync } from 'node:fs'

/** RssAnon (kB) from the text of /proc/PID/status; undefined if it has no such line. */
export function rssAnonKb(status: string): number | undefined {
  const m = /^RssAnon:\s+(\d+) kB$/m.exec(status)
  return m === null ? undefined : Number(m[1])
}

export const ANON_SAMPLE_INTERVAL_MS = 5

export class AnonMemorySampler {
  readonly #fd: number | undefined
  readonly #buffer = Buffer.alloc(4096)
  readonly #timer: NodeJS.Timeout | undefined
  #peakKb = 0

  /** Starts sampling process `pid`; where its /proc status cannot be read, every peak is undefined. */
  constructor(pid: number, intervalMs = ANON_SAMPLE_INTERVAL_MS) {
    try {
      this.#fd = openSync(`/proc/${pid}/status`, 'r')
    } catch {
      return
    }
    this.#timer = setInterval(() => this.#sample(), intervalMs)
    this.#timer.unref()
  }

  /** A new stretch: its peak is measured from the memory the process holds now. */
  reset(): void {
    this.#peakKb = 0
    this.#sample()
  }

  /** Peak anonymous memory (MB) since the last reset, the current reading included. */
  peakMb(): number | undefined {
    if (this.#fd === undefined) return undefined
    this.#sample()
    return Math.round(this.#peakKb / 1024)
  }

  close(): void {
    clearInterval(this.#timer)
    if (this.#fd !== undefined) {
      try {
        closeSync(this.#fd)
      } catch {
        // already gone with the process
      }
    }
  }

  #sample(): void {
    if (this.#fd === undefined) return
    let kb: number | undefined
    try {
      const n = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, 0)
      kb = rssAnonKb(this.#buffer.toString('latin1', 0, n))
    } catch {
      return // the process has exited
    }
    if (kb !== undefined && kb > this.#peakKb) this.#peakKb = kb
  }
}
