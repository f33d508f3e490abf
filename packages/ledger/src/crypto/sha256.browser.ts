/** SHA-256 in browsers: @noble/hashes, same digests as the Node path. */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data)
}

export function sha256Into(data: Uint8Array, out: Uint8Array, offset: number): void {
  out.set(nobleSha256(data), offset)
}
