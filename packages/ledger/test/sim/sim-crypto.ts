/**
 * Keys and signatures for the simulator. Validator keys are real Ed25519 keys (ValidatorSet
 * refuses anything else). Messages are signed either with real Ed25519 (the end-to-end test) or
 * with a cheap keyed hash (64 bytes: SHA-256(secret ‖ message) twice) so that thousands of seeds
 * run in minutes; the cheap check recomputes it. Production code never sees the cheap scheme
 * except through the injected `SignatureCheck` parameters of the acceptance, certificate and
 * evidence checks.
 */
import { concatBytes, toHex } from '../../src/bytes.js'
import { sha256, sign, verify } from '../../src/crypto/index.js'
import { keyPairFromSeed, type KeyPair } from '../../src/crypto/keys.js'
import type { SignatureCheck } from '../../src/consensus/certificate.js'
import type { SignBytes } from '../../src/consensus/signer.js'
import { ValidatorSet } from '../../src/validators.js'

export type CryptoMode = 'cheap' | 'ed25519'

const keys: KeyPair[] = []
const secretByPublic = new Map<string, Uint8Array>()

export function simKey(index: number): KeyPair {
  while (keys.length <= index) {
    const pair = keyPairFromSeed(`govchain-sim/validator/${keys.length}`)
    keys.push(pair)
    secretByPublic.set(toHex(pair.publicKey), pair.secretKey)
  }
  return keys[index]!
}

function cheapSignature(secret: Uint8Array, message: Uint8Array): Uint8Array {
  const h = sha256(concatBytes(secret, message))
  return concatBytes(h, h)
}

export function signerFor(mode: CryptoMode, key: KeyPair): SignBytes {
  return mode === 'ed25519' ? (m) => sign(key.secretKey, m) : (m) => cheapSignature(key.secretKey, m)
}

/**
 * One message object is delivered to every node, so the verdict is cached per signature object
 * (with the key and message objects it was computed for).
 */
const verdicts = new WeakMap<Uint8Array, { publicKey: Uint8Array; message: Uint8Array; ok: boolean }>()

const cheapCheck: SignatureCheck = (publicKey, message, signature) => {
  const cached = verdicts.get(signature)
  if (cached !== undefined && cached.publicKey === publicKey && cached.message === message) return cached.ok
  const ok = cheapVerify(publicKey, message, signature)
  verdicts.set(signature, { publicKey, message, ok })
  return ok
}

function cheapVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const secret = secretByPublic.get(toHex(publicKey))
  if (secret === undefined || signature.length !== 64) return false
  const expected = cheapSignature(secret, message)
  for (let i = 0; i < 64; i++) if (expected[i] !== signature[i]) return false
  return true
}

const validatorSets = new Map<number, ValidatorSet>()

/** The simulator's V_h for n validators of power 1 (built once: key checks are costly). */
export function simValidators(n: number): ValidatorSet {
  let set = validatorSets.get(n)
  if (set === undefined) {
    set = new ValidatorSet(
      Array.from({ length: n }, (_, i) => ({ publicKey: simKey(i).publicKey, power: 1 })),
    )
    validatorSets.set(n, set)
  }
  return set
}

export function checkerFor(mode: CryptoMode): SignatureCheck {
  return mode === 'ed25519' ? verify : cheapCheck
}
