/**
 * Transactions a node acknowledged survive its kill -9 (mempool-journal.ts). Node 3 holds its
 * tx batches for 10 s (`p2p.txBatchDelayMs`), so what it acknowledges has reached no peer by
 * gossip when it is killed — unless node 3 proposed a block meanwhile, since a proposal sends the
 * queued batch first (gossip.ts `publishProposal`); the test cannot keep node 3 from its turn, so
 * it does not require the peers to lack them. The transactions carry nonces after a gap, so no
 * block can take them meanwhile. Restarted, node 3 admits them again from its journal (its
 * counter and log line show it) and offers them to its peers; once the missing nonce is sent to
 * another node, every one of them commits everywhere.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from './helpers/cluster.js'

const JOURNALED = 3
const HELD_MS = 10_000

/** The node's `mempool journal replayed` log lines, parsed. */
function replays(c: Cluster, i: number): { restored: number; dropped: number }[] {
  return readFileSync(join(c.network.nodes[i]!.home, 'node.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"mempool journal replayed"'))
    .map((l) => JSON.parse(l) as { restored: number; dropped: number })
}

describe('acknowledged transactions and kill -9', () => {
  let c: Cluster
  beforeAll(async () => {
    c = await Cluster.start(4, {
      configure: (i, config) =>
        i === JOURNALED ? { ...config, p2p: { ...config.p2p, txBatchDelayMs: HELD_MS } } : config,
    })
    await c.waitForHeight([0, 1, 2, 3], 2, 60_000)
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('are admitted again after a restart and commit', async () => {
    const gap = c.tx(0, 'journal-gap', 'sent last, elsewhere')
    const held = Array.from({ length: 5 }, (_, k) => c.tx(0, `journal-${k}`, `value ${k}`))
    const started = performance.now()
    for (const tx of held) expect((await c.submit(JOURNALED, tx)).status).toBe(202)
    // Node 3 has them, pending behind the gap.
    for (const tx of held) {
      expect((await c.get(JOURNALED, `/v1/txs/${tx.hashHex()}`)).body.status).toBe('pending')
    }
    await c.kill(JOURNALED)
    expect(performance.now() - started).toBeLessThan(HELD_MS) // its batch timer never fired

    await c.startNode(JOURNALED)
    expect(await c.metric(JOURNALED, 'govchain_txs_accepted_total{source="journal"}')).toBe(held.length)
    expect(replays(c, JOURNALED)).toEqual([expect.objectContaining({ restored: held.length, dropped: 0 })])
    for (const tx of held)
      expect((await c.get(JOURNALED, `/v1/txs/${tx.hashHex()}`)).body.status).toBe('pending')

    expect((await c.submit(0, gap)).status).toBe(202)
    const all = [gap, ...held]
    await c.waitFor(
      async () => {
        const s = await Promise.all(all.map((tx) => c.get(0, `/v1/txs/${tx.hashHex()}`)))
        return s.every((r) => r.body?.status === 'committed')
      },
      60_000,
      'the gap and the journaled transactions to commit',
    )
    // Committed, they left the journal: a second restart finds it empty (no second replay).
    await c.waitForHeight([JOURNALED], await c.height(0), 30_000)
    await c.kill(JOURNALED)
    await c.startNode(JOURNALED)
    expect(replays(c, JOURNALED)).toHaveLength(1)
  })
})
