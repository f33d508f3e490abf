/**
 * Test the tests: deliberately broken engines, built by wrapping the production reducer here in
 * the harness (production code has no bug switch). Each must make the simulator report a
 * violation (consensus.md, "Test the tests").
 */
import { apply, restoreState } from '../../src/consensus/state-machine.js'
import type { ConsensusInput, ConsensusState, RoundLog, Transition } from '../../src/consensus/types.js'
import { VoteType } from '../../src/consensus/vote.js'
import { valueKey } from '../../src/consensus/vote-set.js'

export type Engine = { readonly apply: typeof apply; readonly restore: typeof restoreState }

export const CORRECT_ENGINE: Engine = { apply, restore: restoreState }

export const BUGS = [
  'skip-lock-check',
  'double-count',
  'skip-on-one',
  'forget-lock',
  'quorum-3-of-5',
] as const
export type Bug = (typeof BUGS)[number]

/**
 * Earlier versions of this engine, kept to show that the regression tests of the seeds that
 * found them still catch them (test/e2e/consensus-sim-regressions.test.ts).
 */
export const FORMER_ENGINES = ['first-vote-only'] as const
export type FormerEngine = (typeof FORMER_ENGINES)[number]

export function engineFor(bug: Bug | FormerEngine | null): Engine {
  switch (bug) {
    case 'first-vote-only':
      return { apply: firstVoteOnly, restore: restoreState }
    case null:
      return CORRECT_ENGINE
    case 'skip-lock-check':
      return { apply: skipLockCheck, restore: restoreState }
    case 'double-count':
      return { apply: doubleCount, restore: restoreState }
    case 'skip-on-one':
      return withThresholds((s) => ({ skipThreshold: minPower(s) }))
    case 'quorum-3-of-5':
      // "2f + 1" with f = ⌊(n − 1)/3⌋ instead of ⌊2P/3⌋ + 1: 3 of 5 instead of 4.
      return withThresholds((s) => ({ quorum: 2 * Math.floor((s.validators!.size - 1) / 3) + 1 }))
    case 'forget-lock':
      return {
        apply,
        restore: (config, r) => restoreState(config, { ...r, snapshot: { ...r.snapshot, locked: null } }),
      }
  }
}

/**
 * Rule 6 broken: lines 23/29 ignore the lock. Only those lines read the lock, so hiding it
 * from every transition and putting it back afterwards (unless line 38 set a new one) is
 * exactly that bug.
 */
function skipLockCheck(state: ConsensusState, input: ConsensusInput): Transition {
  if (state.locked === null || input.kind === 'new-height') return apply(state, input)
  const t = apply({ ...state, locked: null }, input)
  return t.state.locked === null ? { ...t, state: { ...t.state, locked: state.locked } } : t
}

/** A validator's vote counted twice: a re-delivered vote adds its power again. */
function doubleCount(state: ConsensusState, input: ConsensusInput): Transition {
  if (input.kind !== 'vote' || state.validators === null || input.vote.height !== state.height)
    return apply(state, input)
  const v = input.vote
  const log = state.log.get(v.round)
  const index = state.validators.indexOf(v.validator)
  const field = v.type === VoteType.PREVOTE ? 'prevotes' : 'precommits'
  const set = log?.[field]
  const counted = set?.votes.get(index)
  if (log === undefined || set === undefined || counted === undefined) return apply(state, input)
  const key = valueKey(v.blockHash)
  if (valueKey(counted.blockHash) !== key) return apply(state, input)
  const power = state.validators.at(index)!.power
  const tally = set.byValue.get(key)!
  const byValue = new Map(set.byValue).set(key, { ...tally, power: tally.power + power })
  const patched: RoundLog = { ...log, [field]: { ...set, byValue, power: set.power + power } }
  return apply({ ...state, log: new Map(state.log).set(v.round, patched) }, input)
}

function withThresholds(patch: (s: ConsensusState) => Partial<ConsensusState>): Engine {
  const fix = (s: ConsensusState) => (s.validators === null ? s : { ...s, ...patch(s) })
  return {
    apply: (state, input) => {
      const t = apply(fix(state), input)
      return { ...t, state: fix(t.state) }
    },
    restore: (config, r) => {
      const t = restoreState(config, r)
      return { ...t, state: fix(t.state) }
    },
  }
}

function minPower(s: ConsensusState): number {
  return Math.min(...s.validators!.validators.map((v) => v.power))
}

/**
 * The vote counting before seed 9 (liveness, n = 7): a conflicting vote was evidence only and
 * never counted for its own value. Done by hiding that value's proposals from the reducer for
 * the one transition that receives the conflicting vote (a conflicting vote adds nothing else,
 * so no other rule can fire in that transition).
 */
function firstVoteOnly(state: ConsensusState, input: ConsensusInput): Transition {
  if (input.kind !== 'vote' || state.validators === null || input.vote.height !== state.height)
    return apply(state, input)
  const v = input.vote
  const log = state.log.get(v.round)
  const first = log?.[v.type === VoteType.PREVOTE ? 'prevotes' : 'precommits'].votes.get(
    state.validators.indexOf(v.validator),
  )
  const key = valueKey(v.blockHash)
  if (log === undefined || first === undefined || valueKey(first.blockHash) === key || key === 'nil')
    return apply(state, input)
  const hidden: RoundLog = { ...log, proposals: log.proposals.filter((e) => e.key !== key) }
  const t = apply({ ...state, log: new Map(state.log).set(v.round, hidden) }, input)
  const after = t.state.log.get(v.round)!
  return {
    ...t,
    state: { ...t.state, log: new Map(t.state.log).set(v.round, { ...after, proposals: log.proposals }) },
  }
}
