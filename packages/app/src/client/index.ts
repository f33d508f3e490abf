/**
 * The govchain SDK (exported from `@govchain/app`): the typed builders (`buildLicenceApply`, …,
 * `buildTx`, `signTx`) live in builders.ts; this adds the node client, offline proof checks,
 * key / network files and commitments for personal data.
 */
export * from './errors.js'
export * from './types.js'
export * from './sse.js'
export * from './client.js'
export * from './proofs.js'
export * from './files.js'
export * from './commit-values.js'
// The ledger pieces a script needs alongside the client.
export {
  GovchainError,
  isGovchainError,
  generateKeyPair,
  toHex,
  fromHex,
  checkpointToJSON,
  type KeyPair,
  type LightClientCheckpoint,
  type Transaction,
} from '@govchain/ledger'
