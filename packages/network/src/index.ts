/** @govchain/network: the member node. */
import './polyfill.js'

export * from './errors.js'
export * from './config.js'
export * from './logger.js'
export * from './metrics.js'
export * from './metrics-text.js'
export * from './events.js'
export * from './mempool.js'
export * from './wal.js'
export * from './consensus-driver.js'
export * from './sync.js'
export * from './node.js'
export * from './run-node.js'
export * from './builtin-kv-app.js'
export { createHttpServer } from './http/server.js'
export type {
  AccountJson,
  ApiBackend,
  BlockTxsJson,
  QueryJson,
  StatusJson,
  TxStatusJson,
  TxSummaryJson,
} from './http/routes.js'
export { buildExplorerScript, explorerHtml, EXPLORER_CSP } from './explorer/serve.js'
export { statusOf as httpStatusOf, toHttpError } from './http/errors.js'
export * from './p2p/member-gater.js'
export * from './p2p/peer-scores.js'
export * from './p2p/rate-limiter.js'
export * from './p2p/frames.js'
export * from './p2p/gossip.js'
export * from './p2p/sync-protocol.js'
export {
  createHost,
  MemberDialer,
  nodePrivateKey,
  peerIdOfSeed,
  parsePeerAddress,
  type Host,
  type HostOptions,
} from './p2p/host.js'
export * from './devnet.js'
export * from './priority-gate.js'
export * from './cached-store.js'
export * from './malloc-tunables.js'
export * from './compiled-sources.js'
export * from './large-block-collection.js'
