/** SHA-256 on Node: OpenSSL through node:crypto (≈1.7× noble for 64-byte inputs). */
import { hash } from 'node:crypto'

/**
 * V8 keeps typed arrays of up to 64 bytes on its heap until something asks for their
 * `.buffer`, as node:crypto does; that moves the array to a separate native allocation for
 * the rest of its life (hundreds of bytes of overhead). Small inputs are therefore hashed from
 * this one scratch buffer instead of in place.
 */
const scratch = new Uint8Array(64)

/**
 * The digest comes back in a fresh 32-byte array on V8's heap: node:crypto returns each digest
 * in its own native buffer, and holding many of those (a block's tx hashes, tree nodes) costs
 * far more memory than the 32 bytes (see state/node-codec.ts).
 */
export function sha256(data: Uint8Array): Uint8Array {
  let digest: Uint8Array
  if (data.length <= 64) {
    scratch.set(data)
    digest = hash('sha256', scratch.subarray(0, data.length), 'buffer')
  } else {
    digest = hash('sha256', data, 'buffer')
  }
  const out = new Uint8Array(32)
  out.set(digest)
  return out
}
