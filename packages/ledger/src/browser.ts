/**
 * The browser-safe part of the ledger (no LevelDB, no node:crypto): decoding, hashing, the
 * pinned Ed25519 rule (noble), Merkle and state proofs, certificates and light-client checks.
 * Bundlers pick the browser implementations of `#sha256` / `#verify` by the `browser` condition.
 */
export * from './errors.js'
export * from './bytes.js'
export * from './encoding.js'
export * from './params.js'
export * from './crypto/index.js'
export * from './tx.js'
export * from './validators.js'
export * from './consensus/vote.js'
export * from './consensus/certificate.js'
export * from './header.js'
export * from './block.js'
export * from './merkle.js'
export * from './genesis.js'
export * from './receipt.js'
export * from './state/proof.js'
export * from './lightclient.js'
