/**
 * Misbehaviour accounting per peer. Each rejected input costs the peer that sent it a penalty
 * (by code); scores recover slowly over time. A peer whose score falls to the threshold is
 * disconnected and refused for `banMs` (the member gater asks `isBanned`), then starts afresh.
 */
export type PeerScoreOptions = {
  /** Score at or below which the peer is disconnected (negative). */
  readonly disconnectThreshold: number
  /** Points recovered per second towards 0. */
  readonly recoveryPerSecond: number
  readonly banMs: number
}

export const DEFAULT_PEER_SCORE_OPTIONS: PeerScoreOptions = Object.freeze({
  disconnectThreshold: -100,
  recoveryPerSecond: 1,
  banMs: 30_000,
})

/** Penalty weights: malformed bytes and forged signatures cost the most. */
export const Penalty = {
  /** Malformed encoding, oversized frame, wrong chain, bad signature: clearly not an honest node. */
  severe: 25,
  /** Invalid by the rules (e.g. a tx that fails checkTx while gossiped). */
  invalid: 5,
  /** Over its rate limit or too far in the future: possibly a slow or confused honest node. */
  minor: 1,
} as const

type Score = { value: number; at: number }

export class PeerScores {
  readonly #opts: PeerScoreOptions
  readonly #now: () => number
  readonly #scores = new Map<string, Score>()
  readonly #bans = new Map<string, number>()
  readonly #onDisconnect: (peerId: string, reason: string) => void

  constructor(
    onDisconnect: (peerId: string, reason: string) => void,
    opts: PeerScoreOptions = DEFAULT_PEER_SCORE_OPTIONS,
    now: () => number = () => Date.now(),
  ) {
    this.#onDisconnect = onDisconnect
    this.#opts = opts
    this.#now = now
  }

  score(peerId: string): number {
    const s = this.#scores.get(peerId)
    if (s === undefined) return 0
    const now = this.#now()
    s.value = Math.min(0, s.value + ((now - s.at) / 1000) * this.#opts.recoveryPerSecond)
    s.at = now
    return s.value
  }

  /** Records a penalty; returns true when it got the peer disconnected. */
  penalise(peerId: string, points: number, reason: string): boolean {
    const value = this.score(peerId) - points
    this.#scores.set(peerId, { value, at: this.#now() })
    if (value > this.#opts.disconnectThreshold) return false
    this.#scores.delete(peerId)
    this.#bans.set(peerId, this.#now() + this.#opts.banMs)
    this.#onDisconnect(peerId, reason)
    return true
  }

  isBanned(peerId: string): boolean {
    const until = this.#bans.get(peerId)
    if (until === undefined) return false
    if (until > this.#now()) return true
    this.#bans.delete(peerId)
    return false
  }
}
