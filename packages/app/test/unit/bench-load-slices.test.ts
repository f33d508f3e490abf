import { parseMetricsText } from '@govchain/network'
import { describe, expect, it } from 'vitest'
import { type NodeUsage } from '../../src/bench/load/sampler.js'
import { defaultSliceCount, windowSlices, type SliceBoundary } from '../../src/bench/load/slices.js'

describe('bench load: default slice count', () => {
  it.each([
    [4, 1],
    [10, 1],
    [19.9, 1],
    [20, 2],
    [60, 6],
    [100, 10],
    [300, 10],
    [3600, 10],
  ])('a %s s window → %i slices', (windowS, slices) => {
    expect(defaultSliceCount(windowS)).toBe(slices)
  })
})

describe('bench load: the window in slices', () => {
  /** One node's /metrics: `commits` blocks committed in `commitS` s, `validated` blocks with root/exec times. */
  const metrics = (
    commits: number,
    commitS: number,
    validated: number,
    rootS: number,
    execS: number,
    leveldbMiB?: number,
  ) =>
    parseMetricsText(
      [
        ...(leveldbMiB === undefined
          ? []
          : [
              `govchain_leveldb_written_bytes_total ${leveldbMiB * 1024 * 1024}`,
              `govchain_store_written_bytes_total ${(leveldbMiB / 10) * 1024 * 1024}`,
            ]),
        `govchain_block_commit_seconds_sum ${commitS}`,
        `govchain_block_commit_seconds_count ${commits}`,
        `govchain_block_validation_phase_seconds_sum{phase="stateRoot"} ${rootS}`,
        `govchain_block_validation_phase_seconds_count{phase="stateRoot"} ${validated}`,
        `govchain_block_validation_phase_seconds_sum{phase="execution"} ${execS}`,
        `govchain_block_validation_phase_seconds_count{phase="execution"} ${validated}`,
      ].join('\n'),
    )
  const usage = (cpu: number | null, rss: number | null): NodeUsage => ({
    name: 'n',
    pid: 1,
    cpuPercent: cpu,
    cpuPeakPercent: cpu,
    mainThreadCpuPercent: cpu,
    rssMeanMiB: rss,
    rssPeakMiB: rss,
    anonPeakMiB: rss,
    mempoolPeak: 0,
    alive: true,
  })
  // Window from t = 10,000 ms, two slices of 2 s; two nodes.
  const boundaries: SliceBoundary[] = [
    { atMs: 10_000, mark: 0, height: 5, metrics: [metrics(0, 0, 0, 0, 0, 4), metrics(0, 0, 0, 0, 0)] },
    {
      atMs: 12_000,
      mark: 2,
      height: 7,
      // node 0: 2 commits of 50 ms, 2 validations (root 100 ms, exec 20 ms); node 1: 2 commits of 70 ms
      metrics: [metrics(2, 0.1, 2, 0.2, 0.04, 10), metrics(2, 0.14, 0, 0, 0)],
    },
    {
      atMs: 14_000,
      mark: 4,
      height: 10,
      // node 0: 3 more commits (90 ms each), 3 validations (root 300 ms); node 1's scrape failed
      metrics: [metrics(5, 0.37, 5, 1.1, 0.1, 31), new Map()],
    },
  ]
  const slices = windowSlices({
    boundaries,
    windowStartMs: 10_000,
    offeredPerSecond: [10, 10, 20, 20],
    txs: [
      { submittedAtMs: 10_100, committedAtMs: 10_900 }, // slice 0, 800 ms
      { submittedAtMs: 10_500, committedAtMs: 12_500 }, // submitted in 0, committed in 1: 2,000 ms
      { submittedAtMs: 11_000, committedAtMs: 11_400 }, // slice 0, 400 ms
      { submittedAtMs: 12_100, committedAtMs: 13_100 }, // slice 1, 1,000 ms
      { submittedAtMs: 12_200, committedAtMs: null }, // never committed
      { submittedAtMs: null, committedAtMs: null },
      { submittedAtMs: 13_000, committedAtMs: 14_500 }, // committed after the window
    ],
    blocks: [
      { atMs: 10_500, txs: 1 },
      { atMs: 11_500, txs: 3 },
      { atMs: 13_000, txs: 4 },
      { atMs: 14_000, txs: 100 }, // at the window's end: in no slice
    ],
    usage: (from, to) =>
      from === 0 && to === 2 ? [usage(40, 300), usage(60, 500)] : [usage(50, 600), usage(null, null)],
  })

  it('cuts the window at the boundaries', () => {
    expect(slices.map((s) => [s.fromS, s.toS, s.height])).toEqual([
      [0, 2, 7],
      [2, 4, 10],
    ])
  })

  it('counts offers and commits per second of each slice', () => {
    expect(slices.map((s) => s.offeredPerS)).toEqual([10, 20])
    expect(slices.map((s) => s.committedPerS)).toEqual([1, 1])
  })

  it('takes the latency of the transactions submitted in the slice', () => {
    expect(slices[0]).toMatchObject({ latencyP50Ms: 800, latencyP99Ms: 2000 })
    expect(slices[1]).toMatchObject({ latencyP50Ms: 1000, latencyP99Ms: 1500 })
  })

  it('counts the blocks seen in the slice and their transactions', () => {
    expect(slices.map((s) => [s.blocks, s.txsPerBlock])).toEqual([
      [2, 2],
      [1, 4],
    ])
  })

  it('averages the node figures over the nodes that have them', () => {
    expect(slices[0]!.nodeCpuPercent).toBe(50)
    expect(slices[0]!.nodeRssMiB).toBe(400)
    expect(slices[0]!.blockCommitMs).toBeCloseTo(60)
    expect(slices[0]!.stateRootMs).toBeCloseTo(100)
    expect(slices[0]!.executionMs).toBeCloseTo(20)
    expect(slices[1]!.nodeCpuPercent).toBe(50)
    expect(slices[1]!.nodeRssMiB).toBe(600)
    expect(slices[1]!.blockCommitMs).toBeCloseTo(90)
    expect(slices[1]!.stateRootMs).toBeCloseTo(300)
    // Only node 0 reports LevelDB compactions (node 1 predates the metric).
    expect(slices.map((s) => s.leveldbWrittenMiB)).toEqual([6, 21])
    expect(slices[0]!.storeWrittenMiB).toBeCloseTo(0.6, 9)
    expect(slices[1]!.storeWrittenMiB).toBeCloseTo(2.1, 9)
  })

  it('reports no latency or block figures for an empty slice, and no slice for a single boundary', () => {
    const empty = windowSlices({
      boundaries: [boundaries[0]!, { ...boundaries[0]!, atMs: 11_000, mark: 1 }],
      windowStartMs: 10_000,
      offeredPerSecond: [],
      txs: [],
      blocks: [],
      usage: () => [usage(null, null)],
    })
    expect(empty).toEqual([
      {
        fromS: 0,
        toS: 1,
        offeredPerS: 0,
        committedPerS: 0,
        latencyP50Ms: null,
        latencyP99Ms: null,
        blocks: 0,
        txsPerBlock: null,
        height: 5,
        nodeCpuPercent: null,
        nodeRssMiB: null,
        blockCommitMs: null,
        executionMs: null,
        stateRootMs: null,
        storeWrittenMiB: 0,
        leveldbWrittenMiB: 0,
      },
    ])
    expect(
      windowSlices({
        boundaries: [boundaries[0]!],
        windowStartMs: 10_000,
        offeredPerSecond: [1],
        txs: [],
        blocks: [],
        usage: () => [],
      }),
    ).toEqual([])
  })
})
