/**
 * Gives block work (build, validate, commit) priority over transaction admission. Executing a
 * block is a long chain of awaited state reads; with hundreds of admissions interleaved between
 * those awaits, a block that takes 100 ms alone took seconds and consensus rounds timed out.
 * Block work runs inside `run`; admissions `await idle()` before they start.
 */
export class PriorityGate {
  #busy = 0
  #waiters: (() => void)[] = []

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#busy++
    try {
      return await fn()
    } finally {
      if (--this.#busy === 0) {
        const waiters = this.#waiters
        this.#waiters = []
        for (const w of waiters) w()
      }
    }
  }

  get busy(): boolean {
    return this.#busy > 0
  }

  idle(): Promise<void> {
    return this.#busy === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve))
  }
}
