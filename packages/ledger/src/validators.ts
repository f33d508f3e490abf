/**
 * A validator set for one height: validators sorted canonically by public key, with voting
 * power. Thresholds are by power (consensus.md rule 2): quorum Q = ⌊2P/3⌋+1, round skip
 * S = ⌊P/3⌋+1. Proposer(h, r) = sorted[(h + r) mod n] (rule 4).
 */
import { compareBytes, toHex } from './bytes.js'
import { assertAcceptablePublicKey, sha256, PUBLIC_KEY_LENGTH } from './crypto/index.js'
import {
  decode,
  encode,
  readArray,
  readBytes,
  readEnvelope,
  readTuple,
  readUint,
  type Encodable,
} from './encoding.js'
import { DecodeError, DecodeErrorCode, GovchainError } from './errors.js'

export const VALSET_DOMAIN = 'govchain/valset'
export const VALSET_VERSION = 1
export const MAX_VALIDATORS = 256
/** Total power stays far below 2^53 so that 2P never overflows a safe integer. */
export const MAX_TOTAL_POWER = 2 ** 50

export const ValidatorSetErrorCode = {
  EMPTY: 'VALSET_EMPTY',
  TOO_MANY: 'VALSET_TOO_MANY',
  DUPLICATE: 'VALSET_DUPLICATE_VALIDATOR',
  BAD_POWER: 'VALSET_BAD_POWER',
} as const
export type ValidatorSetErrorCode = (typeof ValidatorSetErrorCode)[keyof typeof ValidatorSetErrorCode]
export class ValidatorSetError extends GovchainError<ValidatorSetErrorCode> {}

export type Validator = { readonly publicKey: Uint8Array; readonly power: number }

export class ValidatorSet {
  readonly validators: readonly Validator[]
  readonly totalPower: number
  readonly quorum: number
  readonly skipThreshold: number
  readonly #indexByKey: Map<string, number>
  #hash: Uint8Array | undefined

  /** Sorts, checks and freezes; throws `ValidatorSetError` or `CryptoError` on a bad set. */
  constructor(validators: readonly Validator[]) {
    if (validators.length === 0)
      throw new ValidatorSetError(ValidatorSetErrorCode.EMPTY, 'validator set is empty')
    if (validators.length > MAX_VALIDATORS) {
      throw new ValidatorSetError(ValidatorSetErrorCode.TOO_MANY, `more than ${MAX_VALIDATORS} validators`)
    }
    const sorted = [...validators].sort((a, b) => compareBytes(a.publicKey, b.publicKey))
    this.#indexByKey = new Map()
    let total = 0
    sorted.forEach((v, i) => {
      assertAcceptablePublicKey(v.publicKey, 'validator key')
      if (!Number.isSafeInteger(v.power) || v.power <= 0) {
        throw new ValidatorSetError(
          ValidatorSetErrorCode.BAD_POWER,
          'validator power must be a positive integer',
        )
      }
      const id = toHex(v.publicKey)
      if (this.#indexByKey.has(id))
        throw new ValidatorSetError(ValidatorSetErrorCode.DUPLICATE, `validator ${id} listed twice`)
      this.#indexByKey.set(id, i)
      total += v.power
    })
    if (total > MAX_TOTAL_POWER)
      throw new ValidatorSetError(ValidatorSetErrorCode.BAD_POWER, 'total power too large')
    this.validators = Object.freeze(
      sorted.map((v) => Object.freeze({ publicKey: v.publicKey, power: v.power })),
    )
    this.totalPower = total
    this.quorum = Math.floor((2 * total) / 3) + 1
    this.skipThreshold = Math.floor(total / 3) + 1
    Object.freeze(this)
  }

  get size(): number {
    return this.validators.length
  }

  indexOf(publicKey: Uint8Array): number {
    return this.#indexByKey.get(toHex(publicKey)) ?? -1
  }

  has(publicKey: Uint8Array): boolean {
    return this.indexOf(publicKey) >= 0
  }

  at(index: number): Validator | undefined {
    return this.validators[index]
  }

  /** Consensus.md rule 4: index (h + r) mod n into the canonically sorted validators. */
  proposerIndex(height: number, round: number): number {
    return (height + round) % this.validators.length
  }

  /** Consensus.md rule 4. */
  proposer(height: number, round: number): Validator {
    return this.validators[this.proposerIndex(height, round)]!
  }

  encodable(): Encodable {
    return [VALSET_DOMAIN, VALSET_VERSION, this.validators.map((v) => [v.publicKey, v.power])]
  }

  serialize(): Uint8Array {
    return encode(this.encodable())
  }

  hash(): Uint8Array {
    return (this.#hash ??= sha256(this.serialize()))
  }

  toJSON(): { hash: string; totalPower: number; validators: { publicKey: string; power: number }[] } {
    return {
      hash: toHex(this.hash()),
      totalPower: this.totalPower,
      validators: this.validators.map((v) => ({ publicKey: toHex(v.publicKey), power: v.power })),
    }
  }
}

export function readValidatorSet(value: unknown): ValidatorSet {
  const [list] = readEnvelope(value, VALSET_DOMAIN, VALSET_VERSION, 1)
  const validators = readArray(list, 'validators', MAX_VALIDATORS).map((item, i) => {
    const [pk, power] = readTuple(item, `validators[${i}]`, 2)
    return {
      publicKey: readBytes(pk, `validators[${i}].publicKey`, PUBLIC_KEY_LENGTH),
      power: readUint(power, `validators[${i}].power`),
    }
  })
  for (let i = 1; i < validators.length; i++) {
    if (compareBytes(validators[i - 1]!.publicKey, validators[i]!.publicKey) >= 0) {
      throw new DecodeError(
        DecodeErrorCode.NON_CANONICAL,
        'validators must be sorted by public key, without repeats',
      )
    }
  }
  return new ValidatorSet(validators)
}

export function createValidatorSetFromBytes(bytes: Uint8Array): ValidatorSet {
  return readValidatorSet(decode(bytes, 64 * 1024, 'validator set'))
}
