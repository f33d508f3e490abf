/**
 * The JSON shapes of the node's HTTP API as the SDK sees them (packages/network/README.md is
 * the server side; hashes and bytes are lowercase hex).
 */
import type { NodeErrorBody } from './errors.js'

export type NodeStatus = {
  readonly chainId: string
  readonly node: { readonly name: string; readonly org: string; readonly peerId: string }
  readonly height: number
  readonly blockHash: string
  readonly stateRoot: string
  readonly validators: readonly {
    readonly publicKey: string
    readonly power: number
    readonly name: string | null
    readonly member: string | null
  }[]
  readonly peers: number
  readonly syncing: boolean
  readonly [more: string]: unknown
}

export type TxStatus = {
  readonly hash: string
  readonly status: 'pending' | 'committed' | 'rejected'
  readonly height?: number
  readonly index?: number
  readonly receipt?: {
    readonly events: readonly {
      readonly type: string
      readonly attributes: Readonly<Record<string, string>>
    }[]
    readonly data?: unknown
  }
  readonly error?: NodeErrorBody
}

/** A transaction the chain committed. */
export type CommittedTx = {
  readonly hash: string
  readonly status: 'committed'
  readonly height: number
  readonly index: number
  readonly receipt?: TxStatus['receipt']
}

export type BlockJson = {
  readonly height: number
  readonly hash: string
  readonly header: Readonly<Record<string, unknown>>
  readonly txs: readonly string[]
  readonly evidence: readonly unknown[]
  readonly certificate: unknown
}

export type AccountNonce = {
  readonly publicKey: string
  /** Next nonce by the committed state. */
  readonly nonce: number
  /** Next nonce counting the sender's transactions queued at this node. */
  readonly pendingNonce: number
}

/** `GET /v1/records/:id` — `record` is the app's `record` query answer (bytes as hex). */
export type RecordResponse = {
  readonly id: string
  readonly height: number
  readonly record: RecordQueryJson
  /** State proof bundle JSON (ledger `stateProofBundleToJSON`), with `?prove=true`. */
  readonly proof?: unknown
}

export type RecordQueryJson = {
  readonly record: Readonly<Record<string, unknown>> & {
    readonly type: string
    readonly id: string
    readonly status: string
  }
  readonly effectiveStatus: string
  readonly history: readonly Readonly<Record<string, unknown>>[]
  readonly historyFrom: number
  readonly historyTotal: number
  readonly height: number
}

/** `GET /v1/query/:path` */
export type QueryResponse<V = unknown> = {
  readonly path: string
  readonly height: number
  readonly value: V | null
  readonly proof?: unknown
}

/** A `tx` event of `GET /v1/events`. */
export type TxEvent = {
  readonly hash: string
  readonly status: 'pending' | 'committed' | 'rejected'
  readonly height?: number
  readonly index?: number
  readonly error?: NodeErrorBody
}

/** A `block` event of `GET /v1/events`. */
export type BlockEvent = {
  readonly height: number
  readonly hash: string
  readonly stateRoot: string
  readonly timeMs: number
  readonly txs: readonly string[]
  readonly round: number
}
