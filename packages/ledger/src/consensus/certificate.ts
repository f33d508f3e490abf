/**
 * Commit certificates: the precommits of a quorum of V_h for one block. All signers sign the
 * same precommit bytes (chainId, PRECOMMIT, h, r, blockHash), so a certificate stores them
 * once with `[validatorIndex, signature]` pairs, indices strictly ascending into V_h.
 * `verifyCommitCertificate` is consensus.md rule 17, used by block validation, sync and light
 * clients.
 */
import { toHex } from '../bytes.js'
import { sha256, verify, SIGNATURE_LENGTH } from '../crypto/index.js'
import {
  decode,
  encode,
  readArray,
  readBytes,
  readEnvelope,
  readIdent,
  readTuple,
  readUint,
  type Encodable,
} from '../encoding.js'
import { DecodeError, DecodeErrorCode, GovchainError } from '../errors.js'
import { HASH_LENGTH, MAX_IDENT_LENGTH } from '../params.js'
import { MAX_VALIDATORS, type ValidatorSet } from '../validators.js'
import { Vote, VoteType, voteSigningBytes } from './vote.js'

export const CERT_DOMAIN = 'govchain/cert'
export const CERT_VERSION = 1

export const CertificateErrorCode = {
  WRONG_CHAIN: 'CERT_WRONG_CHAIN',
  WRONG_HEIGHT: 'CERT_WRONG_HEIGHT',
  WRONG_BLOCK: 'CERT_WRONG_BLOCK',
  UNKNOWN_SIGNER: 'CERT_UNKNOWN_SIGNER',
  DUPLICATE_SIGNER: 'CERT_DUPLICATE_SIGNER',
  BAD_SIGNATURE: 'CERT_BAD_SIGNATURE',
  INSUFFICIENT_POWER: 'CERT_INSUFFICIENT_POWER',
} as const
export type CertificateErrorCode = (typeof CertificateErrorCode)[keyof typeof CertificateErrorCode]
export class CertificateError extends GovchainError<CertificateErrorCode> {}

export type CommitSignature = { readonly validatorIndex: number; readonly signature: Uint8Array }

export class CommitCertificate {
  readonly chainId: string
  readonly height: number
  readonly round: number
  readonly blockHash: Uint8Array
  readonly signatures: readonly CommitSignature[]
  #bytes: Uint8Array | undefined

  constructor(
    fields: {
      chainId: string
      height: number
      round: number
      blockHash: Uint8Array
      signatures: readonly CommitSignature[]
    },
    bytes?: Uint8Array,
  ) {
    this.chainId = fields.chainId
    this.height = fields.height
    this.round = fields.round
    this.blockHash = fields.blockHash
    this.signatures = Object.freeze([...fields.signatures])
    this.#bytes = bytes
    Object.freeze(this)
  }

  encodable(): Encodable {
    return [
      CERT_DOMAIN,
      CERT_VERSION,
      this.chainId,
      this.height,
      this.round,
      this.blockHash,
      this.signatures.map((s) => [s.validatorIndex, s.signature]),
    ]
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode(this.encodable()))
  }

  hash(): Uint8Array {
    return sha256(this.serialize())
  }

  /** The precommit bytes every signer signed. */
  signingBytes(): Uint8Array {
    return voteSigningBytes({
      chainId: this.chainId,
      type: VoteType.PRECOMMIT,
      height: this.height,
      round: this.round,
      blockHash: this.blockHash,
    })
  }

  /** The precommits this certificate stands for (to re-gossip or to inspect). */
  votes(validators: ValidatorSet): Vote[] {
    const fields = {
      chainId: this.chainId,
      type: VoteType.PRECOMMIT,
      height: this.height,
      round: this.round,
      blockHash: this.blockHash,
    }
    return this.signatures.map(
      (s) => new Vote(fields, validators.at(s.validatorIndex)!.publicKey, s.signature),
    )
  }

  toJSON() {
    return {
      chainId: this.chainId,
      height: this.height,
      round: this.round,
      blockHash: toHex(this.blockHash),
      signatures: this.signatures.map((s) => ({
        validatorIndex: s.validatorIndex,
        signature: toHex(s.signature),
      })),
    }
  }
}

/** Builds a certificate from precommits for one block (the consensus engine's decide step). */
export function createCommitCertificate(
  validators: ValidatorSet,
  precommits: readonly Vote[],
): CommitCertificate {
  const first = precommits[0]
  if (first === undefined || first.blockHash === null) {
    throw new CertificateError(CertificateErrorCode.WRONG_BLOCK, 'a certificate needs precommits for a block')
  }
  const seen = new Set<number>()
  const signatures: CommitSignature[] = []
  const blockHex = toHex(first.blockHash)
  for (const v of precommits) {
    const sameStep = v.chainId === first.chainId && v.height === first.height && v.round === first.round
    if (
      v.type !== VoteType.PRECOMMIT ||
      !sameStep ||
      v.blockHash === null ||
      toHex(v.blockHash) !== blockHex
    ) {
      throw new CertificateError(
        CertificateErrorCode.WRONG_BLOCK,
        'a certificate needs precommits for one (chain, height, round, block)',
      )
    }
    const index = validators.indexOf(v.validator)
    if (index < 0)
      throw new CertificateError(CertificateErrorCode.UNKNOWN_SIGNER, 'precommit from a non-validator')
    if (seen.has(index)) continue
    seen.add(index)
    signatures.push({ validatorIndex: index, signature: v.signature })
  }
  signatures.sort((a, b) => a.validatorIndex - b.validatorIndex)
  return new CommitCertificate({
    chainId: first.chainId,
    height: first.height,
    round: first.round,
    blockHash: first.blockHash,
    signatures,
  })
}

export type CertificateExpectation = {
  readonly chainId: string
  readonly height: number
  /** When given, the certificate must be for exactly this block. */
  readonly blockHash?: Uint8Array
}

/** A signature check with the shape of `verify`; see `verifyCommitCertificate`. */
export type SignatureCheck = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

/**
 * Consensus.md rule 17: same (chainId, h, r, blockId) for all precommits (by construction of
 * the signed bytes), signers distinct members of V_h, every signature valid, power ≥ Q.
 * Throws the first failure as a `CertificateError`. `checkSignature` is the pinned Ed25519
 * rule everywhere in govchain; only the consensus simulator passes its own (it signs with a
 * cheap test scheme to run thousands of seeds) and so exercises the same structural checks.
 */
export function verifyCommitCertificate(
  cert: CommitCertificate,
  validators: ValidatorSet,
  expect: CertificateExpectation,
  checkSignature: SignatureCheck = verify,
): void {
  if (cert.chainId !== expect.chainId) {
    throw new CertificateError(CertificateErrorCode.WRONG_CHAIN, `certificate is for chain ${cert.chainId}`)
  }
  if (cert.height !== expect.height) {
    throw new CertificateError(
      CertificateErrorCode.WRONG_HEIGHT,
      `certificate is for height ${cert.height}, expected ${expect.height}`,
    )
  }
  if (expect.blockHash !== undefined && toHex(cert.blockHash) !== toHex(expect.blockHash)) {
    throw new CertificateError(CertificateErrorCode.WRONG_BLOCK, 'certificate is for another block')
  }
  const message = cert.signingBytes()
  let power = 0
  let previous = -1
  for (const { validatorIndex, signature } of cert.signatures) {
    if (validatorIndex <= previous) {
      throw new CertificateError(
        CertificateErrorCode.DUPLICATE_SIGNER,
        `signer index ${validatorIndex} repeated or out of order`,
      )
    }
    previous = validatorIndex
    const validator = validators.at(validatorIndex)
    if (validator === undefined)
      throw new CertificateError(
        CertificateErrorCode.UNKNOWN_SIGNER,
        `no validator at index ${validatorIndex}`,
      )
    if (!checkSignature(validator.publicKey, message, signature)) {
      throw new CertificateError(
        CertificateErrorCode.BAD_SIGNATURE,
        `bad precommit signature from validator ${validatorIndex}`,
      )
    }
    power += validator.power
  }
  if (power < validators.quorum) {
    throw new CertificateError(
      CertificateErrorCode.INSUFFICIENT_POWER,
      `certificate power ${power} is below the quorum ${validators.quorum}`,
    )
  }
}

export function readCommitCertificate(value: unknown, bytes?: Uint8Array): CommitCertificate {
  const [chainId, height, round, blockHash, sigs] = readEnvelope(value, CERT_DOMAIN, CERT_VERSION, 5)
  const signatures = readArray(sigs, 'cert.signatures', MAX_VALIDATORS).map((item, i) => {
    const [index, signature] = readTuple(item, `cert.signatures[${i}]`, 2)
    return {
      validatorIndex: readUint(index, `cert.signatures[${i}].validatorIndex`),
      signature: readBytes(signature, `cert.signatures[${i}].signature`, SIGNATURE_LENGTH),
    }
  })
  for (let i = 1; i < signatures.length; i++) {
    if (signatures[i]!.validatorIndex <= signatures[i - 1]!.validatorIndex) {
      throw new DecodeError(
        DecodeErrorCode.NON_CANONICAL,
        'cert.signatures must be sorted by validator index, without repeats',
      )
    }
  }
  return new CommitCertificate(
    {
      chainId: readIdent(chainId, 'cert.chainId', MAX_IDENT_LENGTH),
      height: readUint(height, 'cert.height'),
      round: readUint(round, 'cert.round'),
      blockHash: readBytes(blockHash, 'cert.blockHash', HASH_LENGTH),
      signatures,
    },
    bytes,
  )
}

export function createCommitCertificateFromBytes(bytes: Uint8Array): CommitCertificate {
  return readCommitCertificate(decode(bytes, 128 * 1024, 'certificate'), bytes)
}
