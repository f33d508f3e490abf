/**
 * The block header. The block hash is SHA-256 of the header's canonical encoding; the header
 * commits to the transactions (`txRoot`), the state after executing them (`stateRoot`), their
 * receipts (`resultRoot`), included evidence (`evidenceRoot`), the validator sets of this and
 * the next height, and the previous block's commit certificate.
 */
import { toHex } from './bytes.js'
import { sha256, PUBLIC_KEY_LENGTH } from './crypto/index.js'
import {
  decode,
  encode,
  readBytes,
  readEnvelope,
  readIdent,
  readOptional,
  readUint,
  type Encodable,
} from './encoding.js'
import { readCommitCertificate, type CommitCertificate } from './consensus/certificate.js'
import { HASH_LENGTH, MAX_IDENT_LENGTH } from './params.js'

export const HEADER_DOMAIN = 'govchain/header'
export const HEADER_VERSION = 1
export const MAX_HEADER_BYTES = 64 * 1024

export type HeaderFields = {
  readonly chainId: string
  readonly height: number
  /** The consensus round in which this block was proposed first; fixes the scheduled proposer. */
  readonly round: number
  /** Proposer's clock, milliseconds since the Unix epoch. */
  readonly timeMs: number
  /** Hash of the previous block; for height 1 the genesis hash. */
  readonly prevHash: Uint8Array
  readonly proposer: Uint8Array
  readonly validatorSetHash: Uint8Array
  readonly nextValidatorSetHash: Uint8Array
  readonly txRoot: Uint8Array
  readonly stateRoot: Uint8Array
  readonly resultRoot: Uint8Array
  readonly evidenceRoot: Uint8Array
  /** Certificate of block height − 1; null only at height 1. */
  readonly lastCommit: CommitCertificate | null
}

export class BlockHeader implements HeaderFields {
  readonly chainId: string
  readonly height: number
  readonly round: number
  readonly timeMs: number
  readonly prevHash: Uint8Array
  readonly proposer: Uint8Array
  readonly validatorSetHash: Uint8Array
  readonly nextValidatorSetHash: Uint8Array
  readonly txRoot: Uint8Array
  readonly stateRoot: Uint8Array
  readonly resultRoot: Uint8Array
  readonly evidenceRoot: Uint8Array
  readonly lastCommit: CommitCertificate | null
  #bytes: Uint8Array | undefined
  #hash: Uint8Array | undefined

  constructor(f: HeaderFields, bytes?: Uint8Array) {
    this.chainId = f.chainId
    this.height = f.height
    this.round = f.round
    this.timeMs = f.timeMs
    this.prevHash = f.prevHash
    this.proposer = f.proposer
    this.validatorSetHash = f.validatorSetHash
    this.nextValidatorSetHash = f.nextValidatorSetHash
    this.txRoot = f.txRoot
    this.stateRoot = f.stateRoot
    this.resultRoot = f.resultRoot
    this.evidenceRoot = f.evidenceRoot
    this.lastCommit = f.lastCommit
    this.#bytes = bytes
    Object.freeze(this)
  }

  encodable(): Encodable {
    return [
      HEADER_DOMAIN,
      HEADER_VERSION,
      this.chainId,
      this.height,
      this.round,
      this.timeMs,
      this.prevHash,
      this.proposer,
      this.validatorSetHash,
      this.nextValidatorSetHash,
      this.txRoot,
      this.stateRoot,
      this.resultRoot,
      this.evidenceRoot,
      this.lastCommit === null ? null : this.lastCommit.encodable(),
    ]
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode(this.encodable()))
  }

  hash(): Uint8Array {
    return (this.#hash ??= sha256(this.serialize()))
  }

  hashHex(): string {
    return toHex(this.hash())
  }

  toJSON() {
    return {
      hash: this.hashHex(),
      chainId: this.chainId,
      height: this.height,
      round: this.round,
      time: new Date(this.timeMs).toISOString(),
      timeMs: this.timeMs,
      prevHash: toHex(this.prevHash),
      proposer: toHex(this.proposer),
      validatorSetHash: toHex(this.validatorSetHash),
      nextValidatorSetHash: toHex(this.nextValidatorSetHash),
      txRoot: toHex(this.txRoot),
      stateRoot: toHex(this.stateRoot),
      resultRoot: toHex(this.resultRoot),
      evidenceRoot: toHex(this.evidenceRoot),
      lastCommit: this.lastCommit === null ? null : this.lastCommit.toJSON(),
    }
  }
}

export function readHeader(value: unknown, bytes?: Uint8Array): BlockHeader {
  const f = readEnvelope(value, HEADER_DOMAIN, HEADER_VERSION, 13)
  const hash = (i: number, what: string) => readBytes(f[i], `header.${what}`, HASH_LENGTH)
  return new BlockHeader(
    {
      chainId: readIdent(f[0], 'header.chainId', MAX_IDENT_LENGTH),
      height: readUint(f[1], 'header.height'),
      round: readUint(f[2], 'header.round'),
      timeMs: readUint(f[3], 'header.timeMs'),
      prevHash: hash(4, 'prevHash'),
      proposer: readBytes(f[5], 'header.proposer', PUBLIC_KEY_LENGTH),
      validatorSetHash: hash(6, 'validatorSetHash'),
      nextValidatorSetHash: hash(7, 'nextValidatorSetHash'),
      txRoot: hash(8, 'txRoot'),
      stateRoot: hash(9, 'stateRoot'),
      resultRoot: hash(10, 'resultRoot'),
      evidenceRoot: hash(11, 'evidenceRoot'),
      lastCommit: readOptional(f[12], (v) => readCommitCertificate(v)),
    },
    bytes,
  )
}

export function createHeaderFromBytes(bytes: Uint8Array): BlockHeader {
  return readHeader(decode(bytes, MAX_HEADER_BYTES, 'header'), bytes)
}
