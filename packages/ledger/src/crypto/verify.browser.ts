/** Signature verification in browsers: the pinned rule in pure JS. */
import { verifyWithNoble } from './ed25519-rule.js'

export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return verifyWithNoble(publicKey, message, signature)
}

export function verifyAsync(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  return Promise.resolve(verifyWithNoble(publicKey, message, signature))
}
