import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLevelStore, openMemoryStore, type KvStore, type KvWrite } from '@govchain/ledger'
import { recordingStore, replayWrites } from '../../src/bench/storage-floor.js'

const dir = mkdtempSync(join(tmpdir(), 'govchain-floor-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bytes = (...b: number[]) => Uint8Array.from(b)
const put = (k: number, v: number[]): KvWrite => ({ type: 'put', key: bytes(k), value: bytes(...v) })

async function contents(store: KvStore): Promise<string[]> {
  const out: string[] = []
  for await (const [k, v] of store.range({})) out.push(`${k.join('.')}=${v.join('.')}`)
  return out
}

describe('bench storage floor', () => {
  it('records every write in order with its sync flag, and writes it through', async () => {
    const base = await openMemoryStore()
    const { store, recorded } = recordingStore(base)
    await store.write([put(1, [10]), put(2, [20, 21])])
    await store.write([{ type: 'del', key: bytes(1) }], { sync: true })
    expect(recorded.map((r) => [[...r.writes].map((w) => w.type), r.sync])).toEqual([
      [['put', 'put'], false],
      [['del'], true],
    ])
    expect(await contents(base)).toEqual(['2=20.21'])
    expect(await store.get(bytes(2))).toEqual(bytes(20, 21))
  })

  it('has getSync, property and compactRange only where the store has them (execution picks its read path by getSync)', async () => {
    const level = await openLevelStore(join(dir, 'props'))
    try {
      const wrapped = recordingStore(level).store
      expect(wrapped.getSync).toBeTypeOf('function')
      expect(wrapped.property?.('leveldb.approximate-memory-usage')).toMatch(/^\d+$/)
      expect(wrapped.compactRange).toBeTypeOf('function')
      await wrapped.write([put(7, [70])])
      expect(wrapped.getSync!(bytes(7))).toEqual(bytes(70))
    } finally {
      await level.close()
    }
    const mem = await openMemoryStore()
    const bare: KvStore = {
      get: (k) => mem.get(k),
      getMany: (ks) => mem.getMany(ks),
      write: (w, o) => mem.write(w, o),
      range: (o) => mem.range(o),
      close: () => mem.close(),
    }
    const wrapped = recordingStore(bare).store
    expect('getSync' in wrapped).toBe(false)
    expect('property' in wrapped).toBe(false)
    expect('compactRange' in wrapped).toBe(false)
    await wrapped.write([put(5, [50])])
    expect(await wrapped.get(bytes(5))).toEqual(bytes(50))
  })

  it('replays into another store: the same contents, its operations and bytes counted', async () => {
    const first = await openMemoryStore()
    const { store, recorded } = recordingStore(first)
    await store.write([put(1, [10]), put(2, [20, 21]), put(3, [30])])
    await store.write([{ type: 'del', key: bytes(3) }, put(4, [])], { sync: true })
    const second = await openLevelStore(join(dir, 'replay'))
    try {
      const floor = await replayWrites(second, recorded)
      expect(await contents(second)).toEqual(await contents(first))
      // 5 operations; keys 1 byte each, values 1 + 2 + 1 + 0 bytes.
      expect([floor.operations, floor.bytes]).toEqual([5, 5 + 4])
      expect(floor.cpuMs).toBeGreaterThanOrEqual(0)
      expect(floor.wallMs).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
  })
})
