/**
 * The validator's signer (consensus.md rule 15). It remembers the last signed step
 * (height, round, kind) with its value and signature, records it through an injected
 * `SignerStore` BEFORE the signature leaves, and refuses
 * - a second, different message for the same (h, r, kind) (double signing), and
 * - any step below the last one signed (which a restored, older state could ask for),
 * also after a restart, when it is built from the last stored step. Asking again for exactly
 * the last message returns the same signature (replay after a restart is harmless).
 *
 * The store is where the driver writes its WAL record (h, r, step, lock, valid value, the
 * message) and fsyncs it; a torn record must be dropped on restart, which is safe because a
 * torn write never returned its signature. Calls are serialised, so concurrent requests are
 * checked one after the other against the last persisted step.
 */
import { equalBytes } from '../bytes.js'
import { SIGNATURE_LENGTH } from '../crypto/index.js'
import { readBytes, readEnvelope, readInt, readOptional, readUint, type Encodable } from '../encoding.js'
import { DecodeError, DecodeErrorCode, GovchainError } from '../errors.js'
import { HASH_LENGTH } from '../params.js'
import type { ConsensusMessage, MessageIntent } from './types.js'
import { Proposal, proposalSigningBytes, Vote, VoteType, voteSigningBytes } from './vote.js'

export const SIGNED_STEP_DOMAIN = 'govchain/signed-step'
export const SIGNED_STEP_VERSION = 1

/** Order of the signed messages within one round. */
export const SignedKind = { PROPOSAL: 0, PREVOTE: 1, PRECOMMIT: 2 } as const
export type SignedKind = (typeof SignedKind)[keyof typeof SignedKind]

export type SignedStep = {
  readonly height: number
  readonly round: number
  readonly kind: SignedKind
  /** null for a nil vote. */
  readonly blockHash: Uint8Array | null
  /** The proposal's validRound; −1 for votes. */
  readonly validRound: number
  readonly signature: Uint8Array
}

export type SignerStore = {
  /** Durably records the step (e.g. an fsynced WAL record) before resolving; a throw/rejection means "not recorded". */
  save(step: SignedStep): void | Promise<void>
}

/** Produces the signature of signing bytes: Ed25519 with the validator key in a node. */
export type SignBytes = (message: Uint8Array) => Uint8Array

export const SignerErrorCode = {
  DOUBLE_SIGN: 'SIGNER_DOUBLE_SIGN',
  REGRESSION: 'SIGNER_REGRESSION',
  WRONG_CHAIN: 'SIGNER_WRONG_CHAIN',
} as const
export type SignerErrorCode = (typeof SignerErrorCode)[keyof typeof SignerErrorCode]
export class SignerError extends GovchainError<SignerErrorCode> {}

export class Signer {
  readonly chainId: string
  readonly publicKey: Uint8Array
  readonly #sign: SignBytes
  readonly #store: SignerStore
  #last: SignedStep | null
  #queue: Promise<unknown> = Promise.resolve()

  constructor(options: {
    chainId: string
    publicKey: Uint8Array
    sign: SignBytes
    store: SignerStore
    /** The last step recorded by the store (after a restart), or null for a new validator. */
    last: SignedStep | null
  }) {
    this.chainId = options.chainId
    this.publicKey = options.publicKey
    this.#sign = options.sign
    this.#store = options.store
    this.#last = options.last
  }

  get last(): SignedStep | null {
    return this.#last
  }

  /** Signs the state machine's intent, or rejects with a `SignerError` (drop the intent then). */
  sign(intent: MessageIntent): Promise<ConsensusMessage> {
    const result = this.#queue.then(() => this.#signNow(intent))
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #signNow(intent: MessageIntent): Promise<ConsensusMessage> {
    if (intent.fields.chainId !== this.chainId) {
      throw new SignerError(
        SignerErrorCode.WRONG_CHAIN,
        `refusing to sign for chain ${intent.fields.chainId}`,
      )
    }
    const step = stepOf(intent)
    const last = this.#last
    if (last !== null) {
      const order = compareSteps(step, last)
      if (order < 0) {
        throw new SignerError(SignerErrorCode.REGRESSION, 'refusing to sign below the last signed step', {
          step: describe(step),
          last: describe(last),
        })
      }
      if (order === 0) {
        if (sameValue(step, last)) return messageFromStep(this.chainId, this.publicKey, last)
        throw new SignerError(SignerErrorCode.DOUBLE_SIGN, 'refusing to sign a second message for one step', {
          step: describe(step),
        })
      }
    }
    const bytes =
      intent.kind === 'proposal' ? proposalSigningBytes(intent.fields) : voteSigningBytes(intent.fields)
    const signed: SignedStep = { ...step, signature: this.#sign(bytes) }
    await this.#store.save(signed)
    this.#last = signed
    return messageFromStep(this.chainId, this.publicKey, signed)
  }
}

function stepOf(intent: MessageIntent): Omit<SignedStep, 'signature'> {
  if (intent.kind === 'proposal') {
    const f = intent.fields
    return {
      height: f.height,
      round: f.round,
      kind: SignedKind.PROPOSAL,
      blockHash: f.blockHash,
      validRound: f.validRound,
    }
  }
  const f = intent.fields
  const kind = f.type === VoteType.PREVOTE ? SignedKind.PREVOTE : SignedKind.PRECOMMIT
  return { height: f.height, round: f.round, kind, blockHash: f.blockHash, validRound: -1 }
}

/** Orders steps by (height, round, kind). */
export function compareSteps(a: Omit<SignedStep, 'signature'>, b: Omit<SignedStep, 'signature'>): number {
  return a.height - b.height || a.round - b.round || a.kind - b.kind
}

function sameValue(a: Omit<SignedStep, 'signature'>, b: Omit<SignedStep, 'signature'>): boolean {
  const sameHash =
    a.blockHash === null || b.blockHash === null
      ? a.blockHash === b.blockHash
      : equalBytes(a.blockHash, b.blockHash)
  return sameHash && a.validRound === b.validRound
}

function describe(s: Omit<SignedStep, 'signature'>): string {
  return `h=${s.height} r=${s.round} kind=${s.kind}`
}

/** Rebuilds the signed message of a recorded step (e.g. from the WAL after a restart). */
export function messageFromStep(chainId: string, publicKey: Uint8Array, s: SignedStep): ConsensusMessage {
  if (s.kind === SignedKind.PROPOSAL) {
    const fields = {
      chainId,
      height: s.height,
      round: s.round,
      validRound: s.validRound,
      blockHash: s.blockHash!,
    }
    return { kind: 'proposal', proposal: new Proposal(fields, publicKey, s.signature) }
  }
  const type = s.kind === SignedKind.PREVOTE ? VoteType.PREVOTE : VoteType.PRECOMMIT
  const fields = { chainId, type, height: s.height, round: s.round, blockHash: s.blockHash }
  return { kind: 'vote', vote: new Vote(fields, publicKey, s.signature) }
}

export function signedStepEncodable(s: SignedStep): Encodable {
  return [
    SIGNED_STEP_DOMAIN,
    SIGNED_STEP_VERSION,
    s.height,
    s.round,
    s.kind,
    s.blockHash,
    s.validRound,
    s.signature,
  ]
}

export function readSignedStep(value: unknown): SignedStep {
  const [height, round, kind, blockHash, validRound, signature] = readEnvelope(
    value,
    SIGNED_STEP_DOMAIN,
    SIGNED_STEP_VERSION,
    6,
  )
  const k = readUint(kind, 'signedStep.kind')
  if (k !== SignedKind.PROPOSAL && k !== SignedKind.PREVOTE && k !== SignedKind.PRECOMMIT) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'signedStep.kind: expected 0, 1 or 2')
  }
  const hash = readOptional(blockHash, (v) => readBytes(v, 'signedStep.blockHash', HASH_LENGTH))
  if (k === SignedKind.PROPOSAL && hash === null) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'signedStep.blockHash: a proposal needs a block')
  }
  return {
    height: readUint(height, 'signedStep.height'),
    round: readUint(round, 'signedStep.round'),
    kind: k,
    blockHash: hash,
    validRound: readInt(validRound, 'signedStep.validRound', -1),
    signature: readBytes(signature, 'signedStep.signature', SIGNATURE_LENGTH),
  }
}
