/**
 * Equivocation evidence: two signed votes by one validator for the same (chain, h, r, type) and
 * different values. Stored with the lower vote hash first, so one equivocation has one encoding.
 */
import { compareBytes, equalBytes, toHex } from '../bytes.js'
import { sha256, verify } from '../crypto/index.js'
import type { SignatureCheck } from './certificate.js'
import { decode, encode, readEnvelope, type Encodable } from '../encoding.js'
import { DecodeError, DecodeErrorCode, GovchainError } from '../errors.js'
import { readVote, type Vote } from './vote.js'

export const EVIDENCE_DOMAIN = 'govchain/evidence'
export const EVIDENCE_VERSION = 1

export const EvidenceErrorCode = {
  NOT_CONFLICTING: 'EVIDENCE_NOT_CONFLICTING',
  BAD_SIGNATURE: 'EVIDENCE_BAD_SIGNATURE',
  UNKNOWN_VALIDATOR: 'EVIDENCE_UNKNOWN_VALIDATOR',
  TOO_OLD: 'EVIDENCE_TOO_OLD',
  FROM_FUTURE: 'EVIDENCE_FROM_FUTURE',
  ALREADY_COMMITTED: 'EVIDENCE_ALREADY_COMMITTED',
  WRONG_CHAIN: 'EVIDENCE_WRONG_CHAIN',
} as const
export type EvidenceErrorCode = (typeof EvidenceErrorCode)[keyof typeof EvidenceErrorCode]
export class EvidenceError extends GovchainError<EvidenceErrorCode> {}

export class DuplicateVoteEvidence {
  readonly voteA: Vote
  readonly voteB: Vote
  #bytes: Uint8Array | undefined

  /** Orders the two votes canonically; use `checkEvidenceShape` to see that they conflict. */
  constructor(a: Vote, b: Vote, bytes?: Uint8Array) {
    const swap = compareBytes(a.hash(), b.hash()) > 0
    this.voteA = swap ? b : a
    this.voteB = swap ? a : b
    this.#bytes = bytes
    Object.freeze(this)
  }

  get height(): number {
    return this.voteA.height
  }

  get validator(): Uint8Array {
    return this.voteA.validator
  }

  encodable(): Encodable {
    return [EVIDENCE_DOMAIN, EVIDENCE_VERSION, this.voteA.encodable(), this.voteB.encodable()]
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode(this.encodable()))
  }

  hash(): Uint8Array {
    return sha256(this.serialize())
  }

  toJSON() {
    return {
      hash: toHex(this.hash()),
      height: this.height,
      validator: toHex(this.validator),
      voteA: this.voteA.toJSON(),
      voteB: this.voteB.toJSON(),
    }
  }
}

/**
 * Stateless part of the evidence check: same signer and step, different values, both
 * signatures valid. `checkSignature` is the pinned Ed25519 rule; only the consensus simulator
 * passes its own (see `verifyCommitCertificate`).
 */
export function checkEvidenceShape(e: DuplicateVoteEvidence, checkSignature: SignatureCheck = verify): void {
  const { voteA: a, voteB: b } = e
  const sameStep =
    a.chainId === b.chainId && a.type === b.type && a.height === b.height && a.round === b.round
  const sameSigner = equalBytes(a.validator, b.validator)
  const differentValue =
    a.blockHash === null || b.blockHash === null
      ? a.blockHash !== b.blockHash
      : !equalBytes(a.blockHash, b.blockHash)
  if (!sameStep || !sameSigner || !differentValue) {
    throw new EvidenceError(EvidenceErrorCode.NOT_CONFLICTING, 'evidence votes do not conflict')
  }
  const signed = (v: Vote) => checkSignature(v.validator, v.signingBytes(), v.signature)
  if (!signed(a) || !signed(b))
    throw new EvidenceError(EvidenceErrorCode.BAD_SIGNATURE, 'evidence vote signature invalid')
}

export function readEvidence(value: unknown): DuplicateVoteEvidence {
  const [a, b] = readEnvelope(value, EVIDENCE_DOMAIN, EVIDENCE_VERSION, 2)
  const voteA = readVote(a)
  const voteB = readVote(b)
  if (compareBytes(voteA.hash(), voteB.hash()) >= 0) {
    throw new DecodeError(
      DecodeErrorCode.NON_CANONICAL,
      'evidence votes must be distinct and ordered by hash',
    )
  }
  return new DuplicateVoteEvidence(voteA, voteB)
}

export function createEvidenceFromBytes(bytes: Uint8Array): DuplicateVoteEvidence {
  return readEvidence(decode(bytes, 2048, 'evidence'))
}
