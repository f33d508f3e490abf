/**
 * The one canonical encoder for everything govchain hashes or signs: CBOR with RFC 8949 core
 * deterministic encoding (cborg), decoded strictly. A decoded value must re-encode to exactly
 * the bytes received, so every accepted value has one and only one encoding.
 *
 * Signed structures are fixed-position arrays `[domainTag, version, ...fields]`; the readers
 * below check their shape field by field and fail with a `DecodeError` naming the field.
 */
import { decode as cborDecode } from 'cborg'
import { decodeCanonicalFast } from './cbor-decode.js'
import { encodeCanonical } from './cbor-encode.js'
import { equalBytes } from './bytes.js'
import { DecodeError, DecodeErrorCode } from './errors.js'

/** cborg's strict options (also the reference the fast path is tested against). */
export const DECODE_OPTIONS = Object.freeze({
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: false,
} as const)

/** What govchain puts on the wire: integers, text, bytes, booleans, null, arrays, text-keyed maps. */
export type Encodable =
  number | string | boolean | null | Uint8Array | readonly Encodable[] | { readonly [key: string]: Encodable }

export function encode(value: Encodable): Uint8Array {
  return encodeCanonical(value)
}

export type DecodeOptions = {
  /**
   * Byte strings may be views into `bytes` instead of copies: for a caller that keeps `bytes`
   * at least as long as the value and writes to neither (a transaction's fields, a payload, a
   * stored value). Saves a copy and an allocation per byte string; the verdict is the same.
   */
  readonly byteViews?: boolean
}

/**
 * Strict decode: bounded size, well-formed CBOR, no indefinite lengths, no duplicate map keys,
 * no floats, no tags, re-encodes to the same bytes.
 */
export function decode(bytes: Uint8Array, maxBytes: number, what = 'value', opts?: DecodeOptions): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: expected bytes`)
  }
  if (bytes.length > maxBytes) {
    throw new DecodeError(
      DecodeErrorCode.TOO_LARGE,
      `${what}: ${bytes.length} bytes exceeds the limit of ${maxBytes}`,
      {
        size: bytes.length,
        limit: maxBytes,
      },
    )
  }
  // Canonical values of the everyday subset in one pass; anything else takes the strict path.
  const fast = decodeCanonicalFast(bytes, opts?.byteViews === true)
  if (fast !== undefined) return fast.value
  let value: unknown
  try {
    value = cborDecode(bytes, DECODE_OPTIONS)
  } catch (e) {
    throw new DecodeError(DecodeErrorCode.MALFORMED_CBOR, `${what}: malformed CBOR (${(e as Error).message})`)
  }
  assertNoFloats(value, what)
  let again: Uint8Array
  try {
    again = encodeCanonical(value)
  } catch {
    throw new DecodeError(DecodeErrorCode.NON_CANONICAL, `${what}: cannot be re-encoded`)
  }
  if (!equalBytes(again, bytes)) {
    throw new DecodeError(DecodeErrorCode.NON_CANONICAL, `${what}: not canonically encoded`)
  }
  return value
}

function assertNoFloats(value: unknown, what: string, depth = 0): void {
  if (depth > 64) throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: nested too deeply`)
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new DecodeError(
        DecodeErrorCode.BAD_SHAPE,
        `${what}: only safe integers are allowed, found ${value}`,
      )
    }
  } else if (Array.isArray(value)) {
    for (const v of value) assertNoFloats(v, what, depth + 1)
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) assertNoFloats(v, what, depth + 1)
  }
}

// ---- field readers: validate once at the boundary, with the field's name in the message ----

function shapeError(what: string, expected: string): DecodeError {
  return new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: expected ${expected}`)
}

/** A signed structure's envelope: `[tag, version, ...fields]` with exactly `fieldCount` fields. */
export function readEnvelope(value: unknown, tag: string, version: number, fieldCount: number): unknown[] {
  if (!Array.isArray(value)) throw shapeError(tag, 'an array')
  if (value[0] !== tag) {
    throw new DecodeError(
      DecodeErrorCode.WRONG_DOMAIN,
      `expected domain tag ${tag}, got ${String(value[0]).slice(0, 40)}`,
    )
  }
  if (value[1] !== version) {
    throw new DecodeError(
      DecodeErrorCode.UNSUPPORTED_VERSION,
      `${tag}: unsupported version ${String(value[1])}`,
    )
  }
  if (value.length !== fieldCount + 2) throw shapeError(tag, `${fieldCount} fields, got ${value.length - 2}`)
  return value.slice(2)
}

export function readArray(value: unknown, what: string, maxLength: number): unknown[] {
  if (!Array.isArray(value)) throw shapeError(what, 'an array')
  if (value.length > maxLength) throw shapeError(what, `at most ${maxLength} items, got ${value.length}`)
  return value
}

export function readTuple(value: unknown, what: string, length: number): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw shapeError(what, `an array of ${length}`)
  return value
}

export function readUint(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw shapeError(what, 'an unsigned integer')
  return value
}

export function readInt(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw shapeError(what, `an integer ≥ ${min}`)
  }
  return value
}

export function readBytes(value: unknown, what: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw shapeError(what, `${length} bytes`)
  return value
}

export function readVarBytes(value: unknown, what: string, maxLength: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw shapeError(what, 'bytes')
  if (value.length > maxLength) throw shapeError(what, `at most ${maxLength} bytes, got ${value.length}`)
  return value
}

const PRINTABLE = /^[\x21-\x7e]+$/

/** An identifier-like text: printable ASCII without spaces, 1..maxLength characters. */
export function readIdent(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !PRINTABLE.test(value)) {
    throw shapeError(what, `an identifier of 1–${maxLength} printable ASCII characters`)
  }
  return value
}

export function readText(value: unknown, what: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length > maxLength)
    throw shapeError(what, `text of at most ${maxLength} characters`)
  return value
}

export function readBool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw shapeError(what, 'a boolean')
  return value
}

export function readOptional<T>(value: unknown, read: (v: unknown) => T): T | null {
  return value === null ? null : read(value)
}

export function readMap(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw shapeError(what, 'a map')
  }
  return value as Record<string, unknown>
}
