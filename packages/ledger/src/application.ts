/**
 * The Application interface: what a govchain node runs (ABCI-like, small). The ledger owns the
 * envelope rules (chain id, signature, nonce, expiry), the state tree and its root; the
 * application owns what a transaction means. It never hashes state itself.
 *
 * Block execution (`executeBlock` in execution.ts) calls `beginBlock`, then `deliverTx` for
 * each transaction in order against a per-transaction overlay (a transaction that throws
 * leaves no writes and makes the block invalid — consensus.md rule 18), then `endBlock`.
 * Application keys live in their own namespace of the state; the ledger's system keys
 * (validator sets, members, nonces) are out of the application's reach.
 */
import type { GovchainError } from './errors.js'
import type { Genesis } from './genesis.js'
import type { StateReader } from './state/types.js'
import type { StateProof } from './state/proof.js'
import type { Transaction } from './tx.js'
import type { Validator } from './validators.js'
import type { Member } from './genesis.js'
import type { Encodable } from './encoding.js'

export type BlockContext = {
  readonly chainId: string
  readonly height: number
  readonly timeMs: number
  readonly proposer: Uint8Array
}

/** The application's writable view of its own state namespace during execution. */
export interface StateWriter extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

/** The application's read view during queries; `prove` returns a proof against the committed root. */
export interface QueryState extends StateReader {
  prove(key: Uint8Array): Promise<StateProof>
  readonly height: number
}

/** What a committed transaction produced: app-defined events and data, hashed into `resultRoot`. */
export type Receipt = {
  readonly events: readonly { readonly type: string; readonly attributes: Readonly<Record<string, string>> }[]
  readonly data?: Encodable
}

/** Chain-level changes an application may order at the end of a block (applied by the ledger). */
export type EndBlockResult = {
  /** The full new validator set; takes effect at height + 2 (consensus.md rule 1). */
  readonly validators?: readonly Validator[]
  /** The full new member list; the network's connection gater follows it after commit. */
  readonly members?: readonly Member[]
}

export type QueryResult = {
  readonly value: Encodable | null
  /** State keys (in the application's namespace) whose proofs answer the query. */
  readonly proveKeys?: readonly Uint8Array[]
}

export interface Application {
  readonly name: string
  /** Validates the genesis `appState` strictly and writes the initial application state. */
  initGenesis(genesis: Genesis, state: StateWriter): Promise<void>
  /** Mempool admission: permissions and app rules against the latest committed state. Throws a coded error. */
  checkTx(
    tx: Transaction,
    state: StateReader,
    ctx: { readonly chainId: string; readonly height: number },
  ): Promise<void>
  beginBlock?(ctx: BlockContext, state: StateWriter): Promise<void>
  /** Executes one transaction; throws a `GovchainError` to reject it (its writes are discarded). */
  deliverTx(tx: Transaction, ctx: BlockContext, state: StateWriter): Promise<Receipt>
  endBlock?(ctx: BlockContext, state: StateWriter): Promise<EndBlockResult>
  query(path: string, params: Readonly<Record<string, string>>, state: QueryState): Promise<QueryResult>
}

export type TxRejection = { readonly index: number; readonly error: GovchainError }
