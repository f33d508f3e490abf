/**
 * Node events, delivered to SSE clients and in-process listeners: `block` when a block is
 * committed (after its batch is synced), `tx` when a transaction's status changes.
 */
import { EventEmitter } from 'node:events'

export type BlockEvent = {
  readonly height: number
  readonly hash: string
  readonly stateRoot: string
  readonly timeMs: number
  readonly txs: readonly string[]
  readonly round: number
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
