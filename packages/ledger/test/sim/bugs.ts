/**
 * Test the tests: deliberately broken engines, built by wrapping the production reducer here in
 * the harness (production code has no bug switch). Each must make the simulator report a
 * violation (consensus.md, "Test the tests").
 */
import { apply, gossipMessages, restoreState, validValueProof } from '../../src/consensus/state-machine.js'
import type {
  ConsensusInput,
  ConsensusMessage,
  ConsensusState,
  RoundLog,
  Transition,
} from '../../src/consensus/types.js'
import { DuplicateVoteEvidence } from '../../src/consensus/evidence.js'
import { VoteType } from '../../src/consensus/vote.js'
import { valueKey, votesFor } from '../../src/consensus/vote-set.js'

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
export const FORMER_ENGINES = ['first-vote-only', 'count-if-proposed'] as const
export type FormerEngine = (typeof FORMER_ENGINES)[number]

export function engineFor(bug: Bug | FormerEngine | null): Engine {
  switch (bug) {
    case 'first-vote-only':
      return {
        apply: (s, i) => conflictingVoteAsEvidenceOnly(s, i, () => true) ?? apply(s, i),
        restore: restoreState,
      }
    case 'count-if-proposed':
      return {
        apply: (s, i) =>
          conflictingVoteAsEvidenceOnly(s, i, (log, key) => !log.proposals.some((e) => e.key === key)) ??
          apply(s, i),
        restore: restoreState,
      }
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
 * Former vote counting. Before seed 9 (liveness, n = 7): a conflicting vote was evidence and
 * nothing else. Before seed 1919 (liveness, n = 7): it also counted for its own value, but only
 * if that value's proposal had already arrived, so the count depended on arrival order.
 * Returns undefined when `input` is not such a conflicting vote (the current reducer applies).
 */
function conflictingVoteAsEvidenceOnly(
  state: ConsensusState,
  input: ConsensusInput,
  evidenceOnly: (log: RoundLog, key: string) => boolean,
): Transition | undefined {
  if (input.kind !== 'vote' || state.validators === null || input.vote.height !== state.height)
    return undefined
  const v = input.vote
  const index = state.validators.indexOf(v.validator)
  const log = state.log.get(v.round)
  const first = log?.[v.type === VoteType.PREVOTE ? 'prevotes' : 'precommits'].votes.get(index)
  const key = valueKey(v.blockHash)
  if (log === undefined || first === undefined || valueKey(first.blockHash) === key || key === 'nil')
    return undefined
  if (!evidenceOnly(log, key)) return undefined
  const evidenceKey = `${index}/${v.round}/${v.type}`
  if (state.evidenceKeys.has(evidenceKey)) return { state, outputs: [] }
  return {
    state: { ...state, evidenceKeys: new Set(state.evidenceKeys).add(evidenceKey) },
    outputs: [{ kind: 'evidence', evidence: new DuplicateVoteEvidence(first, v) }],
  }
}

/**
 * The gossip duty before seeds 5484/7240, message for message and in the same order: a node
 * re-sent its own proposal (with the proof behind a re-proposal) and votes of the last two
 * rounds and the proof of its validValue, never the votes of others.
 */
export function ownMessagesOnlyGossip(state: ConsensusState): ConsensusMessage[] {
  if (state.step === 'idle' || state.decision !== null) return gossipMessages(state)
  const out: ConsensusMessage[] = []
  const seen = new Set<object>()
  const push = (m: ConsensusMessage) => {
    const key = m.kind === 'proposal' ? m.proposal : m.vote
    if (!seen.has(key)) {
      seen.add(key)
      out.push(m)
    }
  }
  const polka = (round: number, key: string) => {
    const log = state.log.get(round)
    if (log === undefined) return
    const entry = log.proposals.find((e) => e.key === key)
    if (entry !== undefined) push({ kind: 'proposal', proposal: entry.proposal })
    for (const vote of votesFor(log.prevotes, key)) push({ kind: 'vote', vote })
  }
  for (const round of [state.round - 1, state.round]) {
    const log = state.log.get(round)
    if (log === undefined || state.selfIndex < 0) continue
    const own =
      state.validators!.proposerIndex(state.height, round) === state.selfIndex
        ? log.proposals[0]?.proposal
        : undefined
    if (own !== undefined) {
      push({ kind: 'proposal', proposal: own })
      if (own.validRound >= 0) polka(own.validRound, valueKey(own.blockHash))
    }
    const prevote = log.prevotes.votes.get(state.selfIndex)
    if (prevote !== undefined) push({ kind: 'vote', vote: prevote })
    const precommit = log.precommits.votes.get(state.selfIndex)
    if (precommit !== undefined) push({ kind: 'vote', vote: precommit })
  }
  for (const m of validValueProof(state)) push(m)
  return out
}
