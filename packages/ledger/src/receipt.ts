/** Receipts: what each committed transaction produced, hashed into the header's `resultRoot`. */
import { toHex } from './bytes.js'
import { sha256, sha256Into } from './crypto/index.js'
import {
  decode,
  encode,
  readArray,
  readBytes,
  readEnvelope,
  readIdent,
  readMap,
  readText,
  type Encodable,
} from './encoding.js'
import type { Receipt } from './application.js'
import { merkleRoot, merkleRootOfPacked } from './merkle.js'
import { HASH_LENGTH, MAX_IDENT_LENGTH } from './params.js'

export const RECEIPT_DOMAIN = 'govchain/receipt'
export const RECEIPT_VERSION = 1

export function receiptEncodable(txHash: Uint8Array, r: Receipt): Encodable {
  return [
    RECEIPT_DOMAIN,
    RECEIPT_VERSION,
    txHash,
    r.events.map((e) => [e.type, { ...e.attributes }]),
    r.data ?? null,
  ]
}

export function encodeReceipt(txHash: Uint8Array, r: Receipt): Uint8Array {
  return encode(receiptEncodable(txHash, r))
}

export function receiptHash(txHash: Uint8Array, r: Receipt): Uint8Array {
  return sha256(encodeReceipt(txHash, r))
}

export function resultRootOf(txHashes: readonly Uint8Array[], receipts: readonly Receipt[]): Uint8Array {
  return merkleRoot(receipts.map((r, i) => receiptHash(txHashes[i]!, r)))
}

/** `resultRootOf` from the receipts already encoded (`encodeReceipt`), in order. */
export function resultRootOfEncoded(encodedReceipts: readonly Uint8Array[]): Uint8Array {
  // The receipt hashes in one buffer, not one 32-byte array each (as for a block's tx root).
  const hashes = new Uint8Array(encodedReceipts.length * HASH_LENGTH)
  for (let i = 0; i < encodedReceipts.length; i++) sha256Into(encodedReceipts[i]!, hashes, i * HASH_LENGTH)
  return merkleRootOfPacked(hashes)
}

export function decodeReceipt(bytes: Uint8Array): { txHash: Uint8Array; receipt: Receipt } {
  const [txHash, events, data] = readEnvelope(
    decode(bytes, 1024 * 1024, 'receipt'),
    RECEIPT_DOMAIN,
    RECEIPT_VERSION,
    3,
  )
  return {
    txHash: readBytes(txHash, 'receipt.txHash', HASH_LENGTH),
    receipt: {
      events: readArray(events, 'receipt.events', 10_000).map((e) => {
        const [type, attrs] = e as [unknown, unknown]
        const attributes: Record<string, string> = {}
        for (const [k, v] of Object.entries(readMap(attrs, 'receipt.event.attributes')))
          attributes[k] = readText(v, 'attribute', 1 << 16)
        return { type: readIdent(type, 'receipt.event.type', MAX_IDENT_LENGTH), attributes }
      }),
      ...(data === null ? {} : { data: data as Encodable }),
    },
  }
}

export function receiptToJSON(r: Receipt): { events: Receipt['events']; data?: unknown } {
  return r.data === undefined ? { events: r.events } : { events: r.events, data: jsonSafe(r.data) }
}

/** Encodable → JSON (bytes as hex). */
export function jsonSafe(v: Encodable): unknown {
  if (v instanceof Uint8Array) return toHex(v)
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, Encodable>).map(([k, x]) => [k, jsonSafe(x)]),
    )
  }
  return v
}
