/**
 * The storage floor of a block: the database writes a round made (the state tree's pages while
 * it computed the root, then the commit's batch), written again alone, with the same `sync`, into
 * a fresh clone of the same state. Keys and values are already built, so what it costs is the
 * store's own work for that many operations and bytes (the batch handed to LevelDB, its log and
 * memtable, the fsync) — what any validation writing the same layout pays, however fast the
 * rest of it became.
 */
import { kvWriteBytes, type KvStore, type KvWrites } from '@govchain/ledger'

export type RecordedWrite = { readonly writes: KvWrites; readonly sync: boolean }

/** `store` with every `write` also recorded (in order), to be replayed by `replayWrites`. */
export function recordingStore(store: KvStore): { store: KvStore; recorded: RecordedWrite[] } {
  const recorded: RecordedWrite[] = []
  const { getSync, property, compactRange } = store
  const wrapped: KvStore = {
    get: (key) => store.get(key),
    getMany: (keys) => store.getMany(keys),
    write: (writes, opts) => {
      recorded.push({ writes, sync: opts?.sync ?? false })
      return store.write(writes, opts)
    },
    range: (opts) => store.range(opts),
    close: () => store.close(),
    // Only what the store has: block execution reads through getSync when it is there.
    ...(getSync === undefined ? {} : { getSync: getSync.bind(store) }),
    ...(property === undefined ? {} : { property: property.bind(store) }),
    ...(compactRange === undefined ? {} : { compactRange: compactRange.bind(store) }),
  }
  return { store: wrapped, recorded }
}

export type StorageFloor = {
  /** Operations written (puts and deletions, all batches). */
  readonly operations: number
  /** Key and value bytes written. */
  readonly bytes: number
  /** Process CPU of the writes, all threads (ms). */
  readonly cpuMs: number
  readonly wallMs: number
}

/** Writes `recorded` into `store` in order, timing the writes alone. */
export async function replayWrites(
  store: KvStore,
  recorded: readonly RecordedWrite[],
): Promise<StorageFloor> {
  let operations = 0
  let bytes = 0
  for (const { writes } of recorded) {
    operations += writes.length
    bytes += kvWriteBytes(writes)
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (const { writes, sync } of recorded) await store.write(writes, { sync })
  const wallMs = performance.now() - started
  const used = process.cpuUsage(cpu)
  return { operations, bytes, cpuMs: (used.user + used.system) / 1000, wallMs }
}
