/**
 * The node's key-value database: LevelDB (`level`) on disk, `memory-level` in tests. Keys and
 * values are bytes. Writes go in batches; a block commit is one batch.
 */
import { Level } from 'level'
import { MemoryLevel } from 'memory-level'
import { GovchainError } from '../errors.js'
import type { KvWrite, KvWrites } from '../state/types.js'

export const StorageErrorCode = {
  OPEN_FAILED: 'STORAGE_OPEN_FAILED',
  CORRUPT: 'STORAGE_CORRUPT',
  WRONG_GENESIS: 'STORAGE_WRONG_GENESIS',
} as const
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode]
export class StorageError extends GovchainError<StorageErrorCode> {}

export type RangeOptions = { gte?: Uint8Array; lt?: Uint8Array; reverse?: boolean; limit?: number }

export interface KvStore {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  /**
   * The same read on the calling thread, without a hop through libuv's thread pool: about 4 µs
   * instead of about 20 µs of CPU per read of a cached LevelDB block (measured here). Block
   * execution reads state one key at a time, so it uses this when the store has it.
   */
  getSync?(key: Uint8Array): Uint8Array | undefined
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>
  /** Applies all writes atomically; `sync` waits for the OS to persist them (fsync). */
  write(writes: KvWrites, opts?: { sync?: boolean }): Promise<void>
  range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]>
  /**
   * A property of the database engine (LevelDB's `leveldb.stats`, `leveldb.approximate-memory-usage`
   * …; see leveldb-stats.ts), where it has them; undefined otherwise (memory-level).
   */
  property?(name: string): string | undefined
  /**
   * Rewrites what the engine's files hold for keys in [start, end), so that values deleted there
   * are gone from disk too, not only from reads: LevelDB keeps a deleted value in its log and
   * table files until a compaction happens to merge it with its deletion. Where the engine has
   * no files (memory-level) a deletion is already final.
   */
  compactRange?(start: Uint8Array, end: Uint8Array): Promise<void>
  close(): Promise<void>
}

/** abstract-level's chained batch: ≈ 3× cheaper per operation than an array batch here. */
type ChainedBatch = {
  put(key: Uint8Array, value: Uint8Array): unknown
  del(key: Uint8Array): unknown
  write(options: { sync?: boolean }): Promise<void>
}

/** The part of abstract-level used here (both `level` and `memory-level` provide it). */
type ByteLevel = {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  getSync(key: Uint8Array): Uint8Array | undefined
  getMany(keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]>
  batch(): ChainedBatch
  iterator(opts: RangeOptions & { limit: number }): AsyncIterable<[Uint8Array, Uint8Array]>
  /** classic-level only. */
  getProperty?(name: string): string
  /** classic-level only: LevelDB's CompactRange (the memtable and its log first). */
  compactRange?(start: Uint8Array, end: Uint8Array): Promise<void>
  close(): Promise<void>
}

const ENCODINGS = { keyEncoding: 'view', valueEncoding: 'view' } as const

function toView(b: Uint8Array | undefined): Uint8Array | undefined {
  // level returns Buffers for 'view'; expose plain Uint8Array views (Buffer equality differs).
  return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

class LevelKvStore implements KvStore {
  constructor(private readonly db: ByteLevel) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return toView(await this.db.get(key))
  }

  getSync(key: Uint8Array): Uint8Array | undefined {
    return toView(this.db.getSync(key))
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return []
    return (await this.db.getMany([...keys])).map(toView)
  }

  async write(writes: KvWrites, opts: { sync?: boolean } = {}): Promise<void> {
    if (writes.length === 0) return
    const batch = this.db.batch()
    for (const w of writes) {
      if (w.type === 'put') batch.put(w.key, w.value)
      else batch.del(w.key)
    }
    // `sync` is classic-level's fsync flag; memory-level ignores it.
    await batch.write({ sync: opts.sync ?? false })
  }

  async *range(opts: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]> {
    for await (const [k, v] of this.db.iterator({ ...opts, limit: opts.limit ?? -1 })) {
      yield [toView(k)!, toView(v)!]
    }
  }

  property(name: string): string | undefined {
    if (this.db.getProperty === undefined) return undefined
    try {
      // LevelDB answers '' for a property it does not know.
      return this.db.getProperty(name) || undefined
    } catch {
      return undefined // closed, or not a property this engine knows
    }
  }

  async compactRange(start: Uint8Array, end: Uint8Array): Promise<void> {
    await this.db.compactRange?.(start, end)
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}

/** Bytes of the keys and values of `writes` (what a store is handed; deletes count their key). */
export function kvWriteBytes(writes: KvWrites): number {
  let bytes = 0
  for (const w of writes) bytes += w.key.length + (w.type === 'put' ? w.value.length : 0)
  return bytes
}

/** LevelDB settings a node may change (perf scripts compare them); defaults below. */
export type LevelStoreOptions = {
  /**
   * Memtable size. Default 16 MiB, 4× LevelDB's: measured with the state tree's writes (300,000
   * changes in blocks of 200 over 300,000–390,000 keys, test/perf/state-write-amplification.ts),
   * LevelDB then wrote 39 % fewer table bytes (2,727 against 4,455 MiB) and the process used
   * 13 % less CPU. A memtable costs its size (and a second one while it is flushed).
   */
  readonly writeBufferSize?: number
}

const DEFAULT_WRITE_BUFFER_BYTES = 16 * 1024 * 1024

export async function openLevelStore(path: string, opts: LevelStoreOptions = {}): Promise<KvStore> {
  const db = new Level<Uint8Array, Uint8Array>(path, {
    ...ENCODINGS,
    writeBufferSize: opts.writeBufferSize ?? DEFAULT_WRITE_BUFFER_BYTES,
  })
  try {
    await db.open()
  } catch (e) {
    throw new StorageError(
      StorageErrorCode.OPEN_FAILED,
      `cannot open database at ${path}: ${(e as Error).message}`,
    )
  }
  return new LevelKvStore(db as unknown as ByteLevel)
}

export async function openMemoryStore(): Promise<KvStore> {
  const db = new MemoryLevel<Uint8Array, Uint8Array>(ENCODINGS)
  await db.open()
  return new LevelKvStore(db as unknown as ByteLevel)
}

/**
 * Size of the separately synced segments in which a block's bulk is written before the batch
 * that commits it (block-store.ts, state/sparse-merkle-tree.ts): LevelDB's default memtable
 * size (a quarter of the node's, `LevelStoreOptions`), so that LevelDB never holds a whole large
 * block's writes at once as one batch (in one write it holds them twice, as the batch and in the
 * memtable).
 */
export const COMMIT_SEGMENT_BYTES = 4 * 1024 * 1024

/**
 * Collects writes into segments of about COMMIT_SEGMENT_BYTES; each segment is one synced
 * atomic write, so that on power loss no later write survives an earlier one (LevelDB syncs only
 * its current log file).
 */
export class SegmentedWriter {
  #writes: KvWrite[] = []
  #bytes = 0

  constructor(
    private readonly kv: KvStore,
    private readonly segmentBytes = COMMIT_SEGMENT_BYTES,
  ) {}

  /** Adds a write; true when the segment is full (the caller then awaits `flush`). */
  add(w: KvWrite): boolean {
    this.#writes.push(w)
    this.#bytes += w.key.length + (w.type === 'put' ? w.value.length : 0)
    return this.#bytes >= this.segmentBytes
  }

  /** The writes not yet flushed, handed over (to go in the caller's own batch). */
  take(): KvWrite[] {
    const writes = this.#writes
    this.#writes = []
    this.#bytes = 0
    return writes
  }

  async flush(): Promise<void> {
    const writes = this.take()
    await this.kv.write(writes, { sync: true })
  }
}
