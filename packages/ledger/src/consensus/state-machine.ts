/**
 * Tendermint consensus as a pure reducer: `apply(state, input) → { state, outputs }`.
 * Algorithm 1 of Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus" (arXiv
 * 1807.04938), as consensus.md states it; `// L<n>` comments are that algorithm's line numbers.
 * No I/O, no clock, no randomness: everything arrives as an input, everything to do leaves as
 * an output, and the old state is never modified.
 *
 * How a driver uses it (the network node, and the simulator in test/sim):
 * - Start: `initialState(config)`, then `new-height` with V_h (after a crash: `restoreState`).
 * - Messages: check each received proposal/vote with `acceptConsensusMessage` (membership,
 *   signature, height h or h+1, round ≤ r+K), then feed it in. The reducer repeats the cheap
 *   checks (member, proposer, one vote per validator per (h, r, type), bounds) but never
 *   verifies signatures.
 * - `broadcast`: an UNSIGNED message intent. The driver signs it with its `Signer`, which
 *   persists the signed step (the driver's WAL record: h, r, step, lock, valid value, the
 *   message; rule 15) BEFORE it returns the signature and refuses a second, different message
 *   for the same (h, r, type), also after a restart. Only then does the driver broadcast the
 *   signed message, and it feeds it back here as an input (its own vote counts like any other).
 *   A refusal means "already signed something else here": drop the intent.
 * - `build-proposal` (line 18, getValue): build a block for (h, r), keep its bytes, answer with
 *   `proposal-value` carrying its hash. Line 16's validValue needs no build.
 * - `request-validation`: run valid(v) (rule 18: full block validation/execution) and answer
 *   with `validity`. Rules that need valid(v) wait for the answer; timeouts keep running, so a
 *   slow validation costs at most a round, never the state machine.
 * - `schedule-timeout`: start a timer; on expiry feed `timeout` back (stale ones are ignored).
 * - `commit`: persist block + certificate atomically, execute it, then send `new-height` with
 *   V_{h+1} (lines 51–54 happen on that input).
 * - `evidence`: keep it for inclusion in a block (consensus.md rule 16).
 * - Gossip duty (rule 14): `gossipMessages(state)` lists what to re-broadcast periodically.
 * - WAL: with each signed message store `snapshotOf(state)` and `validValueProof(state)`;
 *   `restoreState` rebuilds from them and the own signed messages of that height.
 *
 * Deviations from the paper's text, all forced by asynchrony of the driver: every validator
 * schedules timeoutPropose (the paper: only non-proposers), since getValue and signing take
 * time; lines 52–54 wait for `new-height`, since the driver must execute the block first.
 * Counting follows the paper ("2f+1 messages for id(v)" from distinct validators): a validator's
 * first vote counts everywhere, and a conflicting second one, besides being evidence, also
 * counts for its own value (bounded; vote-set.ts and receiveVote explain why).
 */
import { toHex } from '../bytes.js'
import { GovchainError } from '../errors.js'
import type { ValidatorSet } from '../validators.js'
import { createCommitCertificate } from './certificate.js'
import { DuplicateVoteEvidence } from './evidence.js'
import {
  checkTimeoutConfig,
  DEFAULT_TIMEOUTS,
  timeoutFor,
  TimeoutStep,
  type TimeoutConfig,
} from './timeouts.js'
import {
  Step,
  type ConsensusConfig,
  type ConsensusInput,
  type ConsensusMessage,
  type ConsensusOutput,
  type ConsensusSnapshot,
  type ConsensusState,
  type RoundLog,
  type RoundValue,
  type Transition,
} from './types.js'
import { VoteType, type Proposal, type Vote } from './vote.js'
import {
  addVote,
  conflictingValues,
  EMPTY_VOTE_SET,
  NIL_KEY,
  quorumValue,
  removeConflicting,
  valueKey,
  votesFor,
} from './vote-set.js'

export const ConsensusErrorCode = {
  BAD_CONFIG: 'CONSENSUS_BAD_CONFIG',
  BAD_HEIGHT: 'CONSENSUS_BAD_HEIGHT',
  BAD_SNAPSHOT: 'CONSENSUS_BAD_SNAPSHOT',
} as const
export type ConsensusErrorCode = (typeof ConsensusErrorCode)[keyof typeof ConsensusErrorCode]
export class ConsensusError extends GovchainError<ConsensusErrorCode> {}

export const DEFAULT_MAX_ROUNDS_AHEAD = 10
export const DEFAULT_MAX_BUFFERED_MESSAGES = 1024
export const DEFAULT_MAX_PROPOSALS_PER_ROUND = 4

export function consensusConfig(fields: {
  chainId: string
  self: Uint8Array | null
  timeouts?: TimeoutConfig
  maxRoundsAhead?: number
  maxBufferedMessages?: number
  maxProposalsPerRound?: number
}): ConsensusConfig {
  const config: ConsensusConfig = {
    chainId: fields.chainId,
    self: fields.self,
    timeouts: checkTimeoutConfig(fields.timeouts ?? DEFAULT_TIMEOUTS),
    maxRoundsAhead: fields.maxRoundsAhead ?? DEFAULT_MAX_ROUNDS_AHEAD,
    maxBufferedMessages: fields.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES,
    maxProposalsPerRound: fields.maxProposalsPerRound ?? DEFAULT_MAX_PROPOSALS_PER_ROUND,
  }
  const counts = [config.maxRoundsAhead, config.maxBufferedMessages, config.maxProposalsPerRound]
  if (config.chainId.length === 0 || counts.some((c) => !Number.isSafeInteger(c) || c < 1)) {
    throw new ConsensusError(
      ConsensusErrorCode.BAD_CONFIG,
      'consensus config needs a chain id and positive bounds',
    )
  }
  return Object.freeze(config)
}

export function initialState(config: ConsensusConfig): ConsensusState {
  return {
    config,
    height: 0,
    round: 0,
    step: Step.IDLE,
    validators: null,
    selfIndex: -1,
    quorum: 0,
    skipThreshold: 0,
    locked: null,
    valid: null,
    log: new Map(),
    validity: new Map(),
    requested: new Set(),
    awaitingValue: false,
    prevoteTimeoutStarted: false,
    polkaSeen: false,
    precommitTimeoutStarted: false,
    decision: null,
    buffered: [],
    evidenceKeys: new Set(),
  }
}

/** The reducer. Never mutates `state`; returns the next state and what the driver must do. */
export function apply(state: ConsensusState, input: ConsensusInput): Transition {
  const b = new TransitionBuilder(state)
  switch (input.kind) {
    case 'new-height':
      startHeight(b, input.height, input.validators)
      break
    case 'proposal':
    case 'vote':
      receive(b, input)
      break
    case 'timeout':
      onTimeout(b, input.step, input.height, input.round)
      break
    case 'proposal-value':
      onProposalValue(b, input.height, input.round, input.blockHash)
      break
    case 'validity':
      if (input.height === b.s.height && b.s.step !== Step.IDLE) {
        b.set({ validity: new Map(b.s.validity).set(toHex(input.blockHash), input.valid) })
      }
      break
  }
  evaluate(b)
  return b.result()
}

/**
 * Rebuilds the state machine after a crash from the last WAL snapshot of height `snapshot.height`,
 * the messages this node signed at that height and the last `validValueProof` (all fed in like
 * any other message).
 */
export function restoreState(
  config: ConsensusConfig,
  restore: {
    snapshot: ConsensusSnapshot
    validators: ValidatorSet
    messages: readonly ConsensusMessage[]
  },
): Transition {
  const { snapshot: snap, validators, messages } = restore
  const lockedOk = snap.locked === null || (snap.locked.round >= 0 && snap.locked.round <= snap.round)
  const validOk = snap.valid === null || (snap.valid.round >= 0 && snap.valid.round <= snap.round)
  const atLeast = snap.locked === null || (snap.valid !== null && snap.valid.round >= snap.locked.round)
  if (snap.height < 1 || snap.round < 0 || !lockedOk || !validOk || !atLeast) {
    throw new ConsensusError(ConsensusErrorCode.BAD_SNAPSHOT, 'inconsistent consensus snapshot')
  }
  const b = new TransitionBuilder(initialState(config))
  resetHeight(b, snap.height, validators)
  b.set({
    round: snap.round,
    step: snap.step,
    locked: roundValue(snap.locked),
    valid: roundValue(snap.valid),
  })
  for (const m of messages) receive(b, m)
  // L11–L21 again for a round whose proposal step was interrupted (no proposal is rebuilt if
  // this node's own signed proposal is among `messages`).
  if (snap.step === Step.PROPOSE) startRound(b, snap.round)
  evaluate(b)
  return b.result()
}

/** What the WAL stores with a signed message; null while idle or decided. */
export function snapshotOf(state: ConsensusState): ConsensusSnapshot | null {
  const { step } = state
  if (step !== Step.PROPOSE && step !== Step.PREVOTE && step !== Step.PRECOMMIT) return null
  const strip = (v: RoundValue | null) => (v === null ? null : { round: v.round, hash: v.hash })
  return {
    height: state.height,
    round: state.round,
    step,
    locked: strip(state.locked),
    valid: strip(state.valid),
  }
}

/**
 * The proposal and prevote quorum behind validValue (what line 28 needs at the receivers when
 * validValue is re-proposed). The driver keeps them in its WAL record next to the snapshot:
 * a validator restarted with its lock but without this proof cannot show the polka to the
 * others, and a height can then deadlock (the simulator found it: seed 42, liveness, n = 4).
 */
export function validValueProof(state: ConsensusState): ConsensusMessage[] {
  return state.valid === null ? [] : polkaMessages(state, state.valid.round, state.valid.key)
}

function polkaMessages(state: ConsensusState, round: number, key: string): ConsensusMessage[] {
  const log = state.log.get(round)
  if (log === undefined) return []
  const entry = log.proposals.find((e) => e.key === key)
  const out: ConsensusMessage[] = entry === undefined ? [] : [{ kind: 'proposal', proposal: entry.proposal }]
  for (const vote of votesFor(log.prevotes, key)) out.push({ kind: 'vote', vote })
  return out
}

/**
 * Rule 14, gossip duty: the messages to re-broadcast periodically. The proposal and every vote
 * of the previous and current round that this node holds, its own or relayed (the paper's
 * gossip property: what one correct validator received, all eventually receive; without it a
 * precommit that reached only one node before its sender crashed can stall a round for good —
 * seeds 5484 and 7240, liveness, n = 4); the proposal and prevote quorum behind validValue
 * (what line 28 needs at the receivers) and behind an own re-proposal; and, once decided, the
 * decided proposal with its precommits (line 49 at lagging peers).
 */
export function gossipMessages(state: ConsensusState): ConsensusMessage[] {
  const out: ConsensusMessage[] = []
  const seen = new Set<object>()
  const push = (m: ConsensusMessage) => {
    const key = m.kind === 'proposal' ? m.proposal : m.vote
    if (!seen.has(key)) {
      seen.add(key)
      out.push(m)
    }
  }
  if (state.step === Step.IDLE) return out
  if (state.decision !== null) {
    const log = state.log.get(state.decision.round)!
    const entry = log.proposals.find((e) => e.key === state.decision!.key)
    if (entry !== undefined) push({ kind: 'proposal', proposal: entry.proposal })
    for (const vote of votesFor(log.precommits, state.decision.key)) push({ kind: 'vote', vote })
    return out
  }
  for (const round of [state.round - 1, state.round]) {
    const log = state.log.get(round)
    if (log === undefined) continue
    for (const { proposal } of log.proposals) {
      push({ kind: 'proposal', proposal })
      if (proposal.validRound >= 0)
        for (const m of polkaMessages(state, proposal.validRound, toHex(proposal.blockHash))) push(m)
    }
    for (const set of [log.prevotes, log.precommits]) {
      for (const tally of set.byValue.values())
        for (const vote of tally.voters.values()) push({ kind: 'vote', vote })
    }
  }
  for (const m of validValueProof(state)) push(m)
  return out
}

// ---------------------------------------------------------------------------------------------

class TransitionBuilder {
  s: ConsensusState
  readonly out: ConsensusOutput[] = []

  constructor(s: ConsensusState) {
    this.s = s
  }

  set(patch: Partial<ConsensusState>): void {
    this.s = { ...this.s, ...patch }
  }

  emit(o: ConsensusOutput): void {
    this.out.push(o)
  }

  result(): Transition {
    return { state: this.s, outputs: this.out }
  }
}

const STEP_RANK: Record<Step, number> = { idle: 0, propose: 1, prevote: 2, precommit: 3, decided: 4 }

function roundValue(v: { round: number; hash: Uint8Array } | null): RoundValue | null {
  return v === null ? null : { round: v.round, hash: v.hash, key: toHex(v.hash) }
}

function proposerIndex(s: ConsensusState, round: number): number {
  return s.validators!.proposerIndex(s.height, round)
}

function ownProposal(s: ConsensusState, round: number): Proposal | undefined {
  if (s.selfIndex < 0 || proposerIndex(s, round) !== s.selfIndex) return undefined
  return s.log.get(round)?.proposals[0]?.proposal
}

function emptyRound(): RoundLog {
  return {
    proposals: [],
    prevotes: EMPTY_VOTE_SET,
    precommits: EMPTY_VOTE_SET,
    senders: new Set(),
    senderPower: 0,
  }
}

function resetHeight(b: TransitionBuilder, height: number, validators: ValidatorSet): void {
  const self = b.s.config.self
  b.set({
    height,
    round: 0,
    step: Step.PROPOSE,
    validators,
    selfIndex: self === null ? -1 : validators.indexOf(self),
    quorum: validators.quorum,
    skipThreshold: validators.skipThreshold,
    locked: null,
    valid: null,
    log: new Map(),
    validity: new Map(),
    requested: new Set(),
    awaitingValue: false,
    prevoteTimeoutStarted: false,
    polkaSeen: false,
    precommitTimeoutStarted: false,
    decision: null,
    buffered: [],
    evidenceKeys: new Set(),
  })
}

// L10, L52–L54: a new height, with its validator set (rule 1) and reset per-height state (rule 3).
function startHeight(b: TransitionBuilder, height: number, validators: ValidatorSet): void {
  const prev = b.s
  if (prev.step !== Step.IDLE && height <= prev.height) {
    throw new ConsensusError(
      ConsensusErrorCode.BAD_HEIGHT,
      `new height ${height} is not above the current height ${prev.height}`,
    )
  }
  const replay = height === prev.height + 1 ? prev.buffered : []
  resetHeight(b, height, validators)
  startRound(b, 0) // L54 (L10 for the first height)
  for (const m of replay) receive(b, m) // rule 14: buffered next-height messages
}

// L11: StartRound(round).
function startRound(b: TransitionBuilder, round: number): void {
  // L12–L13; the "first time" guards of L34/L36/L47 are per round.
  b.set({
    round,
    step: Step.PROPOSE,
    awaitingValue: false,
    prevoteTimeoutStarted: false,
    polkaSeen: false,
    precommitTimeoutStarted: false,
  })
  const s = b.s
  // L14: we are proposer(h, round) (and have not signed a proposal for it before a restart).
  if (s.selfIndex >= 0 && proposerIndex(s, round) === s.selfIndex && ownProposal(s, round) === undefined) {
    if (s.valid !== null) {
      // L15–L16, L19: re-propose validValue with validRound.
      broadcastProposal(b, s.valid.hash, s.valid.round)
    } else {
      // L17–L18: getValue() is the driver's; its answer is `proposal-value` (then L19).
      b.emit({ kind: 'build-proposal', height: s.height, round })
      b.set({ awaitingValue: true })
    }
  }
  // L20–L21 (for every validator, see the module comment).
  scheduleTimeout(b, TimeoutStep.PROPOSE)
}

function onProposalValue(b: TransitionBuilder, height: number, round: number, blockHash: Uint8Array): void {
  const s = b.s
  if (height !== s.height || round !== s.round || s.step !== Step.PROPOSE || !s.awaitingValue) return
  b.set({ awaitingValue: false })
  broadcastProposal(b, blockHash, -1) // L18–L19
}

function broadcastProposal(b: TransitionBuilder, blockHash: Uint8Array, validRound: number): void {
  const s = b.s
  b.emit({
    kind: 'broadcast',
    message: {
      kind: 'proposal',
      fields: { chainId: s.config.chainId, height: s.height, round: s.round, validRound, blockHash },
    },
  })
}

function broadcastVote(b: TransitionBuilder, type: VoteType, blockHash: Uint8Array | null): void {
  const s = b.s
  if (s.selfIndex < 0) return
  b.emit({
    kind: 'broadcast',
    message: {
      kind: 'vote',
      fields: { chainId: s.config.chainId, type, height: s.height, round: s.round, blockHash },
    },
  })
}

function scheduleTimeout(b: TransitionBuilder, step: TimeoutStep): void {
  const s = b.s
  b.emit({
    kind: 'schedule-timeout',
    step,
    height: s.height,
    round: s.round,
    durationMs: timeoutFor(s.config.timeouts, step, s.round),
  })
}

function requestValidation(b: TransitionBuilder, round: number, blockHash: Uint8Array, key: string): void {
  if (b.s.requested.has(key) || b.s.validity.has(key)) return
  b.set({ requested: new Set(b.s.requested).add(key) })
  b.emit({ kind: 'request-validation', height: b.s.height, round, blockHash })
}

// L57–L67: timeouts act only at the height, round and step they were scheduled for.
function onTimeout(b: TransitionBuilder, step: TimeoutStep, height: number, round: number): void {
  const s = b.s
  if (height !== s.height || round !== s.round) return
  if (step === TimeoutStep.PROPOSE && s.step === Step.PROPOSE) {
    // L57–L60
    broadcastVote(b, VoteType.PREVOTE, null)
    b.set({ step: Step.PREVOTE })
  } else if (step === TimeoutStep.PREVOTE && s.step === Step.PREVOTE) {
    // L61–L64
    broadcastVote(b, VoteType.PRECOMMIT, null)
    b.set({ step: Step.PRECOMMIT })
  } else if (step === TimeoutStep.PRECOMMIT && s.step !== Step.DECIDED && s.step !== Step.IDLE) {
    // L65–L67
    startRound(b, round + 1)
  }
}

// ---- receiving messages (rules 14, 16) ----

function receive(b: TransitionBuilder, m: ConsensusMessage): void {
  const s = b.s
  if (s.step === Step.IDLE) return
  const fields = m.kind === 'proposal' ? m.proposal : m.vote
  if (fields.chainId !== s.config.chainId) return
  if (fields.height === s.height + 1) return buffer(b, m)
  if (fields.height !== s.height || s.step === Step.DECIDED) return
  if (fields.round > s.round + s.config.maxRoundsAhead) return
  if (m.kind === 'proposal') receiveProposal(b, m.proposal)
  else receiveVote(b, m.vote)
}

function buffer(b: TransitionBuilder, m: ConsensusMessage): void {
  const s = b.s
  const fields = m.kind === 'proposal' ? m.proposal : m.vote
  if (fields.round > s.config.maxRoundsAhead || s.buffered.length >= s.config.maxBufferedMessages) return
  // Per-sender quota, so one validator cannot fill the buffer: a proposal, two votes and one
  // conflicting vote per round.
  const sender = toHex(m.kind === 'proposal' ? m.proposal.proposer : m.vote.validator)
  let count = 0
  for (const x of s.buffered) {
    if (x === m) return
    if (toHex(x.kind === 'proposal' ? x.proposal.proposer : x.vote.validator) === sender) count++
  }
  if (count >= 4 * (s.config.maxRoundsAhead + 1)) return
  b.set({ buffered: [...s.buffered, m] })
}

function withRound(b: TransitionBuilder, round: number, update: (log: RoundLog) => RoundLog): void {
  const log = b.s.log.get(round) ?? emptyRound()
  b.set({ log: new Map(b.s.log).set(round, update(log)) })
}

function addSender(log: RoundLog, index: number, power: number): Pick<RoundLog, 'senders' | 'senderPower'> {
  if (log.senders.has(index)) return { senders: log.senders, senderPower: log.senderPower }
  return { senders: new Set(log.senders).add(index), senderPower: log.senderPower + power }
}

function receiveProposal(b: TransitionBuilder, p: Proposal): void {
  const s = b.s
  const index = s.validators!.indexOf(p.proposer)
  // L22/L28/L36/L49: only proposals "from proposer(h_p, round)" count.
  if (index < 0 || index !== proposerIndex(s, p.round) || p.validRound >= p.round || p.validRound < -1) return
  const log = s.log.get(p.round) ?? emptyRound()
  const key = toHex(p.blockHash)
  if (log.proposals.some((e) => e.key === key) || log.proposals.length >= s.config.maxProposalsPerRound)
    return
  const power = s.validators!.at(index)!.power
  withRound(b, p.round, (l) => ({
    ...l,
    proposals: [...l.proposals, { proposal: p, key }],
    ...addSender(l, index, power),
  }))
  if (index === s.selfIndex && p.round === s.round) b.set({ awaitingValue: false })
  requestValidation(b, p.round, p.blockHash, key) // start valid(v) early; the rules wait for it
}

function receiveVote(b: TransitionBuilder, v: Vote): void {
  const s = b.s
  const index = s.validators!.indexOf(v.validator)
  if (index < 0) return
  const power = s.validators!.at(index)!.power
  const log = s.log.get(v.round) ?? emptyRound()
  const isPrevote = v.type === VoteType.PREVOTE
  const set = isPrevote ? log.prevotes : log.precommits
  const added = addVote(set, index, power, v, false)
  if (added.kind === 'duplicate') return
  if (added.kind === 'added') {
    withRound(b, v.round, (l) => ({
      ...l,
      ...(isPrevote ? { prevotes: added.set } : { precommits: added.set }),
      ...addSender(l, index, power),
    }))
    return
  }
  // Rule 16: the first vote stays; a different one is equivocation evidence (once per step).
  const evidenceKey = `${index}/${v.round}/${v.type}`
  if (!s.evidenceKeys.has(evidenceKey)) {
    b.set({ evidenceKeys: new Set(s.evidenceKeys).add(evidenceKey) })
    b.emit({ kind: 'evidence', evidence: new DuplicateVoteEvidence(added.first, v) })
  }
  // It also counts for its own value, whatever the arrival order (vote-set.ts), for at most
  // maxProposalsPerRound + 1 values per validator and step. When those are taken, a vote for nil
  // or a proposed value replaces one for a value nobody proposed, so that an equivocator cannot
  // crowd out its relevant votes with junk.
  const key = valueKey(v.blockHash)
  const relevant = (k: string) => k === NIL_KEY || log.proposals.some((e) => e.key === k)
  let base = set
  const extra = conflictingValues(set, index)
  if (extra.includes(key)) return
  if (extra.length >= s.config.maxProposalsPerRound + 1) {
    const junk = relevant(key) ? extra.find((k) => !relevant(k)) : undefined
    if (junk === undefined) return
    base = removeConflicting(set, index, power, junk)
  }
  const counted = addVote(base, index, power, v, true)
  if (counted.kind !== 'conflict' || counted.set === undefined) return
  const next = counted.set
  withRound(b, v.round, (l) => ({ ...l, ...(isPrevote ? { prevotes: next } : { precommits: next }) }))
}

// ---- the upon rules, evaluated against the whole log after every input ----

function evaluate(b: TransitionBuilder): void {
  // Each rule changes the step, the round or a "first time" guard when it fires, so this loop
  // ends; the bound is only a safety net.
  for (let i = 0; i < 10_000; i++) {
    const step = b.s.step
    if (step === Step.IDLE || step === Step.DECIDED) return
    if (tryDecide(b)) return
    if (trySkipRound(b)) continue
    if (step === Step.PROPOSE && tryPrevoteProposal(b)) continue
    if (tryPolkaForValue(b)) continue
    if (tryPolkaForNil(b)) continue
    tryPrevoteTimeout(b)
    tryPrecommitTimeout(b)
    return
  }
}

// L49–L51: proposal v of any round r and Q precommits for id(v) in r, valid(v) → decide.
function tryDecide(b: TransitionBuilder): boolean {
  const s = b.s
  for (const [round, log] of s.log) {
    const key = quorumValue(log.precommits, s.quorum)
    if (key === null || key === NIL_KEY) continue
    const entry = log.proposals.find((e) => e.key === key)
    if (entry === undefined) continue
    const valid = s.validity.get(key)
    if (valid === undefined) {
      requestValidation(b, round, entry.proposal.blockHash, key)
      continue
    }
    if (!valid) continue // L50
    const certificate = createCommitCertificate(s.validators!, votesFor(log.precommits, key))
    b.set({ step: Step.DECIDED, decision: { round, hash: entry.proposal.blockHash, key } }) // L51
    b.emit({
      kind: 'commit',
      height: s.height,
      round,
      blockHash: entry.proposal.blockHash,
      certificate,
      proposal: entry.proposal,
    })
    return true
  }
  return false
}

// L55–L56: messages of a higher round from validators with power ≥ S (rule 12) → StartRound.
function trySkipRound(b: TransitionBuilder): boolean {
  const s = b.s
  let target = -1
  for (const [round, log] of s.log) {
    if (round > s.round && round > target && log.senderPower >= s.skipThreshold) target = round
  }
  if (target < 0) return false
  startRound(b, target)
  return true
}

// L22–L27 and L28–L33, while step = propose.
function tryPrevoteProposal(b: TransitionBuilder): boolean {
  const s = b.s
  const log = s.log.get(s.round)
  if (log === undefined) return false
  for (const { proposal: p, key } of log.proposals) {
    const vr = p.validRound
    let lockAllows: boolean
    if (vr === -1) {
      // L22–L23: fresh proposal; lockedRound = −1 ∨ lockedValue = v.
      lockAllows = s.locked === null || s.locked.key === key
    } else if (vr < s.round) {
      // L28: re-proposal with Q prevotes for id(v) in round vr.
      const pol = s.log.get(vr)
      if (pol === undefined || quorumValue(pol.prevotes, s.quorum) !== key) continue
      // L29: lockedRound ≤ vr ∨ lockedValue = v (the only unlock rule).
      lockAllows = s.locked === null || s.locked.round <= vr || s.locked.key === key
    } else continue
    if (!lockAllows) {
      // L26 / L32
      broadcastVote(b, VoteType.PREVOTE, null)
      b.set({ step: Step.PREVOTE }) // L27 / L33
      return true
    }
    const valid = s.validity.get(key)
    if (valid === undefined) {
      requestValidation(b, s.round, p.blockHash, key)
      continue
    }
    // L24 / L30 if valid(v), else L26 / L32.
    broadcastVote(b, VoteType.PREVOTE, valid ? p.blockHash : null)
    b.set({ step: Step.PREVOTE }) // L27 / L33
    return true
  }
  return false
}

// L36–L43: proposal v of this round + Q prevotes for id(v), valid(v), step ≥ prevote, first time.
function tryPolkaForValue(b: TransitionBuilder): boolean {
  const s = b.s
  if (s.polkaSeen || STEP_RANK[s.step] < STEP_RANK[Step.PREVOTE]) return false
  const log = s.log.get(s.round)
  if (log === undefined) return false
  const key = quorumValue(log.prevotes, s.quorum)
  if (key === null || key === NIL_KEY) return false
  const entry = log.proposals.find((e) => e.key === key)
  if (entry === undefined) return false
  const valid = s.validity.get(key)
  if (valid === undefined) {
    requestValidation(b, s.round, entry.proposal.blockHash, key)
    return false
  }
  if (!valid) return false
  const value: RoundValue = { round: s.round, hash: entry.proposal.blockHash, key }
  b.set({ polkaSeen: true })
  if (s.step === Step.PREVOTE) {
    // L37–L41: lock, precommit id(v).
    b.set({ locked: value })
    broadcastVote(b, VoteType.PRECOMMIT, value.hash)
    b.set({ step: Step.PRECOMMIT })
  }
  b.set({ valid: value }) // L42–L43
  return true
}

// L44–L46: Q prevotes for nil while step = prevote.
function tryPolkaForNil(b: TransitionBuilder): boolean {
  const s = b.s
  if (s.step !== Step.PREVOTE) return false
  const log = s.log.get(s.round)
  if (log === undefined || quorumValue(log.prevotes, s.quorum) !== NIL_KEY) return false
  broadcastVote(b, VoteType.PRECOMMIT, null)
  b.set({ step: Step.PRECOMMIT })
  return true
}

// L34–L35: Q prevotes of any value while step = prevote, first time (rule 11).
function tryPrevoteTimeout(b: TransitionBuilder): void {
  const s = b.s
  if (s.step !== Step.PREVOTE || s.prevoteTimeoutStarted) return
  const log = s.log.get(s.round)
  if (log === undefined || log.prevotes.power < s.quorum) return
  b.set({ prevoteTimeoutStarted: true })
  scheduleTimeout(b, TimeoutStep.PREVOTE)
}

// L47–L48: Q precommits of any value, first time (rule 11: never on a local timer alone).
function tryPrecommitTimeout(b: TransitionBuilder): void {
  const s = b.s
  if (s.precommitTimeoutStarted) return
  const log = s.log.get(s.round)
  if (log === undefined || log.precommits.power < s.quorum) return
  b.set({ precommitTimeoutStarted: true })
  scheduleTimeout(b, TimeoutStep.PRECOMMIT)
}
