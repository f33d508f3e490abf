/** The load driver's submission: one POST per transaction, or per-node batches (`batchMs`). */
import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { Driver } from '../../src/bench/load/driver.js'
import { NodeHttp, type PostAnswer } from '../../src/bench/load/http.js'
import { Tracker } from '../../src/bench/load/tracker.js'
import type { PreparedTx } from '../../src/bench/load/workload.js'

const prepared = (i: number): PreparedTx => ({
  hash: `h${i}`,
  body: Buffer.from(`{"tx":"T${i}"}`),
  base64: `T${i}`,
  type: 'licence.apply',
  sender: i % 7,
  nonce: i,
  tx: undefined as never,
})

type Post = { readonly node: number; readonly at: number; readonly txs: string[] }

/** Nodes that record what they are sent and answer each transaction with `codeOf(tx)`. */
function fakeNodes(n: number, codeOf: (tx: string, attempt: number) => string | null = () => null) {
  const posts: Post[] = []
  const attempts = new Map<string, number>()
  const answer = (tx: string) => {
    const k = (attempts.get(tx) ?? 0) + 1
    attempts.set(tx, k)
    return codeOf(tx, k)
  }
  const nodes = Array.from({ length: n }, (_, node) => ({
    postTx: async (body: Buffer): Promise<PostAnswer> => {
      const tx = (JSON.parse(body.toString()) as { tx: string }).tx
      posts.push({ node, at: performance.now(), txs: [tx] })
      const code = answer(tx)
      return { status: code === null ? 202 : 400, code }
    },
    postBatch: async (body: Buffer, count: number): Promise<(string | null)[]> => {
      const txs = (JSON.parse(body.toString()) as { txs: string[] }).txs
      expect(txs).toHaveLength(count)
      posts.push({ node, at: performance.now(), txs })
      await new Promise((r) => setTimeout(r, 2))
      return txs.map(answer)
    },
  }))
  return { nodes: nodes as unknown as NodeHttp[], posts }
}

/** Offers `txs` at `rate` for `durationMs` (default: just long enough for all of them). */
async function drive(driver: Driver, txs: number, rate: number, durationMs = (txs / rate) * 1000) {
  const pool = Array.from({ length: txs }, (_, i) => prepared(i))
  await driver.run([{ name: 'main', rate, durationMs }], pool)
  while (driver.inFlight > 0) await new Promise((r) => setTimeout(r, 5))
}

describe('load driver', () => {
  it('without batches, posts every transaction once, round-robin, one request each', async () => {
    const { nodes, posts } = fakeNodes(3)
    const tracker = new Tracker(3)
    const driver = new Driver(nodes, tracker)
    await drive(driver, 60, 600)
    expect(posts).toHaveLength(60)
    expect(posts.map((p) => p.txs[0]).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `T${i}`).sort())
    expect(posts.filter((p) => p.node === 0)).toHaveLength(20)
    expect(tracker.accepted).toBe(60)
  })

  it('with batches, sends each node its share in requests that waited at most batchMs', async () => {
    const { nodes, posts } = fakeNodes(2)
    const tracker = new Tracker(2)
    const driver = new Driver(nodes, tracker, { batchMs: 40 })
    await drive(driver, 400, 2000)
    const sent = posts.flatMap((p) => p.txs)
    expect(sent.sort()).toEqual(Array.from({ length: 400 }, (_, i) => `T${i}`).sort())
    expect(posts.length).toBeLessThan(40) // ~200 ms of offers, batches of up to 40 ms per node
    // Round-robin: node 0 gets the even offers, node 1 the odd ones.
    for (const p of posts) for (const t of p.txs) expect(Number(t.slice(1)) % 2).toBe(p.node)
    expect(tracker.accepted).toBe(400)
    // Latency counts from the offer: no accepted transaction is dated after its request left,
    // nor earlier than the batch delay (plus the loop's tick) before it.
    for (const p of posts) {
      for (const t of p.txs) {
        const at = tracker.get(`h${t.slice(1)}`)!.submittedAtMs!
        expect(at).toBeLessThanOrEqual(p.at)
        expect(p.at - at).toBeLessThan(40 + 30)
      }
    }
  })

  it('caps a batch at 256 transactions', async () => {
    const { nodes, posts } = fakeNodes(1)
    const driver = new Driver(nodes, new Tracker(1), { batchMs: 1000 })
    await drive(driver, 600, 6000)
    expect(posts.map((p) => p.txs.length)).toEqual([256, 256, 88])
  })

  it('answers each entry of a batch on its own: accepted, re-queued for capacity, refused for good', async () => {
    const codeOf = (tx: string, attempt: number) => {
      const i = Number(tx.slice(1))
      if (i % 3 === 1 && attempt === 1) return 'MEMPOOL_FULL'
      if (i % 3 === 2) return 'TX_BAD_NONCE'
      return null
    }
    const { nodes } = fakeNodes(2, codeOf)
    const tracker = new Tracker(2)
    const driver = new Driver(nodes, tracker, { batchMs: 20 })
    // Room in the window for the retries too: a retry takes a slot of the offered rate.
    await drive(driver, 30, 600, 200)
    // Capacity refusals are offered again (in the window, before new ones, or after it).
    await driver.flushRetries(600, () => false)
    while (driver.inFlight > 0) await new Promise((r) => setTimeout(r, 5))
    expect(tracker.accepted).toBe(20)
    expect(driver.retries).toHaveLength(0)
    expect(driver.finalRefusals.get('TX_BAD_NONCE')).toBe(10)
    expect(driver.refused.get('MEMPOOL_FULL')).toBe(10)
    for (let k = 0; k < 10; k++) expect(tracker.get(`h${3 * k + 1}`)!.attempts).toBe(2)
    expect(driver.offered).toBe(40)
  })

  it('re-queues every entry of a batch whose request failed, as of unknown admission', async () => {
    const nodes = [
      { postBatch: async (_b: Buffer, count: number) => new Array<string>(count).fill('NETWORK') },
    ] as unknown as NodeHttp[]
    const tracker = new Tracker(1)
    const driver = new Driver(nodes, tracker, { batchMs: 10 })
    await drive(driver, 12, 1200)
    expect(driver.retries).toHaveLength(12)
    expect(driver.retries.every((t) => t.unknown)).toBe(true)
    expect(tracker.accepted).toBe(0)
  })
})

describe('load HTTP client: a batch answer to codes per entry', () => {
  it.each<[string, number, string, (string | null)[]]>([
    [
      'entries admitted and refused',
      200,
      '{"results":[{"status":202,"hash":"a"},{"status":503,"error":{"code":"MEMPOOL_FULL","message":"m"}}]}',
      [null, 'MEMPOOL_FULL'],
    ],
    ['an entry without a code', 200, '{"results":[{"status":202},{"status":400}]}', [null, 'BAD_ANSWER']],
    ['results of another length', 200, '{"results":[]}', ['HTTP_200', 'HTTP_200']],
    [
      'the whole request refused',
      413,
      '{"error":{"code":"API_TOO_LARGE","message":"m"}}',
      ['API_TOO_LARGE', 'API_TOO_LARGE'],
    ],
    ['not JSON', 502, '<h1>Bad gateway</h1>', ['HTTP_502', 'HTTP_502']],
  ])('%s', async (_what, status, body, codes) => {
    const server = createServer((_req, res) => res.writeHead(status).end(body))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const http = new NodeHttp(`http://127.0.0.1:${(server.address() as { port: number }).port}`)
    try {
      expect(await http.postBatch(Buffer.from('{"txs":["a","b"]}'), 2)).toEqual(codes)
    } finally {
      http.close()
      await new Promise<void>((r) => server.close(() => r()))
    }
  })

  it('gives NETWORK to every entry when no answer comes', async () => {
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((r) => server.close(() => r()))
    const http = new NodeHttp(`http://127.0.0.1:${port}`)
    expect(await http.postBatch(Buffer.from('{"txs":["a"]}'), 1)).toEqual(['NETWORK'])
    expect(await http.postTx(Buffer.from('{"tx":"a"}'))).toEqual({ status: 0, code: 'NETWORK' })
    http.close()
  })
})
