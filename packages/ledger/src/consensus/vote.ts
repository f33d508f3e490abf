/**
 * Signed consensus messages. Signed bytes always carry a domain tag, the chain id, the message
 * type, height and round (consensus.md, last line of the rules), so a message can't be replayed
 * on another chain, height, round or step.
 */
import { toHex } from '../bytes.js'
import { sha256, sign, verify, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from '../crypto/index.js'
import {
  decode,
  encode,
  type Encodable,
  readBytes,
  readEnvelope,
  readIdent,
  readInt,
  readOptional,
  readUint,
} from '../encoding.js'
import { DecodeError, DecodeErrorCode } from '../errors.js'
import { HASH_LENGTH, MAX_IDENT_LENGTH } from '../params.js'

export const VOTE_DOMAIN = 'govchain/vote'
export const PROPOSAL_DOMAIN = 'govchain/proposal'
export const MESSAGE_VERSION = 1
/** Upper bound for any single consensus message without its block. */
export const MAX_VOTE_BYTES = 512

export const VoteType = { PREVOTE: 1, PRECOMMIT: 2 } as const
export type VoteType = (typeof VoteType)[keyof typeof VoteType]

export type VoteFields = {
  readonly chainId: string
  readonly type: VoteType
  readonly height: number
  readonly round: number
  /** null is a vote for nil. */
  readonly blockHash: Uint8Array | null
}

export type VoteJson = {
  chainId: string
  type: 'prevote' | 'precommit'
  height: number
  round: number
  blockHash: string | null
  validator: string
  signature: string
}

export class Vote implements VoteFields {
  readonly chainId: string
  readonly type: VoteType
  readonly height: number
  readonly round: number
  readonly blockHash: Uint8Array | null
  readonly validator: Uint8Array
  readonly signature: Uint8Array
  #bytes: Uint8Array | undefined
  #signingBytes: Uint8Array | undefined

  constructor(fields: VoteFields, validator: Uint8Array, signature: Uint8Array, bytes?: Uint8Array) {
    this.chainId = fields.chainId
    this.type = fields.type
    this.height = fields.height
    this.round = fields.round
    this.blockHash = fields.blockHash
    this.validator = validator
    this.signature = signature
    this.#bytes = bytes
    Object.freeze(this)
  }

  signingBytes(): Uint8Array {
    return (this.#signingBytes ??= voteSigningBytes(this))
  }

  encodable(): Encodable {
    return [
      VOTE_DOMAIN,
      MESSAGE_VERSION,
      this.chainId,
      this.type,
      this.height,
      this.round,
      this.blockHash,
      this.validator,
      this.signature,
    ]
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode(this.encodable()))
  }

  hash(): Uint8Array {
    return sha256(this.serialize())
  }

  verifySignature(): boolean {
    return verify(this.validator, this.signingBytes(), this.signature)
  }

  toJSON(): VoteJson {
    return {
      chainId: this.chainId,
      type: this.type === VoteType.PREVOTE ? 'prevote' : 'precommit',
      height: this.height,
      round: this.round,
      blockHash: this.blockHash === null ? null : toHex(this.blockHash),
      validator: toHex(this.validator),
      signature: toHex(this.signature),
    }
  }
}

export function voteSigningBytes(f: VoteFields): Uint8Array {
  return encode([VOTE_DOMAIN, MESSAGE_VERSION, f.chainId, f.type, f.height, f.round, f.blockHash])
}

export function signVote(fields: VoteFields, secretKey: Uint8Array, publicKey: Uint8Array): Vote {
  return new Vote(fields, publicKey, sign(secretKey, voteSigningBytes(fields)))
}

function readVoteType(v: unknown): VoteType {
  if (v !== VoteType.PREVOTE && v !== VoteType.PRECOMMIT)
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'vote.type: expected 1 or 2')
  return v
}

/** Reads a vote from its decoded array form (e.g. inside evidence). */
export function readVote(value: unknown, bytes?: Uint8Array): Vote {
  const [chainId, type, height, round, blockHash, validator, signature] = readEnvelope(
    value,
    VOTE_DOMAIN,
    MESSAGE_VERSION,
    7,
  )
  return new Vote(
    {
      chainId: readIdent(chainId, 'vote.chainId', MAX_IDENT_LENGTH),
      type: readVoteType(type),
      height: readUint(height, 'vote.height'),
      round: readUint(round, 'vote.round'),
      blockHash: readOptional(blockHash, (v) => readBytes(v, 'vote.blockHash', HASH_LENGTH)),
    },
    readBytes(validator, 'vote.validator', PUBLIC_KEY_LENGTH),
    readBytes(signature, 'vote.signature', SIGNATURE_LENGTH),
    bytes,
  )
}

export function createVoteFromBytes(bytes: Uint8Array): Vote {
  return readVote(decode(bytes, MAX_VOTE_BYTES, 'vote'), bytes)
}

export type ProposalFields = {
  readonly chainId: string
  readonly height: number
  readonly round: number
  /** −1 for a fresh proposal; otherwise the round in which the value got a prevote quorum. */
  readonly validRound: number
  readonly blockHash: Uint8Array
}

export class Proposal implements ProposalFields {
  readonly chainId: string
  readonly height: number
  readonly round: number
  readonly validRound: number
  readonly blockHash: Uint8Array
  readonly proposer: Uint8Array
  readonly signature: Uint8Array
  #bytes: Uint8Array | undefined
  #signingBytes: Uint8Array | undefined

  constructor(fields: ProposalFields, proposer: Uint8Array, signature: Uint8Array, bytes?: Uint8Array) {
    this.chainId = fields.chainId
    this.height = fields.height
    this.round = fields.round
    this.validRound = fields.validRound
    this.blockHash = fields.blockHash
    this.proposer = proposer
    this.signature = signature
    this.#bytes = bytes
    Object.freeze(this)
  }

  signingBytes(): Uint8Array {
    return (this.#signingBytes ??= proposalSigningBytes(this))
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode([
      PROPOSAL_DOMAIN,
      MESSAGE_VERSION,
      this.chainId,
      this.height,
      this.round,
      this.validRound,
      this.blockHash,
      this.proposer,
      this.signature,
    ]))
  }

  verifySignature(): boolean {
    return verify(this.proposer, this.signingBytes(), this.signature)
  }

  toJSON() {
    return {
      chainId: this.chainId,
      height: this.height,
      round: this.round,
      validRound: this.validRound,
      blockHash: toHex(this.blockHash),
      proposer: toHex(this.proposer),
      signature: toHex(this.signature),
    }
  }
}

export function proposalSigningBytes(f: ProposalFields): Uint8Array {
  return encode([PROPOSAL_DOMAIN, MESSAGE_VERSION, f.chainId, f.height, f.round, f.validRound, f.blockHash])
}

export function signProposal(fields: ProposalFields, secretKey: Uint8Array, publicKey: Uint8Array): Proposal {
  return new Proposal(fields, publicKey, sign(secretKey, proposalSigningBytes(fields)))
}

export function createProposalFromBytes(bytes: Uint8Array): Proposal {
  const [chainId, height, round, validRound, blockHash, proposer, signature] = readEnvelope(
    decode(bytes, MAX_VOTE_BYTES, 'proposal'),
    PROPOSAL_DOMAIN,
    MESSAGE_VERSION,
    7,
  )
  const r = readUint(round, 'proposal.round')
  const vr = readInt(validRound, 'proposal.validRound', -1)
  if (vr >= r) throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'proposal.validRound must be below its round')
  return new Proposal(
    {
      chainId: readIdent(chainId, 'proposal.chainId', MAX_IDENT_LENGTH),
      height: readUint(height, 'proposal.height'),
      round: r,
      validRound: vr,
      blockHash: readBytes(blockHash, 'proposal.blockHash', HASH_LENGTH),
    },
    readBytes(proposer, 'proposal.proposer', PUBLIC_KEY_LENGTH),
    readBytes(signature, 'proposal.signature', SIGNATURE_LENGTH),
    bytes,
  )
}
