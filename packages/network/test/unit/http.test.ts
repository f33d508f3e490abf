/** HTTP validation and error codes through fastify.inject (routes + error mapping + mempool). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import {
  createSignedTx,
  DEFAULT_CHAIN_PARAMS,
  encode,
  GovchainError,
  keyPairFromSeed,
  toBase64,
  TxError,
  TxErrorCode,
  type Transaction,
} from '@govchain/ledger'
import { createHttpServer } from '../../src/http/server.js'
import { toHttpError } from '../../src/http/errors.js'
import type { ApiBackend } from '../../src/http/routes.js'
import { Mempool } from '../../src/mempool.js'
import { NodeEvents } from '../../src/events.js'
import { createMetrics } from '../../src/metrics.js'
import { silentLogger } from '../../src/logger.js'
import { KvAppError, KvAppErrorCode } from '../../src/builtin-kv-app.js'
import { EXPLORER_CSP } from '../../src/explorer/serve.js'

const alice = keyPairFromSeed('alice')
const bob = keyPairFromSeed('bob')
const tx = (nonce: number, chainId = 'http-test', key = alice): Transaction =>
  createSignedTx(
    {
      chainId,
      sender: key.publicKey,
      nonce,
      type: 'kv.put',
      payload: encode({ key: 'k', value: 'v' }),
      expiryHeight: null,
    },
    key.secretKey,
  )

describe('HTTP API validation', () => {
  let app: FastifyInstance
  let mempool: Mempool
  const events = new NodeEvents()
  const queries: { path: string; params: Readonly<Record<string, string>>; prove: boolean }[] = []
  beforeAll(async () => {
    mempool = new Mempool(
      {
        checkTx: async (t) => {
          if (t.chainId !== 'http-test') throw new TxError(TxErrorCode.WRONG_CHAIN, 'other chain')
          if (!t.verifySignature()) throw new TxError(TxErrorCode.BAD_SIGNATURE, 'bad signature')
        },
        nonceOf: async () => 0,
        isCommitted: async () => false,
      },
      { maxTxs: 3 },
    )
    const backend: ApiBackend = {
      chainId: 'http-test',
      params: DEFAULT_CHAIN_PARAMS,
      events,
      metrics: createMetrics(),
      submitTx: async (t) => void (await mempool.add(t)),
      txStatus: async (h) =>
        mempool.has(Buffer.from(h).toString('hex'))
          ? { hash: Buffer.from(h).toString('hex'), status: 'pending' }
          : undefined,
      block: async () => undefined,
      status: async () => ({
        chainId: 'http-test',
        node: { name: 'n', org: 'o', peerId: 'p' },
        height: 0,
        blockHash: '',
        stateRoot: '',
        validators: [],
        peers: 0,
        syncing: false,
      }),
      record: async () => undefined,
      blockTxs: async (height, from, limit) =>
        height === 1 ? { height, total: 0, from, txs: [].slice(from, from + limit) } : undefined,
      genesis: () => ({ genesis: { chainId: 'http-test' }, hash: 'ab' }),
      account: async (pk) => {
        const hex = Buffer.from(pk).toString('hex')
        return { publicKey: hex, nonce: 0, pendingNonce: mempool.pendingNonce(hex) ?? 0 }
      },
      query: async (path, params, prove) => {
        if (path === 'nope') throw new KvAppError(KvAppErrorCode.UNKNOWN_QUERY, 'unknown query nope')
        queries.push({ path, params, prove })
        return { path, height: 0, value: { params, prove } }
      },
    }
    app = await createHttpServer(backend, { logger: silentLogger(), apiTxsPerSecond: 1000, apiTxBurst: 1000 })
  })
  afterAll(async () => {
    await app?.close()
  })

  const get = (url: string) => app.inject({ method: 'GET', url })
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/v1/txs', payload, headers: { 'content-type': contentType } })
  const b64 = (t: Transaction | Uint8Array) =>
    JSON.stringify({ tx: toBase64(t instanceof Uint8Array ? t : t.serialize()) })
  const corrupt = () => {
    const b = new Uint8Array(tx(9).serialize())
    b[b.length - 2]! ^= 1
    return b
  }

  it.each([
    ['malformed JSON', () => post('{"tx"'), 400, 'API_BAD_REQUEST'],
    ['missing field', () => post('{}'), 400, 'API_BAD_REQUEST'],
    ['extra field', () => post('{"tx":"AAAA","x":1}'), 400, 'API_BAD_REQUEST'],
    ['number instead of string', () => post('{"tx":5}'), 400, 'API_BAD_REQUEST'],
    ['text/plain', () => post('hello', 'text/plain'), 415, 'API_UNSUPPORTED_MEDIA_TYPE'],
    ['non-canonical base64', () => post('{"tx":"AAA"}'), 400, 'DECODE_BAD_SHAPE'],
    ['not CBOR', () => post(b64(new Uint8Array([0xff]))), 400, 'DECODE_MALFORMED_CBOR'],
    ['body too large', () => post(JSON.stringify({ tx: 'A'.repeat(200_000) })), 413, 'API_TOO_LARGE'],
    ['tx too large', () => post(JSON.stringify({ tx: 'A'.repeat(90_000) })), 413, 'API_TOO_LARGE'],
    ['wrong chain', () => post(b64(tx(0, 'other'))), 400, 'TX_WRONG_CHAIN'],
    ['bad signature', () => post(b64(corrupt())), 403, 'TX_BAD_SIGNATURE'],
    ['bad hash param', () => app.inject({ method: 'GET', url: '/v1/txs/ABC' }), 400, 'API_BAD_REQUEST'],
    [
      'unknown tx',
      () => app.inject({ method: 'GET', url: `/v1/txs/${'a'.repeat(64)}` }),
      404,
      'API_NOT_FOUND',
    ],
    ['height zero', () => app.inject({ method: 'GET', url: '/v1/blocks/0' }), 400, 'API_BAD_REQUEST'],
    ['unknown block', () => app.inject({ method: 'GET', url: '/v1/blocks/5' }), 404, 'API_NOT_FOUND'],
    ['bad record id', () => app.inject({ method: 'GET', url: '/v1/records/a%20b' }), 400, 'API_BAD_REQUEST'],
    [
      'bad prove flag',
      () => app.inject({ method: 'GET', url: '/v1/records/a?prove=yes' }),
      400,
      'API_BAD_REQUEST',
    ],
    ['unknown route', () => app.inject({ method: 'GET', url: '/v2/x' }), 404, 'API_NOT_FOUND'],
    ['block txs of an unknown block', () => get('/v1/blocks/5/txs'), 404, 'API_NOT_FOUND'],
    ['block txs page too large', () => get('/v1/blocks/1/txs?limit=501'), 400, 'API_BAD_REQUEST'],
    ['block txs bad from', () => get('/v1/blocks/1/txs?from=-1'), 400, 'API_BAD_REQUEST'],
    ['block txs unknown parameter', () => get('/v1/blocks/1/txs?x=1'), 400, 'API_BAD_REQUEST'],
    ['events: unknown status', () => get('/v1/events?status=done'), 400, 'API_BAD_REQUEST'],
    [
      'events: status list too long',
      () => get('/v1/events?status=pending,pending,pending,pending'),
      400,
      'API_BAD_REQUEST',
    ],
    ['query path with capitals', () => get('/v1/query/Record'), 400, 'API_BAD_REQUEST'],
    ['query path too long', () => get(`/v1/query/${'a'.repeat(33)}`), 400, 'API_BAD_REQUEST'],
    ['query parameter repeated', () => get('/v1/query/record?id=a&id=b'), 400, 'API_BAD_REQUEST'],
    ['query parameter name', () => get('/v1/query/record?%24where=1'), 400, 'API_BAD_REQUEST'],
    [
      'query parameter value too long',
      () => get(`/v1/query/record?id=${'a'.repeat(257)}`),
      400,
      'API_BAD_REQUEST',
    ],
    ['query parameter control char', () => get('/v1/query/record?id=%0a'), 400, 'API_BAD_REQUEST'],
    [
      'too many query parameters',
      () => get(`/v1/query/record?${Array.from({ length: 17 }, (_, i) => `p${i}=1`).join('&')}`),
      400,
      'API_BAD_REQUEST',
    ],
    ['query prove flag', () => get('/v1/query/record?prove=1'), 400, 'API_BAD_REQUEST'],
    ["the application's own code", () => get('/v1/query/nope'), 400, 'KV_UNKNOWN_QUERY'],
    [
      'bad account key',
      () => app.inject({ method: 'GET', url: '/v1/accounts/ABCD' }),
      400,
      'API_BAD_REQUEST',
    ],
  ])('%s → %s %s', async (_what, call, status, code) => {
    const r = await call()
    expect(r.statusCode).toBe(status)
    expect(r.json().error.code).toBe(code)
    expect(mempool.size).toBe(0)
  })

  it('accepts a good transaction once (202), then 409, and 503 when the mempool is full', async () => {
    const first = await post(b64(tx(0)))
    expect(first.statusCode).toBe(202)
    expect(first.json().hash).toBe(tx(0).hashHex())
    expect((await post(b64(tx(0)))).json().error.code).toBe('MEMPOOL_DUPLICATE')
    expect((await post(b64(tx(1)))).statusCode).toBe(202)
    expect((await post(b64(tx(2)))).statusCode).toBe(202)
    const full = await post(b64(tx(3)))
    expect([full.statusCode, full.json().error.code]).toEqual([503, 'MEMPOOL_FULL'])
    const status = await app.inject({ method: 'GET', url: `/v1/txs/${tx(0).hashHex()}` })
    expect(status.json().status).toBe('pending')
  })

  it('passes query parameters through, without prove', async () => {
    const r = await get('/v1/query/record?id=LIC-1&historyLimit=5&prove=true')
    expect(r.statusCode).toBe(200)
    expect(queries.at(-1)).toEqual({
      path: 'record',
      params: { id: 'LIC-1', historyLimit: '5' },
      prove: true,
    })
    expect((await get('/v1/query/tx-types')).json()).toEqual({
      path: 'tx-types',
      height: 0,
      value: { params: {}, prove: false },
    })
    expect(queries.at(-1)?.prove).toBe(false)
  })

  it('serves the genesis document and block transaction pages', async () => {
    expect((await get('/v1/genesis')).json()).toEqual({ chainId: 'http-test' })
    expect((await get('/v1/blocks/1/txs?from=0&limit=10')).json()).toEqual({
      height: 1,
      total: 0,
      from: 0,
      txs: [],
    })
  })

  it('serves the explorer page with a strict CSP, and its assets with etags', async () => {
    const page = await get('/')
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    expect(page.headers['content-security-policy']).toBe(EXPLORER_CSP)
    expect(page.body).toContain('/explorer/app.js')
    const css = await get('/explorer/style.css')
    expect(css.statusCode).toBe(200)
    expect(css.headers['content-type']).toMatch(/text\/css/)
    const again = await app.inject({
      method: 'GET',
      url: '/explorer/style.css',
      headers: { 'if-none-match': String(css.headers.etag) },
    })
    expect(again.statusCode).toBe(304)
    const js = await get('/explorer/app.js')
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/javascript/)
    expect(js.body).not.toMatch(/node:/)
  })

  it('reports the next nonce counting queued transactions, and passes query parameters through', async () => {
    const hex = Buffer.from(alice.publicKey).toString('hex')
    const acct = await app.inject({ method: 'GET', url: `/v1/accounts/${hex}` })
    expect(acct.json()).toEqual({ publicKey: hex, nonce: 0, pendingNonce: 3 })
    const q = await app.inject({ method: 'GET', url: '/v1/query/record?id=LIC-1&prove=true' })
    expect(q.json()).toEqual({ path: 'record', height: 0, value: { params: { id: 'LIC-1' }, prove: true } })
  })

  it("maps the application's codes by its own table, others by name", () => {
    const appStatusOf = (code: string) => (code === 'APP_ALREADY_FINANCED' ? 409 : undefined)
    expect(toHttpError(new GovchainError('APP_ALREADY_FINANCED', 'x'), appStatusOf).status).toBe(409)
    expect(toHttpError(new GovchainError('APP_FORBIDDEN', 'x'), appStatusOf).status).toBe(403)
    expect(toHttpError(new GovchainError('APP_ALREADY_FINANCED', 'x')).status).toBe(400)
  })

  it.each([
    ['types=block,tx', ['pending', 'committed', 'rejected']],
    ['types=block,tx&status=rejected', ['rejected']],
    ['types=block,tx&status=pending,committed', ['pending', 'committed']],
  ])('streams tx events filtered by status (%s)', async (query, expected) => {
    if (app.server.address() === null) await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    const controller = new AbortController()
    const res = await fetch(`http://127.0.0.1:${port}/v1/events?${query}`, { signal: controller.signal })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    await reader.read() // the opening comment: subscribed
    const hash = 'ab'.repeat(32)
    events.emit('tx', { hash, status: 'pending' })
    events.emit('tx', { hash, status: 'committed', height: 1, index: 0 })
    events.emit('tx', { hash, status: 'rejected', error: { code: 'X', message: 'x' } })
    // A block event (never filtered by status) closes the sequence.
    events.emit('block', {
      height: 1,
      hash,
      stateRoot: hash,
      timeMs: 0,
      txs: [],
      round: 0,
      signers: [],
      proposer: hash,
      committedAtMs: 0,
      latencyMs: null,
      source: 'consensus',
    })
    let text = ''
    while (!text.includes('event: block')) {
      const chunk = await reader.read()
      if (chunk.done) break
      text += new TextDecoder().decode(chunk.value)
    }
    controller.abort()
    expect([...text.matchAll(/"status":"([a-z]+)"/g)].map((m) => m[1])).toEqual(expected)
  })

  it('serves Prometheus metrics with units in their names', async () => {
    const r = await app.inject({ method: 'GET', url: '/metrics' })
    expect(r.statusCode).toBe(200)
    expect(r.body).toMatch(/govchain_http_request_seconds_bucket/)
  })

  it('admits a batch in order, each entry answered as a single submission would be', async () => {
    const batch = (txs: unknown) =>
      app.inject({
        method: 'POST',
        url: '/v1/txs/batch',
        payload: JSON.stringify({ txs }),
        headers: { 'content-type': 'application/json' },
      })
    // Empty the pool the test before filled.
    for (const n of [0, 1, 2]) mempool.drop(tx(n).hashHex(), new TxError(TxErrorCode.EXPIRED, 'test'))
    expect(mempool.size).toBe(0)
    const b = (n: number, chainId?: string) => tx(n, chainId, bob)
    const entries = [
      toBase64(b(0).serialize()),
      'AAA', // not canonical base64
      toBase64(corrupt()),
      toBase64(b(0).serialize()), // the first entry again
      toBase64(b(1, 'other').serialize()),
      'A'.repeat(90_000),
      toBase64(b(1).serialize()),
      toBase64(b(2).serialize()),
      toBase64(b(3).serialize()), // the pool holds 3
    ]
    const r = await batch(entries)
    expect(r.statusCode).toBe(200)
    const results = r.json().results as { status: number; hash?: string; error?: { code: string } }[]
    expect(results.map((x) => [x.status, x.error?.code ?? x.hash])).toEqual([
      [202, b(0).hashHex()],
      [400, 'DECODE_BAD_SHAPE'],
      [403, 'TX_BAD_SIGNATURE'],
      [409, 'MEMPOOL_DUPLICATE'],
      [400, 'TX_WRONG_CHAIN'],
      [413, 'API_TOO_LARGE'],
      [202, b(1).hashHex()],
      [202, b(2).hashHex()],
      [503, 'MEMPOOL_FULL'],
    ])
    // A refused entry that decoded names its transaction.
    expect(results[3]!.hash).toBe(b(0).hashHex())
    expect(results[1]!.hash).toBeUndefined()
    expect(mempool.size).toBe(3)
    for (const n of [0, 1, 2]) mempool.drop(b(n).hashHex(), new TxError(TxErrorCode.EXPIRED, 'test'))

    for (const [body, status, code] of [
      [[], 400, 'API_BAD_REQUEST'],
      [Array.from({ length: 257 }, () => 'AAAA'), 400, 'API_BAD_REQUEST'],
      [[5], 400, 'API_BAD_REQUEST'],
      ['AAAA', 400, 'API_BAD_REQUEST'],
      [Array.from({ length: 60 }, () => 'A'.repeat(80_000)), 413, 'API_TOO_LARGE'],
    ] as const) {
      const bad = await batch(body)
      expect([bad.statusCode, bad.json().error.code]).toEqual([status, code])
    }
    expect(mempool.size).toBe(0)
  })
})
