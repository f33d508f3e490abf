/**
 * The canonical CBOR writer behind `encode` (encoding.ts): byte for byte what cborg's default
 * `encode` produces — shortest integer and length heads, map entries sorted by the length and
 * then the bytes of their UTF-8 keys — written straight into one reused buffer instead of
 * through cborg's token lists (≈ 6× faster on records and transactions, which matters because
 * a block's validation encodes several values per transaction).
 *
 * Values outside govchain's everyday subset (non-integer numbers, plain objects of other
 * classes, Maps, bigints…) are handed to cborg itself and its bytes spliced in, so the output
 * stays identical for every input; tests compare the two on random values. One exception: a
 * text starting with U+FEFF is refused (EncodeError), because no UTF-8 decoder gives it back.
 */
import { encode as cborEncode } from 'cborg'
import { EncodeError, EncodeErrorCode } from './errors.js'

let buf = new Uint8Array(64 * 1024)
let pos = 0
/** Reused between calls; a larger one made for a big value is dropped afterwards. */
const KEEP_BYTES = 1024 * 1024
const MAX_DEPTH = 10_000
const textEncoder = new TextEncoder()

function ensure(n: number): void {
  if (pos + n <= buf.length) return
  let size = buf.length * 2
  while (size < pos + n) size *= 2
  const next = new Uint8Array(size)
  next.set(buf.subarray(0, pos))
  buf = next
}

/** A head: major type and argument, in the shortest form. */
function head(major: number, n: number): void {
  ensure(9)
  const m = major << 5
  if (n < 24) {
    buf[pos++] = m | n
  } else if (n < 0x100) {
    buf[pos++] = m | 24
    buf[pos++] = n
  } else if (n < 0x10000) {
    buf[pos++] = m | 25
    buf[pos++] = n >>> 8
    buf[pos++] = n & 0xff
  } else if (n < 0x100000000) {
    buf[pos++] = m | 26
    buf[pos++] = n >>> 24
    buf[pos++] = (n >>> 16) & 0xff
    buf[pos++] = (n >>> 8) & 0xff
    buf[pos++] = n & 0xff
  } else {
    const hi = Math.floor(n / 0x100000000)
    const lo = n >>> 0
    buf[pos++] = m | 27
    buf[pos++] = hi >>> 24
    buf[pos++] = (hi >>> 16) & 0xff
    buf[pos++] = (hi >>> 8) & 0xff
    buf[pos++] = hi & 0xff
    buf[pos++] = lo >>> 24
    buf[pos++] = (lo >>> 16) & 0xff
    buf[pos++] = (lo >>> 8) & 0xff
    buf[pos++] = lo & 0xff
  }
}

function raw(bytes: Uint8Array): void {
  ensure(bytes.length)
  buf.set(bytes, pos)
  pos += bytes.length
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false
  return true
}

function text(s: string): void {
  // One pass for the common ASCII case: write the head for s.length bytes and the characters;
  // on the first non-ASCII character rewind and encode as UTF-8.
  const start = pos
  const n = s.length
  head(3, n)
  ensure(n)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) {
      // UTF-8 decoders (TextDecoder, so cborg and the strict decode) drop a leading byte-order
      // mark: such a text would not decode to itself, so it is refused here instead.
      if (i === 0 && c === 0xfeff) {
        throw new EncodeError(
          EncodeErrorCode.UNSUPPORTED_TEXT,
          'a text may not start with U+FEFF (a byte-order mark): decoders drop it',
        )
      }
      pos = start
      // Lone surrogates become U+FFFD, as in cborg (and TextEncoder).
      const bytes = textEncoder.encode(s)
      head(3, bytes.length)
      raw(bytes)
      return
    }
    buf[pos++] = c
  }
}

/** cborg's default map order: shorter UTF-8 key first, then bytewise. */
function compareAsciiKeys(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length
  return a < b ? -1 : a > b ? 1 : 0
}

function compareKeys(a: string, b: string): number {
  const x = textEncoder.encode(a)
  const y = textEncoder.encode(b)
  if (x.length !== y.length) return x.length - y.length
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return 0
}

/**
 * Sorted key lists by their unsorted form: records of one type share their keys, so a block's
 * thousands of maps are sorted a handful of times. Looked up by the first key, then compared
 * key by key (property names are internalized strings: each comparison is a pointer check).
 */
type KeyOrder = { readonly unsorted: readonly string[]; readonly sorted: readonly string[] }
const keyOrders = new Map<string, KeyOrder[]>()
let keyOrderCount = 0
const KEY_ORDERS_LIMIT = 4096

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sortedKeys(keys: string[]): readonly string[] {
  if (keys.length < 2) return keys
  const first = keys[0]!
  let orders = keyOrders.get(first)
  if (orders !== undefined) {
    for (const o of orders) if (sameKeys(o.unsorted, keys)) return o.sorted
  }
  const unsorted = keys.slice()
  const sorted = keys.sort(keys.every(isAscii) ? compareAsciiKeys : compareKeys)
  if (keyOrderCount >= KEY_ORDERS_LIMIT) {
    keyOrders.clear()
    keyOrderCount = 0
    orders = undefined
  }
  if (orders === undefined) keyOrders.set(first, (orders = []))
  orders.push({ unsorted, sorted })
  keyOrderCount++
  return sorted
}

/**
 * A map written here rather than by cborg: a plain object, or one without a prototype
 * (`Object.create(null)`, which cborg also writes as a map), so that its texts follow the same
 * rules. Not `value.constructor === Object`: a map may have its own key "constructor".
 */
function isPlainMap(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function write(value: unknown, depth: number): void {
  if (depth > MAX_DEPTH) {
    // As deep as this only happens for a cyclic value: let cborg report it.
    raw(cborEncode(value))
    return
  }
  switch (typeof value) {
    case 'number':
      if (Number.isSafeInteger(value)) {
        if (value >= 0) head(0, value)
        else head(1, -1 - value)
      } else {
        raw(cborEncode(value))
      }
      return
    case 'string':
      text(value)
      return
    case 'boolean':
      ensure(1)
      buf[pos++] = value ? 0xf5 : 0xf4
      return
    case 'undefined':
      ensure(1)
      buf[pos++] = 0xf7
      return
    case 'object':
      if (value === null) {
        ensure(1)
        buf[pos++] = 0xf6
      } else if (value instanceof Uint8Array) {
        head(2, value.length)
        raw(value)
      } else if (Array.isArray(value)) {
        head(4, value.length)
        for (let i = 0; i < value.length; i++) write(value[i], depth + 1)
      } else if (isPlainMap(value)) {
        const obj = value as Record<string, unknown>
        const keys = sortedKeys(Object.keys(obj))
        head(5, keys.length)
        for (const k of keys) {
          text(k)
          write(obj[k], depth + 1)
        }
      } else {
        raw(cborEncode(value))
      }
      return
    default:
      raw(cborEncode(value))
  }
}

let busy = false

/**
 * Small results are carved out of a shared slab: one allocation outside V8's heap per 256 KB
 * instead of one per value (a block's validation encodes tens of thousands of small values).
 */
const SLAB_BYTES = 256 * 1024
const SLAB_MAX_VALUE = 4096
let slab = new Uint8Array(0)
let slabPos = 0

function output(): Uint8Array {
  if (pos > SLAB_MAX_VALUE) return buf.slice(0, pos)
  if (slabPos + pos > slab.length) {
    slab = new Uint8Array(SLAB_BYTES)
    slabPos = 0
  }
  const out = slab.subarray(slabPos, slabPos + pos)
  out.set(buf.subarray(0, pos))
  slabPos += pos
  return out
}

/** Canonical CBOR of `value` (a fresh array). */
export function encodeCanonical(value: unknown): Uint8Array {
  if (busy) return cborEncode(value) // re-entered (from a getter): the buffer is in use
  busy = true
  pos = 0
  try {
    write(value, 0)
    return output()
  } finally {
    busy = false
    if (buf.length > KEEP_BYTES) buf = new Uint8Array(64 * 1024)
  }
}
