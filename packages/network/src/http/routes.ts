/**
 * The HTTP API routes (interfaces.md). Inputs are validated strictly (JSON schema without
 * coercion or stripping, then the ledger decoders); every failure is a coded error (errors.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { fromBase64, fromHex, createTxFromBytes, type ChainParams, type Transaction } from '@govchain/ledger'
import { ApiError, ApiErrorCode } from '../errors.js'
import { toHttpError } from './errors.js'
import type { NodeEvents } from '../events.js'
import type { NodeMetrics } from '../metrics.js'
import { RateLimiter } from '../p2p/rate-limiter.js'
import {
  EXPLORER_CSP,
  explorerHtml,
  explorerScript,
  explorerStyle,
  type ExplorerAsset,
} from '../explorer/serve.js'
import { serveEvents } from './sse.js'

export type TxSummaryJson = {
  type: string
  sender: string
  nonce: number
  expiryHeight: number | null
  size: number
}

export type TxStatusJson = {
  hash: string
  status: 'pending' | 'committed' | 'rejected'
  height?: number
  index?: number
  receipt?: unknown
  error?: { code: string; message: string }
  /** The transaction itself, when this node holds it (pending here, or committed). */
  tx?: TxSummaryJson & { payload: string }
}

export type BlockTxsJson = {
  height: number
  total: number
  from: number
  txs: (TxSummaryJson & { index: number; hash: string })[]
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
  /**
   * Admits a batch in order: what `submitTx` threw for each (undefined: admitted). A node verifies
   * the batch's signatures together first; without this method the route submits one by one.
   */
  submitTxs?(txs: readonly Transaction[]): Promise<readonly unknown[]>
  txStatus(hash: Uint8Array): Promise<TxStatusJson | undefined>
  block(height: number | 'latest'): Promise<unknown>
  status(): Promise<StatusJson>
  record(id: string, prove: boolean): Promise<unknown>
  /** Transactions of a committed block, `limit` from index `from`; undefined if not committed. */
  blockTxs(height: number, from: number, limit: number): Promise<BlockTxsJson | undefined>
  /** The genesis document (the light client's trust root) and its hash. */
  genesis(): { genesis: unknown; hash: string }
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
  /** HTTP status of the application's error codes (others: by name, else 400). */
  readonly appStatusOf?: (code: string) => number | undefined
}

/** One entry of `POST /v1/txs/batch`'s answer: the status a single `POST /v1/txs` would have had. */
export type TxBatchResultJson =
  | { status: 202; hash: string }
  | {
      status: number
      hash?: string
      error: { code: string; message: string; details?: Record<string, unknown> }
    }

const HEIGHT_PARAM = {
  type: 'object',
  required: ['height'],
  additionalProperties: false,
  properties: { height: { type: 'string', pattern: '^[1-9][0-9]{0,14}$' } },
} as const

/** Most transactions in one `POST /v1/txs/batch`. */
export const MAX_TX_BATCH = 256
/** Largest body of `POST /v1/txs/batch` (at least room for one maximal transaction). */
export const MAX_TX_BATCH_BODY_BYTES = 4 * 1024 * 1024

/** Largest page of `GET /v1/blocks/:height/txs`. */
export const MAX_BLOCK_TXS_PAGE = 500
/** Query parameters of `GET /v1/query/:path`: how many, and their names and values. */
export const MAX_QUERY_PARAMS = 16
const QUERY_PARAM_NAME = '^[A-Za-z][A-Za-z0-9_-]{0,31}$'
const QUERY_PARAM_VALUE = '^[\\x20-\\x7e]{0,256}$'

const HASH_PARAM = {
  type: 'object',
  required: ['hash'],
  additionalProperties: false,
  properties: { hash: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
} as const

export function registerRoutes(app: FastifyInstance, backend: ApiBackend, opts: RouteOptions): void {
  const limiter = new RateLimiter({ perSecond: opts.apiTxsPerSecond, burst: opts.apiTxBurst })
  const maxTxBase64 = Math.ceil((backend.params.maxTxBytes * 4) / 3) + 4

  /** The transaction in `text`, or the coded error a submission of it gets. */
  const decodeTx = (text: string): Transaction => {
    if (text.length > maxTxBase64)
      throw new ApiError(ApiErrorCode.TOO_LARGE, `transaction exceeds ${backend.params.maxTxBytes} bytes`)
    return createTxFromBytes(fromBase64(text, 'tx'), backend.params.maxTxBytes)
  }

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
      const tx = decodeTx((req.body as { tx: string }).tx)
      await backend.submitTx(tx)
      return reply.code(202).send({ hash: tx.hashHex() })
    },
  )

  // Many transactions in one request: 200 with, in order, what `POST /v1/txs` would have answered
  // for each. Each pays the client's rate limit and is decoded and admitted on its own.
  app.post(
    '/v1/txs/batch',
    {
      bodyLimit: Math.max(MAX_TX_BATCH_BODY_BYTES, maxTxBase64 + 1024),
      schema: {
        body: {
          type: 'object',
          required: ['txs'],
          additionalProperties: false,
          properties: {
            txs: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_TX_BATCH,
              items: { type: 'string', minLength: 1 },
            },
          },
        },
      },
    },
    async (req) => {
      const texts = (req.body as { txs: string[] }).txs
      const results = new Array<TxBatchResultJson>(texts.length)
      const failed = (e: unknown, hash?: string): TxBatchResultJson => {
        const { status, body } = toHttpError(e, opts.appStatusOf)
        if (status === 500) req.log.error({ err: e }, 'batch entry failed')
        return hash === undefined ? { status, ...body } : { status, hash, ...body }
      }
      const decoded: { readonly index: number; readonly tx: Transaction }[] = []
      for (let i = 0; i < texts.length; i++) {
        try {
          if (!limiter.take(req.ip))
            throw new ApiError(ApiErrorCode.RATE_LIMITED, 'too many transactions from this client; slow down')
          decoded.push({ index: i, tx: decodeTx(texts[i]!) })
        } catch (e) {
          results[i] = failed(e)
        }
      }
      const txs = decoded.map((d) => d.tx)
      const outcomes = backend.submitTxs ? await backend.submitTxs(txs) : await submitEach(backend, txs)
      decoded.forEach(({ index, tx }, k) => {
        const outcome = outcomes[k]
        results[index] =
          outcome === undefined ? { status: 202, hash: tx.hashHex() } : failed(outcome, tx.hashHex())
      })
      return { results }
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

  app.get('/v1/blocks/:height', { schema: { params: HEIGHT_PARAM } }, async (req) => {
    const height = Number((req.params as { height: string }).height)
    const block = await backend.block(height)
    if (block === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, `block ${height} is not committed`)
    return block
  })

  app.get(
    '/v1/blocks/:height/txs',
    {
      schema: {
        params: HEIGHT_PARAM,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', pattern: '^(0|[1-9][0-9]{0,5})$' },
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
          },
        },
      },
    },
    async (req) => {
      const height = Number((req.params as { height: string }).height)
      const q = req.query as { from?: string; limit?: string }
      const limit = Number(q.limit ?? 100)
      if (limit > MAX_BLOCK_TXS_PAGE)
        throw new ApiError(ApiErrorCode.BAD_REQUEST, `limit must be at most ${MAX_BLOCK_TXS_PAGE}`)
      const txs = await backend.blockTxs(height, Number(q.from ?? 0), limit)
      if (txs === undefined) throw new ApiError(ApiErrorCode.NOT_FOUND, `block ${height} is not committed`)
      return txs
    },
  )

  app.get('/v1/genesis', async () => backend.genesis().genesis)

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
        // Every parameter is one printable-ASCII string (a repeated name arrives as an array: 400).
        querystring: {
          type: 'object',
          maxProperties: MAX_QUERY_PARAMS,
          propertyNames: { pattern: QUERY_PARAM_NAME },
          properties: { prove: { type: 'string', enum: ['true', 'false'] } },
          additionalProperties: { type: 'string', pattern: QUERY_PARAM_VALUE },
        },
      },
    },
    async (req) => {
      const { path } = req.params as { path: string }
      const { prove, ...params } = req.query as Record<string, string>
      return backend.query(path, params, prove === 'true')
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
            status: {
              type: 'string',
              pattern: '^(pending|committed|rejected)(,(pending|committed|rejected)){0,2}$',
            },
          },
        },
      },
    },
    async (req, reply) => {
      const q = req.query as { tx?: string; types?: string; status?: string }
      serveEvents(req, reply, backend.events, {
        types: new Set((q.types ?? 'block,tx').split(',')),
        tx: q.tx ?? null,
        status: q.status === undefined ? null : new Set(q.status.split(',')),
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

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', backend.metrics.register.contentType)
    return backend.metrics.register.metrics()
  })

  // The explorer: the page, its stylesheet and its script (explorer/serve.ts).
  const sendAsset = (
    req: { headers: Record<string, string | string[] | undefined> },
    reply: FastifyReply,
    a: ExplorerAsset,
  ) => {
    reply.header('etag', a.etag).header('cache-control', 'no-cache')
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send()
    return reply.header('content-type', a.contentType).send(a.body)
  }
  app.get('/explorer/app.js', async (req, reply) => sendAsset(req, reply, await explorerScript()))
  app.get('/explorer/style.css', async (req, reply) => sendAsset(req, reply, explorerStyle()))
  app.get('/', async (_req, reply) => {
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', EXPLORER_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
    return explorerHtml(backend.chainId)
  })
}

/** `submitTx` for each in order: what each threw (undefined: admitted). */
export async function submitEach(
  backend: Pick<ApiBackend, 'submitTx'>,
  txs: readonly Transaction[],
): Promise<unknown[]> {
  const out: unknown[] = []
  for (const tx of txs) {
    try {
      await backend.submitTx(tx)
      out.push(undefined)
    } catch (e) {
      out.push(e)
    }
  }
  return out
}
