/**
 * Coded errors of the member node. Every rejection the network makes (HTTP, gossip, sync) carries
 * one of these codes or a ledger code; `http/errors.ts` maps them to HTTP statuses.
 */
import { GovchainError } from '@govchain/ledger'

export const ConfigErrorCode = {
  INVALID: 'CONFIG_INVALID',
  MISSING: 'CONFIG_MISSING',
} as const
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode]
export class ConfigError extends GovchainError<ConfigErrorCode> {}

export const MempoolErrorCode = {
  FULL: 'MEMPOOL_FULL',
  SENDER_FULL: 'MEMPOOL_SENDER_FULL',
  DUPLICATE: 'MEMPOOL_DUPLICATE',
  ALREADY_COMMITTED: 'MEMPOOL_ALREADY_COMMITTED',
  NONCE_TAKEN: 'MEMPOOL_NONCE_TAKEN',
  NONCE_TOO_FAR: 'MEMPOOL_NONCE_TOO_FAR',
  EVICTED: 'MEMPOOL_EVICTED',
} as const
export type MempoolErrorCode = (typeof MempoolErrorCode)[keyof typeof MempoolErrorCode]
export class MempoolError extends GovchainError<MempoolErrorCode> {}

export const P2pErrorCode = {
  FRAME_TOO_LARGE: 'P2P_FRAME_TOO_LARGE',
  MALFORMED_FRAME: 'P2P_MALFORMED_FRAME',
  WRONG_CHAIN: 'P2P_WRONG_CHAIN',
  RATE_LIMITED: 'P2P_RATE_LIMITED',
  NOT_MEMBER: 'P2P_NOT_MEMBER',
  BAD_RESPONSE: 'P2P_BAD_RESPONSE',
  TIMEOUT: 'P2P_TIMEOUT',
  /** The stream was reset, aborted or ended early: not evidence of misbehaviour. */
  STREAM_CLOSED: 'P2P_STREAM_CLOSED',
  UNKNOWN_VALIDATOR: 'P2P_UNKNOWN_VALIDATOR',
  BAD_SIGNATURE: 'P2P_BAD_SIGNATURE',
  WRONG_HEIGHT: 'P2P_WRONG_HEIGHT',
  ROUND_TOO_FAR: 'P2P_ROUND_TOO_FAR',
  NO_PEERS: 'P2P_NO_PEERS',
  /** A proposal's block could neither be rebuilt from local transactions nor fetched. */
  BLOCK_UNAVAILABLE: 'P2P_BLOCK_UNAVAILABLE',
  /** Dropped by a fault the node was configured to inject (config.json `faults`, tests only). */
  FAULT_INJECTED: 'P2P_FAULT_INJECTED',
} as const
export type P2pErrorCode = (typeof P2pErrorCode)[keyof typeof P2pErrorCode]
export class P2pError extends GovchainError<P2pErrorCode> {}

export const ApiErrorCode = {
  BAD_REQUEST: 'API_BAD_REQUEST',
  NOT_FOUND: 'API_NOT_FOUND',
  TOO_LARGE: 'API_TOO_LARGE',
  RATE_LIMITED: 'API_RATE_LIMITED',
  UNSUPPORTED_MEDIA_TYPE: 'API_UNSUPPORTED_MEDIA_TYPE',
  INTERNAL: 'API_INTERNAL',
  UNAVAILABLE: 'API_UNAVAILABLE',
} as const
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode]
export class ApiError extends GovchainError<ApiErrorCode> {}

export const ExplorerErrorCode = {
  /** esbuild could not bundle the explorer page script. */
  BUILD_FAILED: 'EXPLORER_BUILD_FAILED',
  /** The page bundle reached a Node built-in (e.g. node:crypto): it would not run in a browser. */
  NODE_BUILTIN: 'EXPLORER_NODE_BUILTIN',
} as const
export type ExplorerErrorCode = (typeof ExplorerErrorCode)[keyof typeof ExplorerErrorCode]
export class ExplorerError extends GovchainError<ExplorerErrorCode> {}

export const CompileErrorCode = {
  /** esbuild could not compile a workspace source file for a node process (compiled-sources.ts). */
  FAILED: 'COMPILE_FAILED',
  /** A path given as a node entry is not under `packages/<name>/src` (or `dist`). */
  NOT_IN_PACKAGE: 'COMPILE_NOT_IN_PACKAGE',
} as const
export type CompileErrorCode = (typeof CompileErrorCode)[keyof typeof CompileErrorCode]
export class CompileError extends GovchainError<CompileErrorCode> {}
