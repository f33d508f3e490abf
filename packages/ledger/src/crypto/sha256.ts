/** SHA-256 on Node: OpenSSL through node:crypto (≈1.7× noble for 64-byte inputs). */
import { hash } from 'node:crypto'

export function sha256(data: Uint8Array): Uint8Array {
  const out = hash('sha256', data, 'buffer')
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}
