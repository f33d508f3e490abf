/** SHA-256 on Node: OpenSSL through node:crypto (≈1.7× noble for 64-byte inputs). */
import { hash } from 'node:crypto'

/**
 * The digest is copied into a fresh 32-byte array, which V8 keeps on its own heap: node:crypto
 * returns each digest in its own native buffer, and holding many of those (a block's tx hashes,
 * tree nodes) costs far more memory than the 32 bytes (see state/node-codec.ts `heapHash`).
 */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  out.set(hash('sha256', data, 'buffer'))
  return out
}
