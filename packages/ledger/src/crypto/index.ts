/** The crypto module: the only place that imports hash and signature libraries. */
export { sha256, sha256Into } from '#sha256'
export { verify, verifyAsync } from '#verify'
export {
  isAcceptablePublicKey,
  passesSignaturePrechecks,
  verifyWithNoble,
  PUBLIC_KEY_LENGTH,
  SECRET_KEY_LENGTH,
  SIGNATURE_LENGTH,
} from './ed25519-rule.js'
export {
  assertAcceptablePublicKey,
  generateKeyPair,
  keyPairFromFile,
  keyPairFromSecret,
  keyPairFromSeed,
  keyPairToFile,
  sign,
  type KeyFile,
  type KeyPair,
} from './keys.js'
