/** SHA-256 on Node: OpenSSL through node:crypto (≈1.7× noble for 64-byte inputs). */
import { hash } from 'node:crypto'

/**
 * V8 keeps typed arrays of up to 64 bytes on its heap until something asks for their
 * `.buffer`, as node:crypto does; that moves the array to a separate native allocation for
 * the rest of its life (hundreds of bytes of overhead). Small inputs are therefore hashed from
 * this one scratch buffer instead of in place, through a view per length made once.
 */
const scratch = new Uint8Array(64)
const scratchViews = Array.from({ length: 65 }, (_, n) => scratch.subarray(0, n))

/**
 * The digest comes back in a fresh 32-byte array on V8's heap. node:crypto is asked for it as a
 * 'binary' (latin1) string, one char per byte, not as a Buffer: each Buffer is a native
 * allocation, half the cost of a small hash (measured: 0.33 µs per 65-byte hash instead of
 * 0.67), and holding many of them (a block's tx hashes, tree nodes) costs far more memory than
 * the 32 bytes (see state/node-codec.ts).
 */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  sha256Into(data, out, 0)
  return out
}

/**
 * Writes SHA-256(data) into `out` at `offset`: lets a caller that makes many hashes keep them in
 * one buffer instead of one 32-byte array each (≈ 230 bytes of heap apiece).
 */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  let digest: string
  if (data.length <= 64) {
    scratch.set(data)
    digest = hash('sha256', scratchViews[data.length]!, 'binary')
  } else {
    digest = hash('sha256', data, 'binary')
  }
  for (let i = 0; i < 32; i++) out[offset + i] = digest.charCodeAt(i)
}
