/**
 * A read cache in front of the node's LevelDB store. Block execution is a long chain of awaited
 * point reads (nonces, accounts, records, tree nodes); each one is a trip through libuv's thread
 * pool, which under load (transaction admission, fsyncs) made a 70-transaction block take half a
 * second. Admission reads the same keys first, so execution mostly hits the cache.
 *
 * This process is the database's only writer: every write goes through `write`, which updates the
 * cache after the batch is durable, so the cache never holds a value the store does not.
 */
import type { KvStore, KvWrites, RangeOptions } from '@govchain/ledger'
import { byteString, kvWriteBytes } from '@govchain/ledger'

const MISSING = null
/** A key as a string of one char per byte (half the length of hex, without its per-byte lookups). */
const idOf = byteString
/** Large values (blocks, WAL records) are not worth keeping: the hot reads are small. */
const MAX_CACHED_VALUE = 4096

export class CachedKvStore implements KvStore {
  readonly #store: KvStore
  readonly #max: number
  /** key (`idOf`) → value, or null for "known absent". Map order doubles as LRU order. */
  readonly #cache = new Map<string, Uint8Array | null>()
  hits = 0
  misses = 0
  /** Bytes of keys and values written through this store (what LevelDB's writes are measured against). */
  writtenBytes = 0

  constructor(store: KvStore, maxEntries = 200_000) {
    this.#store = store
    this.#max = maxEntries
  }

  #remember(key: string, value: Uint8Array | null): void {
    if (value !== null && value.length > MAX_CACHED_VALUE) return
    if (this.#cache.size >= this.#max) {
      // Drop the oldest tenth in one go (Maps iterate in insertion order).
      let drop = Math.ceil(this.#max / 10)
      for (const k of this.#cache.keys()) {
        if (drop-- <= 0) break
        this.#cache.delete(k)
      }
    }
    this.#cache.set(key, value)
  }

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const id = idOf(key)
    const cached = this.#cache.get(id)
    if (cached !== undefined) {
      this.hits++
      return cached ?? undefined
    }
    this.misses++
    const value = await this.#read(key)
    // A write may have landed while we read: only cache if nothing did.
    if (!this.#cache.has(id)) this.#remember(id, value ?? MISSING)
    return value
  }

  /**
   * A read that misses the cache. When the store reads synchronously (LevelDB does), the read
   * runs on this thread after one turn of the event loop: ≈ 5 µs of CPU instead of ≈ 15 µs
   * for a trip through libuv's thread pool — far more under load, when every trip wakes a pool
   * thread on busy cores (the largest cost per transaction in a node's profile). The turn keeps
   * what an asynchronous read gave: a long chain of reads (block execution, the re-check) never
   * holds the event loop. Not exposed as `getSync`: readers that find one read without turns.
   */
  #read(key: Uint8Array): Promise<Uint8Array | undefined> {
    const store = this.#store
    if (store.getSync === undefined) return store.get(key)
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(store.getSync!(key))
        } catch (e) {
          reject(e as Error)
        }
      }),
    )
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    const ids = keys.map(idOf)
    const out: (Uint8Array | undefined)[] = new Array(keys.length)
    const missing: number[] = []
    ids.forEach((id, i) => {
      const cached = this.#cache.get(id)
      if (cached === undefined) missing.push(i)
      else out[i] = cached ?? undefined
    })
    this.hits += keys.length - missing.length
    this.misses += missing.length
    if (missing.length > 0) {
      const values = await this.#store.getMany(missing.map((i) => keys[i]!))
      missing.forEach((i, j) => {
        out[i] = values[j]
        if (!this.#cache.has(ids[i]!)) this.#remember(ids[i]!, values[j] ?? MISSING)
      })
    }
    return out
  }

  async write(writes: KvWrites, opts?: { sync?: boolean }): Promise<void> {
    try {
      await this.#store.write(writes, opts)
    } catch (e) {
      // Unknown outcome: forget what the batch touched.
      for (const w of writes) this.#cache.delete(idOf(w.key))
      throw e
    }
    this.writtenBytes += kvWriteBytes(writes)
    for (const w of writes) {
      const id = idOf(w.key)
      this.#cache.delete(id)
      this.#remember(id, w.type === 'put' ? w.value : MISSING)
    }
  }

  range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]> {
    return this.#store.range(opts)
  }

  property(name: string): string | undefined {
    return this.#store.property?.(name)
  }

  async compactRange(start: Uint8Array, end: Uint8Array): Promise<void> {
    await this.#store.compactRange?.(start, end)
  }

  async close(): Promise<void> {
    this.#cache.clear()
    await this.#store.close()
  }
}
