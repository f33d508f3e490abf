/**
 * Node events, delivered to SSE clients and in-process listeners: `block` when a block is
 * committed (after its batch is synced), `tx` when a transaction's status changes.
 */
import { EventEmitter } from 'node:events'

export type BlockEvent = {
  readonly height: number
  readonly hash: string
  readonly stateRoot: string
  /** The proposer's block time (header). */
  readonly timeMs: number
  readonly txs: readonly string[]
  /** The round the block was decided in (certificate). */
  readonly round: number
  /** Hex public keys of the validators whose precommits are in the commit certificate. */
  readonly signers: readonly string[]
  readonly proposer: string
  /** This node's clock when the block's batch was synced. */
  readonly committedAtMs: number
  /** Start of the height on this node → commit; null for a block that arrived by sync. */
  readonly latencyMs: number | null
  readonly source: 'consensus' | 'sync'
}

export type TxEvent = {
  readonly hash: string
  readonly status: 'pending' | 'committed' | 'rejected'
  readonly height?: number
  readonly index?: number
  readonly error?: { readonly code: string; readonly message: string }
}

export type NodeEventMap = {
  block: [BlockEvent]
  tx: [TxEvent]
}

export class NodeEvents extends EventEmitter<NodeEventMap> {
  constructor() {
    super()
    this.setMaxListeners(10_000)
  }
}
