import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLevelStore, openMemoryStore, parseLevelDbStats, type KvWrite } from '../../src/index.js'

const MB = 1024 * 1024

/** What LevelDB 1.23 (classic-level 3) printed for `leveldb.stats` after ~26 MB of random puts. */
const SAMPLE = [
  '                               Compactions',
  'Level  Files Size(MB) Time(sec) Read(MB) Write(MB)',
  '--------------------------------------------------',
  '  0        2        3         0        0        16',
  '  1        5        9         1       20        24',
  '  2       12       24         2       24        28',
  '',
].join('\n')

describe('LevelDB statistics', () => {
  it.each([
    [
      'the per-level table',
      SAMPLE,
      {
        files: 19,
        sizeBytes: 36 * MB,
        writtenBytes: 68 * MB,
        compactionReadBytes: 44 * MB,
        compactionSeconds: 3,
      },
    ],
    ['a fresh database (header only)', SAMPLE.split('\n').slice(0, 3).join('\n'), undefined],
    ['an empty text', '', undefined],
    ['text of another engine', 'rocksdb.stats: 12 files', undefined],
  ])('parses %s', (_, text, expected) => {
    expect(parseLevelDbStats(text)).toEqual(expected)
  })

  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('reads them from a real LevelDB store, which flushes and compacts as it fills', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'govchain-leveldb-stats-'))
    dirs.push(dir)
    // LevelDB's default memtable (the node's is 16 MiB), so that ~24 MB of writes flush several.
    const store = await openLevelStore(dir, { writeBufferSize: 4 * MB })
    try {
      const before = parseLevelDbStats(store.property!('leveldb.stats')!)
      expect(before).toBeUndefined() // no level has a row yet
      // ~24 MB in 1.2 MB batches: several 4 MB memtables flushed, then compacted.
      for (let b = 0; b < 20; b++) {
        const writes: KvWrite[] = []
        for (let i = 0; i < 4000; i++)
          writes.push({ type: 'put', key: randomBytes(32), value: randomBytes(300) })
        await store.write(writes)
      }
      let stats = parseLevelDbStats(store.property!('leveldb.stats')!)
      for (let i = 0; i < 50 && (stats === undefined || stats.writtenBytes === 0); i++) {
        await new Promise((r) => setTimeout(r, 100))
        stats = parseLevelDbStats(store.property!('leveldb.stats')!)
      }
      expect(stats!.writtenBytes).toBeGreaterThanOrEqual(4 * MB)
      expect(stats!.files).toBeGreaterThan(0)
      expect(Number(store.property!('leveldb.approximate-memory-usage'))).toBeGreaterThan(0)
      expect(store.property!('leveldb.no-such-property')).toBeUndefined()
    } finally {
      await store.close()
    }
    expect(store.property!('leveldb.stats')).toBeUndefined() // closed
  })

  it('has no properties in memory', async () => {
    const store = await openMemoryStore()
    expect(store.property?.('leveldb.stats')).toBeUndefined()
    await store.close()
  })
})
