/** The explorer's view of the node's HTTP API (same origin). Shapes: packages/network/README.md. */
import type { BlockEvent, TxEvent } from '../events.js'
import type { BlockTxsJson, QueryJson, TxStatusJson } from '../http/routes.js'

export type { BlockEvent, BlockTxsJson, QueryJson, TxEvent, TxStatusJson }

export type ValidatorJson = {
  publicKey: string
  power: number
  name: string | null
  member: string | null
}

export type StatusJson = {
  chainId: string
  genesisHash: string
  node: { name: string; org: string; peerId: string }
  height: number
  blockHash: string
  stateRoot: string
  timeMs: number
  validators: ValidatorJson[]
  peers: number
  peerList: { peerId: string; member: string | null }[]
  syncing: boolean
  sync: { targetHeight: number; behind: number }
  consensus: { height: number; round: number; step: string }
  mempool: { txs: number; bytes: number }
}

export type BlockJson = {
  height: number
  hash: string
  header: Record<string, unknown> & { timeMs: number; proposer: string; round: number }
  txs: string[]
  evidence: unknown[]
  certificate: { round: number; signatures: { validatorIndex: number; signature: string }[] }
  signers: string[]
  /** When this node committed the block and its commit latency, if it still remembers them. */
  committedAtMs?: number
  latencyMs?: number | null
}

export type RecordAnswer = { id: string; height: number; record: unknown; proof?: unknown }

export type ApiResult<T> =
  | { readonly ok: true; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string }

/** GET a JSON route; network failures and coded errors come back as `ok: false`. */
export async function get<T>(path: string): Promise<ApiResult<T>> {
  let r: Response
  try {
    r = await fetch(path, { headers: { accept: 'application/json' } })
  } catch (e) {
    return { ok: false, status: 0, code: 'NETWORK', message: (e as Error).message }
  }
  let body: unknown
  try {
    body = await r.json()
  } catch {
    return { ok: false, status: r.status, code: 'NOT_JSON', message: `HTTP ${r.status}` }
  }
  if (!r.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error
    return { ok: false, status: r.status, code: err?.code ?? `HTTP_${r.status}`, message: err?.message ?? '' }
  }
  return { ok: true, body: body as T }
}

export const api = {
  status: () => get<StatusJson>('/v1/status'),
  genesis: () => get<unknown>('/v1/genesis'),
  block: (height: number | 'latest') => get<BlockJson>(`/v1/blocks/${height}`),
  blockTxs: (height: number, from = 0, limit = 100) =>
    get<BlockTxsJson>(`/v1/blocks/${height}/txs?from=${from}&limit=${limit}`),
  tx: (hash: string) => get<TxStatusJson>(`/v1/txs/${hash}`),
  record: (id: string) => get<RecordAnswer>(`/v1/records/${encodeURIComponent(id)}?prove=true`),
  query: (path: string, params: Record<string, string> = {}) =>
    get<QueryJson>(`/v1/query/${path}?${new URLSearchParams(params).toString()}`),
}
