/**
 * Token buckets keyed by peer (or client address): `take(key)` is false once a key has spent its
 * burst and the refill has not caught up. Time comes from an injected clock (tests).
 */
export type RateLimit = {
  /** Tokens added per second. */
  readonly perSecond: number
  /** Bucket size: how many may be spent at once. */
  readonly burst: number
}

type Bucket = { tokens: number; at: number }

const MAX_KEYS = 10_000

export class RateLimiter {
  readonly #limit: RateLimit
  readonly #now: () => number
  readonly #buckets = new Map<string, Bucket>()

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.#limit = limit
    this.#now = now
  }

  take(key: string, cost = 1): boolean {
    const now = this.#now()
    let b = this.#buckets.get(key)
    if (b === undefined) {
      if (this.#buckets.size >= MAX_KEYS) this.#buckets.clear()
      b = { tokens: this.#limit.burst, at: now }
      this.#buckets.set(key, b)
    } else {
      b.tokens = Math.min(this.#limit.burst, b.tokens + ((now - b.at) / 1000) * this.#limit.perSecond)
      b.at = now
    }
    if (b.tokens < cost) return false
    b.tokens -= cost
    return true
  }

  forget(key: string): void {
    this.#buckets.delete(key)
  }
}
