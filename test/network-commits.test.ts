/**
 * Four node processes from the devnet generator commit blocks; 1,000 transactions submitted
 * over HTTP to different nodes all commit; every node reports the same block hash and state
 * root per height. Also measures commit latency (submission → committed, seen over SSE-free
 * polling of the block stream) for the closing note.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from './helpers/cluster.js'

describe('4-node network', () => {
  let c: Cluster
  let startMs = 0

  beforeAll(async () => {
    const t0 = performance.now()
    c = await Cluster.start(4)
    startMs = performance.now() - t0
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('commits transactions about a second after submission under light load', async () => {
    await c.waitForHeight([0, 1, 2, 3], 2, 60_000)
    const sent = new Map<string, number>()
    const latencies: number[] = []
    const stop = c.followBlocks(0, (b) => {
      const now = performance.now()
      for (const h of b.txs) {
        const at = sent.get(h)
        if (at !== undefined) {
          latencies.push(now - at)
          sent.delete(h)
        }
      }
    })
    await new Promise((r) => setTimeout(r, 300))
    for (let k = 0; k < 100; k++) {
      const tx = c.tx(k % 4, `light-${k}`, 'v')
      sent.set(tx.hashHex(), performance.now())
      expect((await c.submit(k % 4, tx)).status).toBe(202)
      await new Promise((r) => setTimeout(r, 100))
    }
    await c.waitFor(async () => latencies.length === 100, 60_000, 'light-load transactions to commit')
    stop()
    latencies.sort((a, b) => a - b)
    const p = (q: number) => Math.round(latencies[Math.min(99, Math.floor(q * 100))]!)
    console.log(
      `[figures] light load (10 tx/s over 4 nodes): commit latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms`,
    )
  })

  it('commits blocks and 1,000 transactions submitted to different nodes, identically everywhere', async () => {
    await c.waitForHeight([0, 1, 2, 3], 2, 60_000)
    const txs = Array.from({ length: 1000 }, (_, k) => c.tx(k % c.accounts.length, `rec-${k}`, `value ${k}`))
    const submitted = new Map<string, number>()
    const latencies: number[] = []
    const committed = new Set<string>()
    const stop = c.followBlocks(0, (b) => {
      const now = performance.now()
      for (const h of b.txs) {
        const at = submitted.get(h)
        if (at !== undefined && !committed.has(h)) {
          committed.add(h)
          latencies.push(now - at)
        }
      }
    })
    await new Promise((r) => setTimeout(r, 300))
    const t0 = performance.now()
    // Each account's transactions go to one node (nonce order per sender), accounts spread over nodes.
    await Promise.all(
      [0, 1, 2, 3].map(async (node) => {
        for (let k = node; k < txs.length; k += 4) {
          submitted.set(txs[k]!.hashHex(), performance.now())
          const r = await c.submit(node, txs[k]!)
          expect(r.status, JSON.stringify(r.body)).toBe(202)
        }
      }),
    )
    const submitMs = performance.now() - t0
    await c.waitFor(async () => committed.size === txs.length, 120_000, 'all transactions to commit')
    stop()
    // Every transaction reports `committed` with its place, on every node.
    for (const hash of [...submitted.keys()].slice(0, 50)) {
      for (const i of [0, 1, 2, 3]) {
        const r = await c.get(i, `/v1/txs/${hash}`)
        expect([r.body.status, typeof r.body.height]).toEqual(['committed', 'number'])
      }
    }
    const height = Math.min(...(await Promise.all([0, 1, 2, 3].map((i) => c.height(i)))))
    const chains = await Promise.all([0, 1, 2, 3].map((i) => c.chainOf(i, height)))
    for (const ch of chains.slice(1)) expect(ch).toEqual(chains[0])
    latencies.sort((a, b) => a - b)
    const p = (q: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!)
    console.log(
      `[figures] devnet start ${(startMs / 1000).toFixed(1)} s; 1000 txs submitted in ${Math.round(submitMs)} ms; ` +
        `burst commit latency p50 ${p(0.5)} ms p99 ${p(0.99)} ms (submit → block event on node 0); height ${height}`,
    )
    // Same tx on another node: already committed → 409.
    const again = await c.submit(2, txs[0]!)
    expect(again.status).toBe(409)
    // Proposals travel as compact blocks: every node rebuilt others' from the transactions it held.
    const rebuilt = await Promise.all(
      [0, 1, 2, 3].map(
        async (i) =>
          (await c.metric(i, 'govchain_proposal_blocks_total{source="local"}')) +
          (await c.metric(i, 'govchain_proposal_blocks_total{source="waited"}')),
      ),
    )
    for (const n of rebuilt) expect(n).toBeGreaterThan(0)
  })
})
