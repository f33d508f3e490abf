/**
 * Compact proposals when a member cannot rebuild them: node 3 runs with the `dropTxGossip` fault
 * (it ignores every gossiped transaction), so the blocks nodes 0 and 1 propose name transactions
 * it never had. It has to fetch each such block whole from the proposer over the sync protocol
 * before it can vote. Node 2 is killed first, so every commit needs node 3's votes: the chain
 * moving on at all shows that the fetched blocks were validated and voted for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from './helpers/cluster.js'

const DROPS_TX_GOSSIP = 3
const KILLED = 2

describe('proposals whose transactions a member never received', () => {
  let c: Cluster
  beforeAll(async () => {
    c = await Cluster.start(4, {
      configure: (i, config) =>
        i === DROPS_TX_GOSSIP ? { ...config, faults: { dropTxGossip: true } } : config,
    })
    await c.waitForHeight([0, 1, 2, 3], 2, 60_000)
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('are fetched whole from the proposer and voted for; every transaction commits', async () => {
    await c.kill(KILLED)
    const committed = new Set<string>()
    const stop = c.followBlocks(DROPS_TX_GOSSIP, (b) => b.txs.forEach((h) => committed.add(h)))
    // Sent only to nodes 0 and 1: node 3 never holds them, whoever proposes them.
    const txs = Array.from({ length: 60 }, (_, k) => c.tx(k % 2, `fetched-${k}`, `value ${k}`))
    for (const [k, tx] of txs.entries()) expect((await c.submit(k % 2, tx)).status).toBe(202)
    try {
      await c.waitFor(
        async () => txs.every((tx) => committed.has(tx.hashHex())),
        90_000,
        'every transaction to commit on the node that drops transaction gossip',
      )
    } finally {
      stop()
    }

    const fetched = await c.metric(DROPS_TX_GOSSIP, 'govchain_proposal_blocks_total{source="fetched"}')
    const rebuilt =
      (await c.metric(DROPS_TX_GOSSIP, 'govchain_proposal_blocks_total{source="local"}')) +
      (await c.metric(DROPS_TX_GOSSIP, 'govchain_proposal_blocks_total{source="waited"}'))
    const missing = await c.metric(DROPS_TX_GOSSIP, 'govchain_proposal_txs_missing_total')
    console.log(
      `[figures] node ${DROPS_TX_GOSSIP}: ${fetched} proposals fetched, ${rebuilt} rebuilt (empty or own)`,
    )
    expect(fetched).toBeGreaterThan(0)
    expect(missing).toBeGreaterThanOrEqual(fetched)
    // It dropped what it was sent: nothing entered its mempool by gossip.
    expect(await c.metric(DROPS_TX_GOSSIP, 'govchain_txs_accepted_total{source="gossip"}')).toBe(0)

    const height = Math.min(await c.height(0), await c.height(1), await c.height(DROPS_TX_GOSSIP))
    const chain = await c.chainOf(0, height)
    expect(await c.chainOf(1, height)).toEqual(chain)
    expect(await c.chainOf(DROPS_TX_GOSSIP, height)).toEqual(chain)
  })
})
