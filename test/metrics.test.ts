/**
 * Observability: scrape `/metrics` of real node processes and check that the metrics an operator
 * watches move as blocks commit — height, rounds per height, commit latency, validation phase
 * timings, mempool size, transactions accepted / rejected by code, peers, sync progress — and
 * that `/v1/status` answers for load balancers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSignedTx, encode } from '@govchain/ledger'
import { Cluster } from './helpers/cluster.js'

/** Sum of the samples of `name` whose labels include every given label (Prometheus text format). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum = (sum ?? 0) + Number(m[3])
  }
  return sum
}

describe('node metrics move as blocks commit', () => {
  let c: Cluster
  const scrape = async (i: number) => (await fetch(`${c.api(i)}/metrics`)).text()

  beforeAll(async () => {
    c = await Cluster.start(4)
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('exposes every operator metric with its unit in the name', async () => {
    await c.waitForHeight([0, 1, 2, 3], 1)
    const text = await scrape(0)
    for (const name of [
      'govchain_chain_height',
      'govchain_consensus_rounds_per_height',
      'govchain_consensus_commit_latency_seconds',
      'govchain_block_validation_phase_seconds',
      'govchain_block_commit_seconds',
      'govchain_mempool_txs',
      'govchain_mempool_bytes',
      'govchain_txs_accepted_total',
      'govchain_txs_rejected_total',
      'govchain_txs_committed_total',
      'govchain_txs_preverified_total',
      'govchain_p2p_peers',
      'govchain_sync_target_height',
      'govchain_sync_behind_blocks',
      'govchain_sync_active',
      'govchain_sync_blocks_applied_total',
      'govchain_process_cpu_seconds_total',
      'govchain_store_written_bytes_total',
      'govchain_leveldb_written_bytes_total',
      'govchain_leveldb_compaction_seconds_total',
      'govchain_leveldb_files',
      'govchain_leveldb_memtable_bytes',
    ])
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'))
    // The node's LevelDB answers for itself: its memtable holds the chain so far.
    expect(Number(/^govchain_leveldb_memtable_bytes (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0)
    // Every histogram and counter carries its unit or `_total`.
    const types = [...text.matchAll(/^# TYPE (\S+) (counter|histogram)$/gm)]
    for (const [, name, type] of types)
      expect(name, `${type} ${name}`).toMatch(
        type === 'counter' ? /_total$/ : /_(seconds|bytes|per_height|per_message)$/,
      )
  })

  it('height, rounds, latency, validation phases and transaction counters advance', async () => {
    const before = await scrape(0)
    const h0 = metric(before, 'govchain_chain_height')!
    const acct = c.accounts[0]!
    // Ten good transactions, one for another chain (refused with its code), one replayed.
    const txs = Array.from({ length: 10 }, (_, k) => c.tx(0, `m${k}`, `v${k}`))
    for (const tx of txs) expect((await c.submit(0, tx)).status).toBe(202)
    const foreign = createSignedTx(
      {
        chainId: 'other-chain',
        sender: acct.key.publicKey,
        nonce: 99,
        type: 'kv.put',
        payload: encode({ key: 'x', value: 'y' }),
        expiryHeight: null,
      },
      acct.key.secretKey,
    )
    expect((await c.submit(0, foreign)).body.error.code).toBe('TX_WRONG_CHAIN')
    // Replayed: a duplicate while pending, or already committed (both 409, counted by code).
    const replay = await c.submit(0, txs[0]!)
    expect(replay.status).toBe(409)
    const replayCode = replay.body.error.code as string
    await c.waitFor(
      async () => (await c.get(0, `/v1/txs/${txs[9]!.hashHex()}`)).body.status === 'committed',
      30_000,
      'txs to commit',
    )
    await c.waitForHeight([0, 1, 2, 3], h0 + 4)

    const after = await scrape(0)
    expect(metric(after, 'govchain_chain_height')!).toBeGreaterThanOrEqual(h0 + 4)
    const grew = (name: string, by: number, labels: Record<string, string> = {}) =>
      expect(
        (metric(after, name, labels) ?? 0) - (metric(before, name, labels) ?? 0),
        name,
      ).toBeGreaterThanOrEqual(by)
    grew('govchain_blocks_committed_total', 4)
    grew('govchain_consensus_rounds_per_height_count', 4)
    grew('govchain_consensus_commit_latency_seconds_count', 4)
    grew('govchain_consensus_commit_latency_seconds_sum', 0.001)
    // Node 0 validates the blocks the three others propose.
    grew('govchain_block_validation_phase_seconds_count', 2, { phase: 'signatures' })
    grew('govchain_block_validation_phase_seconds_count', 2, { phase: 'execution' })
    grew('govchain_txs_accepted_total', 10, { source: 'api' })
    grew('govchain_txs_committed_total', 10)
    grew('govchain_txs_rejected_total', 1, { source: 'api', code: 'TX_WRONG_CHAIN' })
    grew('govchain_txs_rejected_total', 1, { source: 'api', code: replayCode })
    expect(metric(after, 'govchain_mempool_txs')).toBe(0)
    expect(metric(after, 'govchain_p2p_peers')).toBe(3)
    // The others received them by gossip, and verified their signatures a batch at a time first.
    const peer = await scrape(1)
    expect(metric(peer, 'govchain_txs_accepted_total', { source: 'gossip' })).toBeGreaterThanOrEqual(10)
    expect(metric(peer, 'govchain_txs_preverified_total')).toBeGreaterThanOrEqual(10)
  })

  it('logs: a child logger per module, and nothing a client sent at info level', async () => {
    const { readFileSync } = await import('node:fs')
    const lines = readFileSync(`${c.network.nodes[0]!.home}/node.log`, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; module?: string; msg: string })
    const info = lines.filter((l) => l.level >= 30)
    expect(info.length).toBeGreaterThan(0)
    for (const l of info) expect(l.module, l.msg).toMatch(/^[a-z-]+$/)
    // The refused foreign-chain transaction of the previous test left no trace at info or above.
    expect(info.filter((l) => JSON.stringify(l).includes('other-chain'))).toEqual([])
  })

  it('sync progress: a node that was down catches up, and its gauges say so', async () => {
    await c.kill(3)
    const h = await c.height(0)
    await c.waitForHeight([0, 1, 2], h + 3)
    await c.startNode(3)
    await c.waitForHeight([3], h + 3)
    await c.waitFor(
      async () => metric(await scrape(3), 'govchain_sync_behind_blocks') === 0,
      20_000,
      'node 3 to report it is caught up',
    )
    const text = await scrape(3)
    expect(metric(text, 'govchain_sync_blocks_applied_total')!).toBeGreaterThan(0)
    expect(metric(text, 'govchain_sync_target_height')!).toBeGreaterThanOrEqual(h + 3)
    expect(metric(text, 'govchain_sync_active')).toBe(0)
    const status = await c.get(3, '/v1/status')
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({ syncing: false, sync: { behind: 0 } })
    expect(status.body.height).toBeGreaterThanOrEqual(h + 3)
  })
})
