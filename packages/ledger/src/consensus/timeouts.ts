/**
 * Consensus.md rule 13: timeouts grow with the round, T_step(r) = min(base · 1.5^r, cap), and
 * reset at every height (a height starts at round 0). Bases are per step; a devnet uses
 * smaller ones.
 */
import { GovchainError } from '../errors.js'

export const TimeoutStep = { PROPOSE: 'propose', PREVOTE: 'prevote', PRECOMMIT: 'precommit' } as const
export type TimeoutStep = (typeof TimeoutStep)[keyof typeof TimeoutStep]

export type TimeoutConfig = {
  readonly proposeMs: number
  readonly prevoteMs: number
  readonly precommitMs: number
  /** Growth factor per round (1.5 in consensus.md). */
  readonly growth: number
  readonly capMs: number
}

export const DEFAULT_TIMEOUTS: TimeoutConfig = Object.freeze({
  proposeMs: 3000,
  prevoteMs: 1000,
  precommitMs: 1000,
  growth: 1.5,
  capMs: 60_000,
})

export const TimeoutConfigErrorCode = { BAD_TIMEOUTS: 'CONSENSUS_BAD_TIMEOUTS' } as const
export type TimeoutConfigErrorCode = (typeof TimeoutConfigErrorCode)[keyof typeof TimeoutConfigErrorCode]
export class TimeoutConfigError extends GovchainError<TimeoutConfigErrorCode> {}

export function checkTimeoutConfig(c: TimeoutConfig): TimeoutConfig {
  const bases = [c.proposeMs, c.prevoteMs, c.precommitMs]
  if (
    bases.some((b) => !Number.isFinite(b) || b <= 0) ||
    !(c.growth >= 1) ||
    !(c.capMs >= Math.max(...bases))
  ) {
    throw new TimeoutConfigError(
      TimeoutConfigErrorCode.BAD_TIMEOUTS,
      'timeouts need positive bases, growth ≥ 1 and a cap at least as large as every base',
    )
  }
  return c
}

/** Whole milliseconds; the exponent is clamped so a huge round cannot overflow to Infinity. */
export function timeoutFor(config: TimeoutConfig, step: TimeoutStep, round: number): number {
  const base =
    step === TimeoutStep.PROPOSE
      ? config.proposeMs
      : step === TimeoutStep.PREVOTE
        ? config.prevoteMs
        : config.precommitMs
  const grown = base * Math.pow(config.growth, Math.min(round, 1000))
  return Math.round(Math.min(grown, config.capMs))
}
