/** Ed25519 keys and signing (@noble/curves). Verification lives in `verify.ts`. */
import { ed25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '#sha256'
import { fromHex, toHex } from '../bytes.js'
import { CryptoError, CryptoErrorCode } from '../errors.js'
import { isAcceptablePublicKey, PUBLIC_KEY_LENGTH, SECRET_KEY_LENGTH } from './ed25519-rule.js'

export type KeyPair = { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array }

export function generateKeyPair(): KeyPair {
  const secretKey = ed25519.utils.randomSecretKey()
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

export function keyPairFromSecret(secretKey: Uint8Array): KeyPair {
  if (secretKey.length !== SECRET_KEY_LENGTH) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY_LENGTH, `secret key must be ${SECRET_KEY_LENGTH} bytes`)
  }
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

/** A deterministic key pair from a seed string — for tests, simulators and demo networks only. */
export function keyPairFromSeed(seed: string): KeyPair {
  return keyPairFromSecret(sha256(new TextEncoder().encode(`govchain/test-key/${seed}`)))
}

export function sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey)
}

/** Where accounts and validators are registered: refuse small-order or non-canonical keys. */
export function assertAcceptablePublicKey(publicKey: Uint8Array, what = 'public key'): void {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY_LENGTH, `${what} must be ${PUBLIC_KEY_LENGTH} bytes`)
  }
  if (!isAcceptablePublicKey(publicKey)) {
    throw new CryptoError(
      CryptoErrorCode.WEAK_PUBLIC_KEY,
      `${what} is small-order, non-canonical or not on the curve`,
    )
  }
}

/** The JSON key file used by the CLI, the SDK and devnet: `{ type, publicKey, secretKey }` in hex. */
export type KeyFile = { type: 'ed25519'; publicKey: string; secretKey: string }

export function keyPairToFile(pair: KeyPair): KeyFile {
  return { type: 'ed25519', publicKey: toHex(pair.publicKey), secretKey: toHex(pair.secretKey) }
}

export function keyPairFromFile(json: unknown): KeyPair {
  const f = json as Partial<KeyFile> | null
  if (f === null || typeof f !== 'object' || f.type !== 'ed25519' || typeof f.secretKey !== 'string') {
    throw new CryptoError(
      CryptoErrorCode.BAD_KEY_FILE,
      'key file must be { type: "ed25519", publicKey, secretKey }',
    )
  }
  let pair: KeyPair
  try {
    pair = keyPairFromSecret(fromHex(f.secretKey, SECRET_KEY_LENGTH, 'secretKey'))
  } catch {
    throw new CryptoError(
      CryptoErrorCode.BAD_KEY_FILE,
      'key file secretKey must be 32 bytes of lowercase hex',
    )
  }
  if (f.publicKey !== undefined && f.publicKey !== toHex(pair.publicKey)) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY_FILE, 'key file publicKey does not match its secretKey')
  }
  return pair
}
