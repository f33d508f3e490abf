import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/metrics.js'

const MB = 1024 * 1024

const stats = (flushMb: number, compactMb: number, readMb: number, seconds: number) =>
  [
    '                               Compactions',
    'Level  Files Size(MB) Time(sec) Read(MB) Write(MB)',
    '--------------------------------------------------',
    `  0        1        2         0        0 ${String(flushMb).padStart(9)}`,
    `  1        4        8 ${String(seconds).padStart(9)} ${String(readMb).padStart(8)} ${String(compactMb).padStart(9)}`,
  ].join('\n')

/** `name value` of an unlabelled sample in Prometheus text. */
const sample = (text: string, name: string): number | undefined => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m === null ? undefined : Number(m[1])
}

describe('storage metrics: LevelDB statistics at each scrape', () => {
  it('follow the store: counters rise with its totals, gauges show its state', async () => {
    const metrics = createMetrics()
    const properties: Record<string, string> = {
      'leveldb.stats': stats(16, 24, 20, 1),
      'leveldb.approximate-memory-usage': '3000000',
    }
    let written = 7 * MB
    metrics.setStorageSource({ property: (name) => properties[name], writtenBytes: () => written })
    let text = await metrics.register.metrics()
    expect(sample(text, 'govchain_leveldb_written_bytes_total')).toBe(40 * MB)
    expect(sample(text, 'govchain_store_written_bytes_total')).toBe(7 * MB)
    expect(sample(text, 'govchain_leveldb_compaction_read_bytes_total')).toBe(20 * MB)
    expect(sample(text, 'govchain_leveldb_compaction_seconds_total')).toBe(1)
    expect(sample(text, 'govchain_leveldb_files')).toBe(5)
    expect(sample(text, 'govchain_leveldb_size_bytes')).toBe(10 * MB)
    expect(sample(text, 'govchain_leveldb_memtable_bytes')).toBe(3_000_000)
    expect(text).toMatch(/^# TYPE govchain_leveldb_written_bytes_total counter$/m)

    properties['leveldb.stats'] = stats(40, 100, 90, 7)
    written = 10 * MB
    await new Promise((r) => setTimeout(r, 150)) // one read per scrape: past the 100 ms reuse
    text = await metrics.register.metrics()
    expect(sample(text, 'govchain_leveldb_written_bytes_total')).toBe(140 * MB)
    expect(sample(text, 'govchain_store_written_bytes_total')).toBe(10 * MB)
    expect(sample(text, 'govchain_leveldb_compaction_seconds_total')).toBe(7)
  })

  it('stay at zero without a store, or when the store has no such statistics', async () => {
    const metrics = createMetrics()
    let text = await metrics.register.metrics()
    expect(sample(text, 'govchain_leveldb_written_bytes_total')).toBe(0)
    metrics.setStorageSource({ property: () => undefined, writtenBytes: () => 0 })
    text = await metrics.register.metrics()
    expect(sample(text, 'govchain_leveldb_written_bytes_total')).toBe(0)
    expect(sample(text, 'govchain_store_written_bytes_total')).toBe(0)
    expect(sample(text, 'govchain_leveldb_memtable_bytes')).toBe(0)
  })
})
