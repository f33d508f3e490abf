import { parseMetricsText } from '@govchain/network'
import { describe, expect, it } from 'vitest'
import { metricsDelta, readProcCpuSeconds, readProcMemoryBytes } from '../../src/bench/load/sampler.js'

const linux = process.platform === 'linux'

function spin(ms: number): void {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x += Math.sqrt(x + 1)
  expect(x).toBeGreaterThan(0)
}

describe('bench load: CPU time from /proc', () => {
  it.skipIf(!linux)('reads the process and its main thread; the main thread is part of the process', () => {
    const pid = process.pid
    const process0 = readProcCpuSeconds(pid)!
    const main0 = readProcCpuSeconds(pid, pid)!
    spin(300)
    const main1 = readProcCpuSeconds(pid, pid)!
    const process1 = readProcCpuSeconds(pid)!
    expect(main1 - main0).toBeGreaterThanOrEqual(0.2)
    expect(process1 - process0).toBeGreaterThanOrEqual(main1 - main0 - 0.02)
    expect(main1).toBeLessThanOrEqual(process1 + 0.01)
  })

  it('reads null for a process or thread that does not exist', () => {
    expect(readProcCpuSeconds(2 ** 30)).toBeNull()
    expect(readProcCpuSeconds(process.pid, 2 ** 30)).toBeNull()
  })
})

describe('bench load: memory from /proc', () => {
  it.skipIf(!linux)('reads RSS and its anonymous part; a touched buffer counts in both', () => {
    const before = readProcMemoryBytes(process.pid)
    const big = Buffer.alloc(64 * 1024 * 1024, 1)
    const after = readProcMemoryBytes(process.pid)
    expect(big[big.length - 1]).toBe(1)
    expect(before.anon!).toBeLessThanOrEqual(before.rss!)
    expect(after.anon! - before.anon!).toBeGreaterThanOrEqual(48 * 1024 * 1024)
    expect(after.rss! - before.rss!).toBeGreaterThanOrEqual(48 * 1024 * 1024)
  })

  it('reads null for a process that does not exist', () => {
    expect(readProcMemoryBytes(2 ** 30)).toEqual({ rss: null, anon: null })
  })
})

describe('bench load: metrics between two scrapes', () => {
  const scrapeText = (messages: number, txs: number, commits: number) =>
    [
      '# HELP govchain_gossip_txs_per_message Transactions per tx gossip message',
      `govchain_gossip_txs_per_message_sum ${txs}`,
      `govchain_gossip_txs_per_message_count ${messages}`,
      `govchain_block_commit_seconds_sum ${commits * 0.05}`,
      `govchain_block_commit_seconds_count ${commits}`,
    ].join('\n')

  it('reports tx gossip messages and their mean transactions over the window', () => {
    const d = metricsDelta(
      parseMetricsText(scrapeText(10, 40, 2)),
      parseMetricsText(scrapeText(110, 1040, 12)),
    )
    expect(d.txGossipMessages).toBe(100)
    expect(d.txsPerGossipMessage).toBe(10)
    expect(d.blockCommitMs).toBeCloseTo(50)
  })

  it('reports what the node wrote, what its LevelDB wrote, and compaction time between the scrapes', () => {
    const at = (storeMb: number, leveldbMb: number, s: number) =>
      parseMetricsText(
        [
          `govchain_store_written_bytes_total ${storeMb * 1024 * 1024}`,
          `govchain_leveldb_written_bytes_total ${leveldbMb * 1024 * 1024}`,
          `govchain_leveldb_compaction_seconds_total ${s}`,
        ].join('\n'),
      )
    expect(metricsDelta(at(16, 24, 1), at(40, 424, 9))).toMatchObject({
      storeWrittenMiB: 24,
      leveldbWrittenMiB: 400,
      leveldbCompactionSeconds: 8,
    })
    // A node without the metrics (older, or not LevelDB): no figure rather than zero.
    expect(metricsDelta(new Map(), new Map())).toMatchObject({
      storeWrittenMiB: null,
      leveldbWrittenMiB: null,
      leveldbCompactionSeconds: null,
    })
  })

  it('reports the proposals whose blocks the node rebuilt, and those it fetched or could not get', () => {
    const at = (local: number, waited: number, fetched: number, unavailable: number) =>
      parseMetricsText(
        [
          `govchain_proposal_blocks_total{source="local"} ${local}`,
          `govchain_proposal_blocks_total{source="waited"} ${waited}`,
          `govchain_proposal_blocks_total{source="fetched"} ${fetched}`,
          `govchain_proposal_blocks_total{source="unavailable"} ${unavailable}`,
        ].join('\n'),
      )
    expect(metricsDelta(at(10, 1, 0, 0), at(50, 3, 2, 1)).proposalBlocks).toEqual({ rebuilt: 42, fetched: 3 })
    // Only some sources counted yet (prom-client exports a label once it was used).
    const onlyLocal = parseMetricsText('govchain_proposal_blocks_total{source="local"} 7')
    expect(metricsDelta(new Map(), onlyLocal).proposalBlocks).toEqual({ rebuilt: 7, fetched: 0 })
    // A node that predates compact proposals.
    expect(metricsDelta(new Map(), new Map()).proposalBlocks).toBeNull()
  })

  it('reports no mean when no tx gossip message arrived (or the node predates the metric)', () => {
    const same = parseMetricsText(scrapeText(5, 9, 1))
    expect(metricsDelta(same, same)).toMatchObject({ txGossipMessages: 0, txsPerGossipMessage: null })
    expect(metricsDelta(new Map(), new Map())).toMatchObject({
      txGossipMessages: 0,
      txsPerGossipMessage: null,
    })
  })
})
