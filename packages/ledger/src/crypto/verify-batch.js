// The OpenSSL part of the signature pool's work (verify-pool.ts), for one packed chunk. Plain
// JavaScript so that it runs in a bare worker thread under any loader (tsx, vitest). The pinned
// rule's other checks (lengths, R and S, acceptable A) ran on the main thread before an item
// was packed; this is only the cofactorless equation, as in crypto/verify.ts.
//
// Chunk: per item, publicKey (32) ‖ signature (64) ‖ message length (u32 LE) ‖ message.
import { Buffer } from 'node:buffer'
import { createPublicKey, verify } from 'node:crypto'

const KEY_CACHE_LIMIT = 50_000
const keys = new Map()

function keyFor(bytes) {
  const id = Buffer.from(bytes).toString('base64url')
  let key = keys.get(id)
  if (key === undefined) {
    if (keys.size >= KEY_CACHE_LIMIT) keys.clear()
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' })
    keys.set(id, key)
  }
  return key
}

/** Verdicts (1 = valid) of the `count` items packed in `buf`. */
export function verifyPacked(buf, count) {
  const bytes = new Uint8Array(buf)
  const view = new DataView(buf)
  const verdicts = new Uint8Array(count)
  let at = 0
  for (let i = 0; i < count; i++) {
    const publicKey = bytes.subarray(at, at + 32)
    const signature = bytes.subarray(at + 32, at + 96)
    const length = view.getUint32(at + 96, true)
    const message = bytes.subarray(at + 100, at + 100 + length)
    at += 100 + length
    verdicts[i] = verify(null, message, keyFor(publicKey), signature) ? 1 : 0
  }
  return verdicts
}
