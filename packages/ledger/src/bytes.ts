/**
 * Small byte helpers: hex, base64, comparison, concatenation. Hashes are lowercase hex outside
 * the chain. Runs in Node and in browsers (Buffer is used only when present, for speed).
 */
import { DecodeError, DecodeErrorCode } from './errors.js'

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

const HEX = /^(?:[0-9a-f]{2})*$/
const HEX_CODE = Array.from('0123456789abcdef', (c) => c.charCodeAt(0))
const hexCodes = new Uint16Array(128)

/**
 * Lowercase hex. Small arrays are converted here: handing one to Buffer reads its `.buffer`,
 * which makes V8 move an array kept on its heap (≤ 64 bytes: hashes, keys) out to a separate
 * native allocation for the rest of its life — several hundred bytes per 32-byte hash.
 */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length <= 64) {
    // One flat string (`+=` would build a tree of 64 partial strings, kept as long as the result).
    const codes = hexCodes.subarray(0, 2 * bytes.length)
    for (let i = 0; i < bytes.length; i++) {
      codes[2 * i] = HEX_CODE[bytes[i]! >> 4]!
      codes[2 * i + 1] = HEX_CODE[bytes[i]! & 15]!
    }
    return String.fromCharCode.apply(null, codes as unknown as number[])
  }
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
  let s = ''
  for (const b of bytes) s += HEX_BYTE[b]
  return s
}

/** Strict lowercase hex → bytes; `expectedLength` in bytes when given. */
export function fromHex(hex: string, expectedLength?: number, what = 'hex'): Uint8Array {
  if (typeof hex !== 'string' || !HEX.test(hex)) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: not lowercase hex`)
  }
  if (expectedLength !== undefined && hex.length !== expectedLength * 2) {
    throw new DecodeError(
      DecodeErrorCode.BAD_SHAPE,
      `${what}: expected ${expectedLength} bytes, got ${hex.length / 2}`,
    )
  }
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer && bytes.length > 64)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict (padded, canonical alphabet) base64 → bytes. */
export function fromBase64(text: string, what = 'base64'): Uint8Array {
  if (typeof text !== 'string' || !BASE64.test(text)) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: not canonical base64`)
  }
  if (NodeBuffer) return new Uint8Array(NodeBuffer.from(text, 'base64'))
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/**
 * A string with one char per byte (latin1), for use as a Map key: half the length of hex. Built
 * without touching `.buffer` for small arrays (see `toHex`).
 */
export function byteString(bytes: Uint8Array): string {
  if (bytes.length <= 256) return String.fromCharCode.apply(null, bytes as unknown as number[])
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
  return s
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Lexicographic comparison, shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!
    if (d !== 0) return d
  }
  return a.length - b.length
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0
  for (const p of parts) len += p.length
  const out = new Uint8Array(len)
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

/** UTF-8 of `s`; ASCII text (state keys, ids) is copied straight into a fresh array. */
function utf8Encode(s: string): Uint8Array {
  const n = s.length
  if (n > 256) return textEncoder.encode(s)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return textEncoder.encode(s)
    out[i] = c
  }
  return out
}

export const utf8 = {
  encode: utf8Encode,
  decode: (b: Uint8Array): string => textDecoder.decode(b),
}

const SMALL_SLAB_BYTES = 64 * 1024

/**
 * Hands out small arrays (hashes, database keys) as views into shared 64 KB buffers: a view costs
 * ~100 bytes of heap where a 32-byte array of its own costs ~230. For what one batch holds only
 * (see TreeNode's doc on transient nodes in state/node-codec.ts): one view kept for long keeps
 * its whole buffer.
 */
export class Slab {
  private buffer = new Uint8Array(0)
  private offset = 0

  take(length: number): Uint8Array {
    if (this.offset + length > this.buffer.length) {
      this.buffer = new Uint8Array(Math.max(SMALL_SLAB_BYTES, length))
      this.offset = 0
    }
    const view = this.buffer.subarray(this.offset, this.offset + length)
    this.offset += length
    return view
  }
}
