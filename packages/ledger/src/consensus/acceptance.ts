/**
 * Consensus.md rule 16 at the driver's boundary: which received proposals and votes may enter
 * the state machine. Sender ∈ V_h (V_{h+1} for next-height messages), valid signature, height
 * h or h+1, round ≤ r + K. Signature verification is the expensive part, so it happens here,
 * once per message, and never inside the reducer. The reducer keeps the cheap checks (member,
 * proposer, one vote per validator per step, bounded buffers) and the equivocation evidence.
 */
import { verify } from '../crypto/index.js'
import type { ValidatorSet } from '../validators.js'
import type { SignatureCheck } from './certificate.js'
import type { ConsensusMessage } from './types.js'

export const AcceptanceCode = {
  WRONG_CHAIN: 'CONSENSUS_MSG_WRONG_CHAIN',
  OLD_HEIGHT: 'CONSENSUS_MSG_OLD_HEIGHT',
  FAR_HEIGHT: 'CONSENSUS_MSG_FAR_HEIGHT',
  FAR_ROUND: 'CONSENSUS_MSG_FAR_ROUND',
  UNKNOWN_SENDER: 'CONSENSUS_MSG_UNKNOWN_SENDER',
  NOT_PROPOSER: 'CONSENSUS_MSG_NOT_PROPOSER',
  BAD_VALID_ROUND: 'CONSENSUS_MSG_BAD_VALID_ROUND',
  BAD_SIGNATURE: 'CONSENSUS_MSG_BAD_SIGNATURE',
  NEXT_SET_UNKNOWN: 'CONSENSUS_MSG_NEXT_SET_UNKNOWN',
} as const
export type AcceptanceCode = (typeof AcceptanceCode)[keyof typeof AcceptanceCode]

export type AcceptanceView = {
  readonly chainId: string
  /** The state machine's current height and round. */
  readonly height: number
  readonly round: number
  readonly validators: ValidatorSet
  /** V_{h+1}, known one height ahead (a change committed at H applies from H+2, rule 1). */
  readonly nextValidators: ValidatorSet | null
  /** K of rule 16. */
  readonly maxRoundsAhead: number
}

export type AcceptanceResult =
  | { readonly ok: true; readonly nextHeight: boolean }
  | { readonly ok: false; readonly code: AcceptanceCode; readonly reason: string }

function reject(code: AcceptanceCode, reason: string): AcceptanceResult {
  return { ok: false, code, reason }
}

/** Checks a message in the order cheapest first; `checkSignature` defaults to the pinned Ed25519 rule. */
export function acceptConsensusMessage(
  m: ConsensusMessage,
  view: AcceptanceView,
  checkSignature: SignatureCheck = verify,
): AcceptanceResult {
  const msg = m.kind === 'proposal' ? m.proposal : m.vote
  if (msg.chainId !== view.chainId) return reject(AcceptanceCode.WRONG_CHAIN, `chain ${msg.chainId}`)
  if (msg.height < view.height)
    return reject(AcceptanceCode.OLD_HEIGHT, `height ${msg.height} < ${view.height}`)
  if (msg.height > view.height + 1) return reject(AcceptanceCode.FAR_HEIGHT, `height ${msg.height}`)
  const nextHeight = msg.height === view.height + 1
  const validators = nextHeight ? view.nextValidators : view.validators
  if (validators === null) return reject(AcceptanceCode.NEXT_SET_UNKNOWN, 'V_{h+1} is not known yet')
  const maxRound = (nextHeight ? 0 : view.round) + view.maxRoundsAhead
  if (msg.round > maxRound) return reject(AcceptanceCode.FAR_ROUND, `round ${msg.round} > ${maxRound}`)
  const sender = m.kind === 'proposal' ? m.proposal.proposer : m.vote.validator
  const index = validators.indexOf(sender)
  if (index < 0) return reject(AcceptanceCode.UNKNOWN_SENDER, 'sender is not in the validator set')
  if (m.kind === 'proposal') {
    if (index !== validators.proposerIndex(msg.height, msg.round)) {
      return reject(AcceptanceCode.NOT_PROPOSER, `not the proposer of round ${msg.round}`)
    }
    if (m.proposal.validRound < -1 || m.proposal.validRound >= m.proposal.round) {
      return reject(AcceptanceCode.BAD_VALID_ROUND, 'validRound must be −1 or below the round')
    }
  }
  if (!checkSignature(sender, msg.signingBytes(), msg.signature)) {
    return reject(AcceptanceCode.BAD_SIGNATURE, 'signature does not verify')
  }
  return { ok: true, nextHeight }
}
