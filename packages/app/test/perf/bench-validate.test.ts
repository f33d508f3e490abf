/**
 * `govchain bench validate` end to end on a small case: fixtures built, the case run in its own
 * process, and a report whose figures hang together (JSON as documented, HTML with its charts).
 * Correctness of the harness, not speed: no figure is compared with a threshold of time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it, vi } from 'vitest'
import {
  BenchError,
  BenchErrorCode,
  PHASES,
  runValidationBench,
  type ValidationBenchReport,
} from '../../src/bench/index.js'
import { runCli } from '../../src/cli/main.js'
import {
  ensureBlockFixture,
  ensureStateFixture,
  openStateClone,
  openStoreClone,
} from '../../src/bench/fixture.js'
import { recordingStore, replayWrites } from '../../src/bench/storage-floor.js'
import { createBlockFromBytes, toHex, type KvStore } from '@govchain/ledger'

const dir = mkdtempSync(join(tmpdir(), 'govchain-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

describe('bench validate', () => {
  it('validates blocks of 40 and 120 transactions and reports consistent figures', async () => {
    const out = sink()
    const report: ValidationBenchReport = await runValidationBench({
      sizes: [40, 120],
      stateKeys: [5_000],
      rounds: 2,
      warmup: 0,
      senders: 50,
      dir: join(dir, 'cache'),
      json: join(dir, 'report.json'),
      html: join(dir, 'report.html'),
      progress: false,
      out: out.stream,
    })
    expect(report.cases.map((c) => c.txs)).toEqual([40, 120])
    // The state holds the requested keys (the filler's last record may add one).
    for (const c of report.cases) expect(c.stateKeys - 5_000).toBeOneOf([0, 1, 2, 3])
    for (const c of report.cases) {
      const phaseSum = PHASES.reduce((s, p) => s + c.phases[p], 0)
      expect(phaseSum).toBeGreaterThan(0)
      expect(c.phases.execution).toBeGreaterThan(0)
      expect(c.txsPerSecond).toBeGreaterThan(0)
      expect(c.rawLimitPerSecond).toBeGreaterThan(0)
      expect(c.ratioToRawLimit).toBeCloseTo(c.txsPerSecond / c.rawLimitPerSecond, 9)
      expect(c.warm.txsPerSecond).toBeGreaterThan(0)
      expect(c.noblePerSecond).toBeGreaterThan(0)
      expect(c.peakRssMb).toBeGreaterThan(10)
      expect(c.processPeakRssMb).toBeGreaterThanOrEqual(c.peakRssMb)
      expect(c.peakRssMb).toBe(Math.max(c.cold.peakRssMb, c.warm.peakRssMb))
      expect(c.cpu.otherUsPerTx).toBeCloseTo((c.warm.cpuMs * 1000) / c.txs, 9)
      expect(c.cpu.signatureUsPerTx).toBeCloseTo(1e6 / c.verifiers.single, 9)
      expect(c.cpu.cpuBoundRatio).toBeGreaterThan(0)
      // The storage floor: at least a tx index entry and a receipt per transaction, and the block.
      expect(c.storage.operations).toBeGreaterThan(2 * c.txs)
      expect(c.storage.bytes).toBeGreaterThan(c.blockBytes)
      expect(c.storage.cpuMs).toBeGreaterThan(0)
      expect(c.cpu.storageUsPerTx).toBeCloseTo((c.storage.cpuMs * 1000) / c.txs, 9)
      expect(c.cpu.storageBoundRatio).toBeGreaterThan(0)
      if (process.platform === 'linux') {
        // Sampled by this process while the case process validated (asked over IPC per round).
        expect(c.peakAnonRssMb).toBeGreaterThan(10)
        expect(c.peakAnonRssMb).toBeLessThanOrEqual(c.peakRssMb)
        expect(c.peakAnonRssMb).toBe(Math.max(c.cold.peakAnonRssMb!, c.warm.peakAnonRssMb!))
      }
    }
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ValidationBenchReport
    expect(json.cases).toHaveLength(2)
    expect(json.machine.cores).toBeGreaterThan(0)
    const html = readFileSync(join(dir, 'report.html'), 'utf8')
    expect(html).toContain('<svg')
    expect(html).toContain('aria-label="CPU per transaction against the raw limit"')
    expect(out.text()).toContain('ratio = validated tx/s ÷ raw limit')
    expect(out.text()).toContain('40 txs')
    expect(out.text()).toContain('What the hardware allows')
    expect(out.text()).toContain('bound at storage alone‡')
    if (process.platform === 'linux') expect(out.text()).toContain('anon peak†')
  }, 120_000)

  it("the storage floor's writes, replayed into a fresh clone, make the same database as the commit", async () => {
    const cache = join(dir, 'cache')
    const fixture = await ensureStateFixture({ root: cache, keys: 5_000, senders: 50, seed: 1 })
    const block = await ensureBlockFixture({ fixture, txs: 120, seed: 2, work: join(dir, 'floor-build') })
    let recording: ReturnType<typeof recordingStore> | undefined
    const committed = await openStateClone(fixture, join(dir, 'floor-a'), {
      wrapStore: (store) => (recording = recordingStore(store)).store,
    })
    const replayed = await openStoreClone(fixture, join(dir, 'floor-b'))
    try {
      const decoded = createBlockFromBytes(block.bytes, committed.chain.params)
      const executed = await committed.chain.validateBlock(decoded, {
        nowMs: decoded.header.timeMs,
        round: decoded.header.round,
      })
      await committed.chain.commitBlock(executed, block.certificate)
      const floor = await replayWrites(replayed.store, recording!.recorded)
      expect(floor.operations).toBeGreaterThan(2 * block.txs)
      const dump = async (store: KvStore) => {
        const out = new Map<string, string>()
        for await (const [k, v] of store.range({})) out.set(toHex(k), toHex(v))
        return out
      }
      const [a, b] = [await dump(committed.store), await dump(replayed.store)]
      expect(b.size).toBe(a.size)
      for (const [k, v] of a) expect(b.get(k), k).toBe(v)
    } finally {
      await committed.close()
      await replayed.close()
    }
  }, 120_000)

  it('refuses a state too small for the workload with a coded error', async () => {
    await expect(
      runValidationBench({ stateKeys: [500], sizes: [10], progress: false, out: sink().stream }),
    ).rejects.toSatisfy((e) => e instanceof BenchError && e.code === BenchErrorCode.BAD_OPTION)
  })

  it.each([
    [['bench', 'validate', '--sizes', '10,abc']],
    [['bench', 'validate', '--verifier', 'gpu']],
    [['bench', 'validate', '--rounds', '0']],
  ])('govchain %j is a usage error (exit 2)', async (args) => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      expect(await runCli(args)).toBe(2)
    } finally {
      err.mockRestore()
    }
  })
})
