/**
 * The transaction envelope. Signed bytes are the canonical encoding of
 * `["govchain/tx", 1, chainId, sender, nonce, type, payload, expiryHeight]`; the wire form
 * appends the signature. The tx hash is SHA-256 of the whole signed transaction (wire bytes,
 * signature included), so a block's tx root commits to every signature it carries. Under the
 * pinned Ed25519 rule signatures are not malleable by third parties; a sender who signs the
 * same fields twice gets two hashes with one nonce, and the nonce rule admits only one.
 */
import { toBase64, toHex } from './bytes.js'
import { sha256, sha256Into, sign, verify, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH } from './crypto/index.js'
import {
  decode,
  encode,
  readBytes,
  readEnvelope,
  readIdent,
  readOptional,
  readUint,
  readVarBytes,
} from './encoding.js'
import { GovchainError } from './errors.js'
import { DEFAULT_CHAIN_PARAMS, HASH_LENGTH, MAX_IDENT_LENGTH } from './params.js'

export const TX_DOMAIN = 'govchain/tx'
export const TX_VERSION = 1

export const TxErrorCode = {
  WRONG_CHAIN: 'TX_WRONG_CHAIN',
  BAD_SIGNATURE: 'TX_BAD_SIGNATURE',
  BAD_NONCE: 'TX_BAD_NONCE',
  EXPIRED: 'TX_EXPIRED',
  TOO_LARGE: 'TX_TOO_LARGE',
  DUPLICATE: 'TX_DUPLICATE',
  BAD_FIELD: 'TX_BAD_FIELD',
} as const
export type TxErrorCode = (typeof TxErrorCode)[keyof typeof TxErrorCode]
export class TxError extends GovchainError<TxErrorCode> {}

export type TxFields = {
  readonly chainId: string
  readonly sender: Uint8Array
  readonly nonce: number
  readonly type: string
  readonly payload: Uint8Array
  /** Last height at which the transaction may be included; null for no expiry. */
  readonly expiryHeight: number | null
}

export type TxJson = {
  hash: string
  chainId: string
  sender: string
  nonce: number
  type: string
  payload: string
  expiryHeight: number | null
  signature: string
}

export class Transaction implements TxFields {
  readonly chainId: string
  readonly nonce: number
  readonly type: string
  readonly expiryHeight: number | null
  // The byte fields as given, or, when they lie in the wire bytes the transaction keeps (it was
  // decoded), their offsets there: a view is cut when one is read. A validated block holds its
  // transactions until the commit; three kept views each were ~14 MB at 50,000 transactions.
  readonly #sender: Uint8Array | number
  readonly #payload: Uint8Array | number
  readonly #payloadEnd: number
  readonly #signature: Uint8Array | number
  #signingBytes: Uint8Array | undefined
  #bytes: Uint8Array | undefined
  #hash: Uint8Array | undefined
  /** Where `hashAll` put the hash (a block's hashes share one buffer): no view kept per tx. */
  #hashIn: Uint8Array | undefined
  #hashAt = 0
  #hashHex: string | undefined

  /** Use `createSignedTx` or `createTxFromBytes`; the constructor trusts its arguments. */
  constructor(fields: TxFields, signature: Uint8Array, bytes?: Uint8Array) {
    this.chainId = fields.chainId
    this.nonce = fields.nonce
    this.type = fields.type
    this.expiryHeight = fields.expiryHeight
    this.#sender = offsetIn(bytes, fields.sender) ?? fields.sender
    this.#payload = offsetIn(bytes, fields.payload) ?? fields.payload
    this.#payloadEnd = typeof this.#payload === 'number' ? this.#payload + fields.payload.length : 0
    this.#signature = offsetIn(bytes, signature) ?? signature
    this.#bytes = bytes
    Object.freeze(this)
  }

  get sender(): Uint8Array {
    const at = this.#sender
    return typeof at === 'number' ? this.#bytes!.subarray(at, at + PUBLIC_KEY_LENGTH) : at
  }

  get payload(): Uint8Array {
    const at = this.#payload
    return typeof at === 'number' ? this.#bytes!.subarray(at, this.#payloadEnd) : at
  }

  get signature(): Uint8Array {
    const at = this.#signature
    return typeof at === 'number' ? this.#bytes!.subarray(at, at + SIGNATURE_LENGTH) : at
  }

  /** The signed bytes. Cut afresh from the wire bytes when there are some (not kept: they are
   * needed once, for the signature batch), else encoded once and kept. */
  signingBytes(): Uint8Array {
    return signingBytesFromWire(this.#bytes) ?? (this.#signingBytes ??= txSigningBytes(this))
  }

  /**
   * The signed bytes of many transactions (a block's signature batch), cut from their wire bytes
   * into one buffer: views into it, one allocation instead of one per transaction.
   */
  static signingBytesOfAll(txs: readonly Transaction[]): Uint8Array[] {
    const lengths = txs.map((tx) => wireSigningLength(tx.#bytes))
    let total = 0
    for (const n of lengths) total += n ?? 0
    const slab = new Uint8Array(total)
    let at = 0
    return txs.map((tx, i) => {
      const n = lengths[i]
      if (n === undefined) return tx.signingBytes()
      cutSigningBytes(tx.#bytes!, n, slab, at)
      at += n
      return slab.subarray(at - n, at)
    })
  }

  /**
   * The hashes of many transactions (a block's) back to back in one buffer. A transaction whose
   * hash is not yet known keeps where it is in it: one allocation instead of one array per hash.
   */
  static hashAll(txs: readonly Transaction[]): Uint8Array {
    const out = new Uint8Array(txs.length * HASH_LENGTH)
    txs.forEach((tx, i) => {
      const at = i * HASH_LENGTH
      if (tx.#hash !== undefined || tx.#hashIn !== undefined) out.set(tx.hash(), at)
      else {
        sha256Into(tx.serialize(), out, at)
        tx.#hashIn = out
        tx.#hashAt = at
      }
    })
    return out
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode([TX_DOMAIN, TX_VERSION, ...txFieldArray(this), this.signature]))
  }

  hash(): Uint8Array {
    if (this.#hashIn !== undefined) return this.#hashIn.subarray(this.#hashAt, this.#hashAt + HASH_LENGTH)
    return (this.#hash ??= sha256(this.serialize()))
  }

  hashHex(): string {
    return (this.#hashHex ??= toHex(this.hash()))
  }

  /** Checks the signature under govchain's pinned Ed25519 rule. */
  verifySignature(): boolean {
    return verify(this.sender, this.signingBytes(), this.signature)
  }

  toJSON(): TxJson {
    return {
      hash: this.hashHex(),
      chainId: this.chainId,
      sender: toHex(this.sender),
      nonce: this.nonce,
      type: this.type,
      payload: toBase64(this.payload),
      expiryHeight: this.expiryHeight,
      signature: toHex(this.signature),
    }
  }
}

/** The signed fields of a transaction as a plain object (to change one and sign again). */
export function txFields(f: TxFields): TxFields {
  const { chainId, sender, nonce, type, payload, expiryHeight } = f
  return { chainId, sender, nonce, type, payload, expiryHeight }
}

/** The offset of `view` in `bytes` when it is a view into them, else undefined. */
function offsetIn(bytes: Uint8Array | undefined, view: Uint8Array): number | undefined {
  if (bytes === undefined || view.buffer !== bytes.buffer) return undefined
  const at = view.byteOffset - bytes.byteOffset
  return at >= 0 && at + view.length <= bytes.length ? at : undefined
}

function txFieldArray(f: TxFields) {
  return [f.chainId, f.sender, f.nonce, f.type, f.payload, f.expiryHeight] as const
}

/**
 * The signed bytes cut from canonical wire bytes: the wire form is the 9-item array (head 0x89)
 * ending with the 64-byte signature (0x58 0x40 ‖ 64 bytes); the signed form is the same array
 * of 8 items (head 0x88) without it. Saves re-encoding every transaction of a block. Undefined
 * when the bytes do not have that shape (then the fields are encoded).
 */
function signingBytesFromWire(bytes: Uint8Array | undefined): Uint8Array | undefined {
  const n = wireSigningLength(bytes)
  if (n === undefined) return undefined
  const out = new Uint8Array(n)
  cutSigningBytes(bytes!, n, out, 0)
  return out
}

/** Writes the `n` signed bytes cut from `wire` at `out[at…]`: the 8-item head, then the fields. */
function cutSigningBytes(wire: Uint8Array, n: number, out: Uint8Array, at: number): void {
  out[at] = 0x88
  out.set(wire.subarray(1, n), at + 1)
}

/** Length of the signed bytes cut from wire bytes of that shape (else undefined). */
function wireSigningLength(bytes: Uint8Array | undefined): number | undefined {
  if (bytes === undefined || bytes.length < 67 || bytes[0] !== 0x89) return undefined
  const sig = bytes.length - 66
  if (bytes[sig] !== 0x58 || bytes[sig + 1] !== SIGNATURE_LENGTH) return undefined
  return sig
}

export function txSigningBytes(fields: TxFields): Uint8Array {
  return encode([TX_DOMAIN, TX_VERSION, ...txFieldArray(fields)])
}

function checkFields(f: TxFields, maxTxBytes: number): void {
  readIdent(f.chainId, 'tx.chainId', MAX_IDENT_LENGTH)
  readBytes(f.sender, 'tx.sender', PUBLIC_KEY_LENGTH)
  readUint(f.nonce, 'tx.nonce')
  readIdent(f.type, 'tx.type', MAX_IDENT_LENGTH)
  readVarBytes(f.payload, 'tx.payload', maxTxBytes)
  readOptional(f.expiryHeight, (v) => readUint(v, 'tx.expiryHeight'))
}

/** Builds and signs a transaction (clients, SDK, tests). */
export function createSignedTx(
  fields: TxFields,
  secretKey: Uint8Array,
  maxTxBytes = DEFAULT_CHAIN_PARAMS.maxTxBytes,
): Transaction {
  try {
    checkFields(fields, maxTxBytes)
  } catch (e) {
    throw new TxError(TxErrorCode.BAD_FIELD, (e as Error).message)
  }
  const tx = new Transaction(fields, sign(secretKey, txSigningBytes(fields)))
  if (tx.serialize().length > maxTxBytes) {
    throw new TxError(
      TxErrorCode.TOO_LARGE,
      `transaction is ${tx.serialize().length} bytes; the limit is ${maxTxBytes}`,
    )
  }
  return tx
}

/** Strictly decodes a transaction. Does not verify the signature (see `verifySignature`). */
export function createTxFromBytes(
  bytes: Uint8Array,
  maxTxBytes = DEFAULT_CHAIN_PARAMS.maxTxBytes,
): Transaction {
  const [chainId, sender, nonce, type, payload, expiryHeight, signature] = readEnvelope(
    // The fields are views into the transaction's bytes, which it keeps (as #bytes) anyway.
    decode(bytes, maxTxBytes, 'transaction', { byteViews: true }),
    TX_DOMAIN,
    TX_VERSION,
    7,
  )
  return new Transaction(
    {
      chainId: readIdent(chainId, 'tx.chainId', MAX_IDENT_LENGTH),
      sender: readBytes(sender, 'tx.sender', PUBLIC_KEY_LENGTH),
      nonce: readUint(nonce, 'tx.nonce'),
      type: readIdent(type, 'tx.type', MAX_IDENT_LENGTH),
      payload: readVarBytes(payload, 'tx.payload', maxTxBytes),
      expiryHeight: readOptional(expiryHeight, (v) => readUint(v, 'tx.expiryHeight')),
    },
    readBytes(signature, 'tx.signature', SIGNATURE_LENGTH),
    bytes,
  )
}
