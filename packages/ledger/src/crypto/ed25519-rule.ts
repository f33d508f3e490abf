/**
 * govchain's one Ed25519 acceptance rule, shared by every verifier (node, client, browser):
 * - A (public key) and R (signature commitment) canonically encoded and not of small order;
 * - S < L;
 * - the cofactorless equation [S]B = R + [k]A.
 * Of the 12 "Taming the many EdDSAs" vectors this accepts only case 3. OpenSSL alone also
 * accepts small-order A/R and a non-canonical A; noble alone is cofactored (strict) or ZIP-215;
 * so both are wrapped by the checks here.
 *
 * The checks on R and S are byte comparisons (no point decompression) because they run per
 * signature on the node's hot path; the check on A decodes the point and is cached by callers.
 */
import { ed25519, ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, equalBytes, fromHex } from '../bytes.js'

export const PUBLIC_KEY_LENGTH = 32
export const SIGNATURE_LENGTH = 64
export const SECRET_KEY_LENGTH = 32

const Point = ed25519.Point
const L = Point.Fn.ORDER

/** Encodings of the 8 points of small order (the torsion subgroup), plus the two "negative zero" forms. */
const SMALL_ORDER_ENCODINGS: Uint8Array[] = (() => {
  const list = ED25519_TORSION_SUBGROUP.map((h) => fromHex(h))
  for (const y of [1n, Point.Fp.ORDER - 1n]) {
    const enc = littleEndian(y, 32)
    enc[31]! |= 0x80
    list.push(enc)
  }
  return list
})()

function littleEndian(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

function readLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!)
  return n
}

/** y (sign bit cleared) ≥ p = 2^255 − 19: bytes ed ff … ff 7f (little-endian) or above. */
function isNonCanonicalY(enc: Uint8Array): boolean {
  if ((enc[31]! & 0x7f) !== 0x7f) return false
  for (let i = 30; i >= 1; i--) if (enc[i] !== 0xff) return false
  return enc[0]! >= 0xed
}

function isSmallOrderEncoding(enc: Uint8Array): boolean {
  for (const s of SMALL_ORDER_ENCODINGS) if (equalBytes(s, enc)) return true
  return false
}

/** S < L, read little-endian from the last 32 bytes of the signature. */
function isScalarCanonical(sig: Uint8Array): boolean {
  // Fast path: the top 4 bits of S clear means S < 2^252 < L.
  if ((sig[63]! & 0xf0) === 0) return true
  if ((sig[63]! & 0xe0) !== 0) return false
  return readLittleEndian(sig.subarray(32, 64)) < L
}

/** Whether a public key is acceptable under the rule (canonical, on the curve, not small order). */
export function isAcceptablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false
  if (isNonCanonicalY(publicKey) || isSmallOrderEncoding(publicKey)) return false
  try {
    const point = Point.fromBytes(publicKey, false)
    return !point.isSmallOrder()
  } catch {
    return false
  }
}

/**
 * The per-signature part of the rule that needs no point arithmetic: lengths, R canonical and
 * not small order, S < L. The public key is assumed already checked by `isAcceptablePublicKey`.
 */
export function passesSignaturePrechecks(signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false
  const r = signature.subarray(0, 32)
  return !isNonCanonicalY(r) && !isSmallOrderEncoding(r) && isScalarCanonical(signature)
}

/**
 * The whole rule in pure JS (noble point arithmetic): for clients and browsers, and the
 * reference the node path is tested against.
 */
export function verifyWithNoble(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (!isAcceptablePublicKey(publicKey) || !passesSignaturePrechecks(signature)) return false
  try {
    const A = Point.fromBytes(publicKey, false)
    const R = Point.fromBytes(signature.subarray(0, 32), false)
    const S = readLittleEndian(signature.subarray(32, 64))
    const digest = sha512(concatBytes(signature.subarray(0, 32), publicKey, message))
    const k = readLittleEndian(digest) % L
    const left = Point.BASE.multiplyUnsafe(S)
    const right = R.add(A.multiplyUnsafe(k))
    return left.equals(right)
  } catch {
    return false
  }
}
