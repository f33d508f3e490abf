/**
 * The HTTP API routes (interfaces.md). Inputs are validated strictly (JSON schema without
 * coercion or stripping, then the ledger decoders); every failure is a coded error (errors.ts).
 */
import type { FastifyInstance } from 'fastify'
import { fromBase64, fromHex, createTxFromBytes, type ChainParams, type Transaction } from '@govchain/ledger'
import { ApiError, ApiErrorCode } from '../errors.js'
import type { NodeEvents } from '../events.js'
import type { NodeMetrics } from '../metrics.js'
import { RateLimiter } from '../p2p/rate-limiter.js'
import { explorerHtml } from './explorer.js'
import { serveEvents } from './sse.js'

export type TxStatusJson = {
  hash: string
  status: 'pending' | 'committed' | 'rejected'
  height?: number
  index?: number
  receipt?: unknown
  error?: { code: string; message: string }
}

export type StatusJson = {
  chainId: string
  node: { name: string; org: string; peerId: string }
  height: number
  blockHash: string
  stateRoot: string
  validators: unknown[]
  peers: number
  syncing: boolean
  [more: string]: unknown
}

/** What the routes need from a node (GovchainNode implements it). */
export type ApiBackend = {
  readonly chainId: string
  readonly params: ChainParams
  readonly events: NodeEvents
  readonly metrics: NodeMetrics
  /** Admits to the mempool and gossips; throws a coded error. */
  submitTx(tx: Transaction): Promise<void>
  txStatus(hash: Uint8Array): Promise<TxStatusJson | undefined>
  block(height: number | 'latest'): Promise<unknown>
  status(): Promise<StatusJson>
  record(id: string, prove: boolean): Promise<unknown>
  /** The sender's next nonce: committed, and counting its transactions queued here. */
  account(publicKey: Uint8Array): Promise<AccountJson>
  /** Any application query path, with a proof of its `proveKeys` if asked. */
  query(path: string, params: Readonly<Record<string, string>>, prove: boolean): Promise<QueryJson>
}

export type AccountJson = { publicKey: string; nonce: number; pendingNonce: number }

export type QueryJson = { path: string; height: number; value: unknown; proof?: unknown }

export type RouteOptions = {
  readonly apiTxsPerSecond: number
  readonly apiTxBurst: number
}

const HASH_PARAM = {
  type: 'object',
  required: ['hash'],
  additionalProperties: false,
  properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const

export function registerRoutes(app: FastifyInstance, backend: ApiBackend, opts: RouteOptions): void {
  const limiter = new RateLimiter({ perSecond: opts.apiTxsPerSecond, burst: opts.apiTxBurst })
  const maxTxBase64 = Math.ceil((backend.params.maxTxBytes * 4) / 3) + 4

  app.post(
    '/v1/txs',
    {
      schema: {
        body: {
          type: 'object',
          required: ['tx'],
          additionalProperties: false,
          // The length limit is checked in the handler, to answer 413 rather than 400.
          properties: { tx: { type: 'string', minLength: 1 } },
        },
      },
    },
    async (req, reply) => {
      if (!limiter.take(req.ip))
        throw new ApiError(ApiErrorCode.RATE_LIMITED, 'too many transactions from this client; slow down')
      const { tx: text } = req.body as { tx: string }
      if (text.length > maxTxBase64)
        throw new ApiError(ApiErrorCode.TOO_LARGE, `transaction exceeds ${backend.params.maxTxBytes} bytes`)
      const bytes = fromBase64(text, 'tx')
      const tx = createTxFromBytes(bytes, backend.params.maxTxBytes)
      await backend.submitTx(tx)
      return reply.code(202).send({ hash: tx.hashHex() })
    },
  )

  app.get('/v1/txs/:hash', { schema: { params: HASH_PARAM } }, async (req) => {
    const { hash } = req.params as { hash: string }
    const status = await backend.txStatus(fromHex(hash, 32, 'hash'))
    if (status === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, `transaction ${hash} is unknown`)
    return status
  })

  app.get('/v1/blocks/latest', async () => {
    const block = await backend.block('latest')
    if (block === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, 'no block committed yet')
    return block
  })

  app.get(
    '/v1/blocks/:height',
    {
      schema: {
        params: {
          type: 'object',
          required: ['height'],
          additionalProperties: false,
          properties: { height: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } },
        },
      },
    },
    async (req) => {
      const height = Number((req.params as { height: string }).height)
      const block = await backend.block(height)
      if (block === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, `block ${height} is not committed`)
      return block
    },
  )

  app.get('/v1/status', async () => backend.status())

  app.get(
    '/v1/events',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            tx: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            types: { type: 'string', pattern: '^(block|tx)(,(block|tx))?$' },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query as { tx?: string; types?: string }
      serveEvents(req, reply, backend.events, {
        types: new Set((q.types ?? 'block,tx').split(',')),
        tx: q.tx ?? null,
      })
    },
  )

  app.get(
    '/v1/records/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { prove: { type: 'string', enum: ['true', 'false'] } },
        },
      },
    },
    async (req) => {
      const { id } = req.params as { id: string }
      const prove = (req.query as { prove?: string }).prove === 'true'
      const record = await backend.record(id, prove)
      if (record === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, `record ${id} does not exist`)
      return record
    },
  )

  app.get(
    '/v1/accounts/:publicKey',
    {
      schema: {
        params: {
          type: 'object',
          required: ['publicKey'],
          additionalProperties: false,
          properties: { publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
        },
      },
    },
    async (req) => {
      const { publicKey } = req.params as { publicKey: string }
      return backend.account(fromHex(publicKey, 32, 'publicKey'))
    },
  )

  app.get(
    '/v1/query/:path',
    {
      schema: {
        params: {
          type: 'object',
          required: ['path'],
          additionalProperties: false,
          properties: { path: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,31}$' } },
        },
        querystring: {
          type: 'object',
          maxProperties: 16,
          properties: { prove: { type: 'string', enum: ['true', 'false'] } },
          // Repeated parameters arrive as arrays and are refused here.
          additionalProperties: { type: 'string', maxLength: 256 },
        },
      },
    },
    async (req) => {
      const { path } = req.params as { path: string }
      const { prove, ...params } = req.query as Record<string, string>
      return backend.query(path, params, prove === 'true')
    },
  )

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', backend.metrics.register.contentType)
    return backend.metrics.register.metrics()
  })

  app.get('/', async (_req, reply) => {
    reply.header('content-type', 'text/html; charset=utf-8')
    return explorerHtml(backend.chainId)
  })
}
