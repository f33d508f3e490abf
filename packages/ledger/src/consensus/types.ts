/**
 * Types of the consensus state machine (`state-machine.ts`): its configuration, state, inputs
 * and outputs. Values are identified by block hash; blocks themselves stay with the driver.
 */
import type { ValidatorSet } from '../validators.js'
import type { CommitCertificate } from './certificate.js'
import type { DuplicateVoteEvidence } from './evidence.js'
import type { TimeoutConfig, TimeoutStep } from './timeouts.js'
import type { Proposal, ProposalFields, Vote, VoteFields } from './vote.js'
import type { VoteSet } from './vote-set.js'

export const Step = {
  /** No height started yet (before the first `new-height`). */
  IDLE: 'idle',
  PROPOSE: 'propose',
  PREVOTE: 'prevote',
  PRECOMMIT: 'precommit',
  /** Decided this height; waiting for the driver's `new-height`. */
  DECIDED: 'decided',
} as const
export type Step = (typeof Step)[keyof typeof Step]

export type ConsensusConfig = {
  readonly chainId: string
  /** This node's validator key; null for a node that follows the chain without voting. */
  readonly self: Uint8Array | null
  readonly timeouts: TimeoutConfig
  /** K of rule 16: messages for rounds above round + K are dropped. */
  readonly maxRoundsAhead: number
  /** Most next-height messages buffered until that height starts. */
  readonly maxBufferedMessages: number
  /** Most distinct proposals kept per round (an equivocating proposer may send several). */
  readonly maxProposalsPerRound: number
}

/** A signed consensus message, as gossiped and as fed to the state machine. */
export type ConsensusMessage =
  { readonly kind: 'proposal'; readonly proposal: Proposal } | { readonly kind: 'vote'; readonly vote: Vote }

export type ConsensusInput =
  /** Start height `height` with its validator set V_h (lines 10, 52–54; rule 1). */
  | { readonly kind: 'new-height'; readonly height: number; readonly validators: ValidatorSet }
  /** A proposal or vote that passed `acceptConsensusMessage`, including this node's own. */
  | ConsensusMessage
  /** A timer scheduled by a `schedule-timeout` output fired (lines 57, 61, 65). */
  | {
      readonly kind: 'timeout'
      readonly step: TimeoutStep
      readonly height: number
      readonly round: number
    }
  /** The driver's answer to `build-proposal`: the hash of the block it built (getValue, line 18). */
  | {
      readonly kind: 'proposal-value'
      readonly height: number
      readonly round: number
      readonly blockHash: Uint8Array
    }
  /** The driver's answer to `request-validation`: valid(v) (rule 18). */
  | {
      readonly kind: 'validity'
      readonly height: number
      readonly blockHash: Uint8Array
      readonly valid: boolean
    }

/** An unsigned message the driver must sign (through `Signer`), persist, broadcast and feed back. */
export type MessageIntent =
  | { readonly kind: 'proposal'; readonly fields: ProposalFields }
  | { readonly kind: 'vote'; readonly fields: VoteFields }

export type ConsensusOutput =
  | { readonly kind: 'broadcast'; readonly message: MessageIntent }
  | {
      readonly kind: 'schedule-timeout'
      readonly step: TimeoutStep
      readonly height: number
      readonly round: number
      readonly durationMs: number
    }
  /** Build a new block for (height, round) and answer with `proposal-value` (line 18). */
  | { readonly kind: 'build-proposal'; readonly height: number; readonly round: number }
  /** Validate this block (rule 18) and answer with `validity`. */
  | {
      readonly kind: 'request-validation'
      readonly height: number
      readonly round: number
      readonly blockHash: Uint8Array
    }
  /** Decided (line 49): persist the block with its certificate, execute it, then send `new-height`. */
  | {
      readonly kind: 'commit'
      readonly height: number
      readonly round: number
      readonly blockHash: Uint8Array
      readonly certificate: CommitCertificate
      readonly proposal: Proposal
    }
  /** A validator signed two different votes for one (height, round, type). */
  | { readonly kind: 'evidence'; readonly evidence: DuplicateVoteEvidence }

/** A value with the round it is tied to (lockedValue/lockedRound, validValue/validRound). */
export type RoundValue = {
  readonly round: number
  readonly hash: Uint8Array
  /** Lowercase hex of `hash`. */
  readonly key: string
}

export type ProposalEntry = { readonly proposal: Proposal; readonly key: string }

/** Everything received for one round of the current height (rule 14). */
export type RoundLog = {
  /** Proposals from proposer(h, r), distinct values, arrival order; the first one drives lines 22/28. */
  readonly proposals: readonly ProposalEntry[]
  readonly prevotes: VoteSet
  readonly precommits: VoteSet
  /** Validators with any message in this round, and their summed power (line 55, rule 12). */
  readonly senders: ReadonlySet<number>
  readonly senderPower: number
}

export type ConsensusState = {
  readonly config: ConsensusConfig
  readonly height: number
  readonly round: number
  readonly step: Step
  /** V_h; null only while idle. */
  readonly validators: ValidatorSet | null
  /** This node's index in V_h, or −1 when it does not vote at this height. */
  readonly selfIndex: number
  /** Q and S of V_h (rule 2), copied at `new-height`. */
  readonly quorum: number
  readonly skipThreshold: number
  readonly locked: RoundValue | null
  readonly valid: RoundValue | null
  /** Round → messages of the current height, rounds ≤ round + K. */
  readonly log: ReadonlyMap<number, RoundLog>
  /** Validation results known at this height, by block hash (hex). */
  readonly validity: ReadonlyMap<string, boolean>
  /** Block hashes (hex) whose validation was requested at this height. */
  readonly requested: ReadonlySet<string>
  /** A `build-proposal` for the current round is outstanding. */
  readonly awaitingValue: boolean
  /** "For the first time" guards of lines 34, 36 and 47, for the current round. */
  readonly prevoteTimeoutStarted: boolean
  readonly polkaSeen: boolean
  readonly precommitTimeoutStarted: boolean
  readonly decision: { readonly round: number; readonly hash: Uint8Array; readonly key: string } | null
  /** Messages for height + 1, replayed when it starts (bounded). */
  readonly buffered: readonly ConsensusMessage[]
  /** (validator, round, type) already reported as equivocating at this height. */
  readonly evidenceKeys: ReadonlySet<string>
}

export type Transition = { readonly state: ConsensusState; readonly outputs: readonly ConsensusOutput[] }

/** What the driver's WAL keeps to restore the state machine after a crash (rule 15). */
export type ConsensusSnapshot = {
  readonly height: number
  readonly round: number
  readonly step: typeof Step.PROPOSE | typeof Step.PREVOTE | typeof Step.PRECOMMIT
  readonly locked: { readonly round: number; readonly hash: Uint8Array } | null
  readonly valid: { readonly round: number; readonly hash: Uint8Array } | null
}
