/**
 * Signature verification on the node's hot path: the rule's cheap pre-checks, then OpenSSL
 * (node:crypto) with KeyObjects cached per public key. Same verdicts as `verifyWithNoble`.
 */
import { createPublicKey, verify as opensslVerify, type KeyObject } from 'node:crypto'
import { byteString } from '../bytes.js'
import { isAcceptablePublicKey, passesSignaturePrechecks } from './ed25519-rule.js'

const KEY_CACHE_LIMIT = 50_000
type CachedKey = KeyObject | 'rejected'
const keyCache = new Map<string, CachedKey>()

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

function keyObjectFor(publicKey: Uint8Array): KeyObject | undefined {
  const id = byteString(publicKey)
  let cached = keyCache.get(id)
  if (cached === undefined) {
    cached = isAcceptablePublicKey(publicKey)
      ? createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey.slice()) },
          format: 'jwk',
        })
      : 'rejected'
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
    keyCache.set(id, cached)
  }
  return cached === 'rejected' ? undefined : cached
}

/**
 * Everything the rule checks before the OpenSSL call: lengths, R and S, and an acceptable public
 * key (cached). False means the signature is invalid; true means OpenSSL decides (the worker
 * pool runs that call on other threads).
 */
export function passesChecksBeforeOpenssl(publicKey: Uint8Array, signature: Uint8Array): boolean {
  return (
    publicKey.length === 32 && passesSignaturePrechecks(signature) && keyObjectFor(publicKey) !== undefined
  )
}

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || !passesSignaturePrechecks(signature)) return false
  const key = keyObjectFor(publicKey)
  return key !== undefined && opensslVerify(null, message, key, signature)
}

/** The same verdict, computed on libuv's thread pool (spreads a batch over all cores). */
export function verifyAsync(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || !passesSignaturePrechecks(signature)) return Promise.resolve(false)
  const key = keyObjectFor(publicKey)
  if (key === undefined) return Promise.resolve(false)
  return new Promise((resolve) => {
    opensslVerify(null, message, key, signature, (err, ok) => resolve(err === null && ok))
  })
}
