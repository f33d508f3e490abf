import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { openMemoryStore, type KvWrite } from '@govchain/ledger'
import { CachedKvStore } from '../../src/cached-store.js'

const key = (n: number) => new Uint8Array([n])

describe('cached store', () => {
  it('counts the bytes of keys and values written through it, and passes properties through', async () => {
    const cached = new CachedKvStore(await openMemoryStore(), 3)
    await cached.write([
      { type: 'put', key: new Uint8Array(3), value: new Uint8Array(10) },
      { type: 'del', key: new Uint8Array(5) },
    ])
    await cached.write([{ type: 'put', key: new Uint8Array(1), value: new Uint8Array(100) }])
    expect(cached.writtenBytes).toBe(3 + 10 + 5 + 1 + 100)
    expect(cached.property('leveldb.stats')).toBeUndefined() // memory-level has none
    await cached.close()
  })

  it('passes a range compaction through to the store (erasure of deleted values from its files)', async () => {
    const inner = await openMemoryStore()
    const calls: string[] = []
    inner.compactRange = async (start, end) => void calls.push(`${start.join('.')}-${end.join('.')}`)
    const cached = new CachedKvStore(inner, 3)
    await cached.compactRange(key(1), key(2))
    expect(calls).toEqual(['1-2'])
    await cached.close()
  })

  it('reads what the store holds after any sequence of writes and reads (small cache)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('put' as const), k: fc.nat(7), v: fc.nat(255) }),
            fc.record({ op: fc.constant('del' as const), k: fc.nat(7) }),
            fc.record({ op: fc.constant('get' as const), k: fc.nat(7) }),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          const store = await openMemoryStore()
          const cached = new CachedKvStore(store, 3)
          for (const o of ops) {
            if (o.op === 'get') {
              const [a, b] = await Promise.all([cached.get(key(o.k)), store.get(key(o.k))])
              expect(a?.[0]).toBe(b?.[0])
            } else {
              const w: KvWrite =
                o.op === 'put'
                  ? { type: 'put', key: key(o.k), value: new Uint8Array([o.v]) }
                  : { type: 'del', key: key(o.k) }
              await cached.write([w])
            }
          }
          const all = Array.from({ length: 8 }, (_, i) => key(i))
          const [a, b] = await Promise.all([cached.getMany(all), store.getMany(all)])
          expect(a.map((x) => x?.[0])).toEqual(b.map((x) => x?.[0]))
          await cached.close()
        },
      ),
      { numRuns: 100 },
    )
  })

  it('serves repeated reads from memory', async () => {
    const cached = new CachedKvStore(await openMemoryStore())
    await cached.write([{ type: 'put', key: key(1), value: new Uint8Array([9]) }])
    await cached.get(key(1))
    await cached.get(key(2))
    await cached.get(key(2))
    expect([cached.hits, cached.misses]).toEqual([2, 1])
  })

  it('reads a miss synchronously after one event-loop turn when the store can', async () => {
    const store = await openMemoryStore()
    await store.write([{ type: 'put', key: key(1), value: new Uint8Array([7]) }])
    let syncReads = 0
    const wrapped = {
      ...store,
      get: async () => {
        throw new Error('the pool read must not be used')
      },
      getSync: (k: Uint8Array) => {
        syncReads++
        return store.getSync!(k)
      },
      getMany: store.getMany.bind(store),
      write: store.write.bind(store),
      range: store.range.bind(store),
      close: store.close.bind(store),
    }
    const cached = new CachedKvStore(wrapped)
    // The wrapper itself offers no synchronous read (readers would then never yield).
    expect((cached as { getSync?: unknown }).getSync).toBeUndefined()
    let turned = false
    setImmediate(() => (turned = true))
    expect(await cached.get(key(1))).toEqual(new Uint8Array([7]))
    expect(turned).toBe(true)
    expect(await cached.get(key(2))).toBeUndefined()
    expect(await cached.get(key(1))).toEqual(new Uint8Array([7]))
    expect(syncReads).toBe(2)
  })
})
