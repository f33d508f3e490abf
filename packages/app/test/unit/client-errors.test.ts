/**
 * How the client codes answers that are not the node API's: a proxy's 502 page, a 200 that is
 * not JSON or not an object, an event stream that is not one, a hash that is not the sent one.
 * (The node's own answers are covered against a real node in test/e2e/client.test.ts.)
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyPairFromSeed } from '@govchain/ledger'
import { buildLicenceApprove, GovchainClient, signTx } from '../../src/index.js'

let server: Server
let client: GovchainClient
/** What the fake node answers to POST /v1/txs/batch. */
let batchAnswer = '{}'

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? ''
    if (url === '/v1/status')
      return void res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>')
    if (url.startsWith('/v1/blocks/1')) return void res.writeHead(200).end('not json')
    if (url.startsWith('/v1/blocks/2'))
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('[1]')
    if (url.startsWith('/v1/events'))
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    if (url === '/v1/txs')
      return void res.writeHead(202, { 'content-type': 'application/json' }).end('{"hash":"00"}')
    if (url === '/v1/txs/batch') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(batchAnswer)
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"error":{"code":"API_NOT_FOUND","message":"no"}}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  client = new GovchainClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`)
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('GovchainClient on answers that are not the API', () => {
  const tx = signTx(buildLicenceApprove({ recordId: 'L' }), {
    chainId: 'c',
    keyPair: keyPairFromSeed('k'),
    nonce: 0,
  })
  const batch = (answer: string) => {
    batchAnswer = answer
    return client.submitBatch([tx])
  }
  it.each<[string, string, () => Promise<unknown>, number | undefined]>([
    ['an HTTP error without a coded body', 'CLIENT_HTTP', () => client.status(), 502],
    ['a 200 that is not JSON', 'CLIENT_BAD_RESPONSE', () => client.getBlock(1), 200],
    ['a 200 that is not an object', 'CLIENT_BAD_RESPONSE', () => client.getBlock(2), 200],
    [
      'an event stream that is not one',
      'CLIENT_BAD_RESPONSE',
      () => client.waitForCommit('ab'.repeat(32), { timeoutMs: 1000 }),
      undefined,
    ],
    ['another transaction hash', 'CLIENT_BAD_RESPONSE', () => client.submit(tx), undefined],
    ['a coded error', 'API_NOT_FOUND', () => client.getTx('ab'.repeat(32)), 404],
    ['a batch answer without results', 'CLIENT_BAD_RESPONSE', () => batch('{}'), undefined],
    ['a batch answer of another length', 'CLIENT_BAD_RESPONSE', () => batch('{"results":[]}'), undefined],
    ['a batch entry without a status', 'CLIENT_BAD_RESPONSE', () => batch('{"results":[{}]}'), undefined],
    [
      'a batch entry admitted under another hash',
      'CLIENT_BAD_RESPONSE',
      () => batch('{"results":[{"status":202,"hash":"00"}]}'),
      undefined,
    ],
    [
      'a refused batch entry without a coded error',
      'CLIENT_BAD_RESPONSE',
      () => batch('{"results":[{"status":409}]}'),
      undefined,
    ],
    ['an empty batch', 'CLIENT_BAD_INPUT', () => client.submitBatch([]), undefined],
    ['a malformed hash argument', 'CLIENT_BAD_INPUT', () => client.getTx('xyz'), undefined],
  ])('%s → %s', async (_what, code, call, httpStatus) => {
    const e = (await call().catch((x: unknown) => x)) as { code: string; httpStatus?: number }
    expect([e.code, e.httpStatus]).toEqual([code, httpStatus])
  })

  it("gives each refused batch entry the node's code and status, and each admitted one its hash", async () => {
    batchAnswer = JSON.stringify({
      results: [
        { status: 202, hash: tx.hashHex() },
        { status: 409, hash: tx.hashHex(), error: { code: 'MEMPOOL_DUPLICATE', message: 'already pending' } },
      ],
    })
    const [ok, refused] = await client.submitBatch([tx, tx])
    expect(ok).toEqual({ hash: tx.hashHex() })
    expect(refused).toMatchObject({
      hash: tx.hashHex(),
      error: { code: 'MEMPOOL_DUPLICATE', httpStatus: 409, nodeError: { code: 'MEMPOOL_DUPLICATE' } },
    })
  })
})
