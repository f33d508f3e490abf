/**
 * What the state tree makes LevelDB write: builds a state of N keys on a real LevelDB, then
 * commits `blocks` batches of `batch` changes each (70 % updates of existing keys, 30 % new keys,
 * as a chain that keeps recording), each persisted like a block (pages written by prepare(), the
 * rest in one synced batch). Reports, over the blocks only:
 *   - the bytes the tree handed to the store (keys and values of every write);
 *   - the bytes LevelDB wrote to table files (memtable flushes and compactions, from
 *     `leveldb.stats`), and their ratio: LevelDB's write amplification;
 *   - LevelDB's compaction time, the process CPU time (compaction runs on LevelDB's own thread,
 *     in this process) and the wall time.
 * Each run is one process on a fresh directory; compare settings in separate runs.
 *
 * Run: pnpm --filter @govchain/ledger bench:state-writes [-- --keys 300000 --blocks 1500
 *      --batch 200 --write-buffer-mib 16 --dir DIR]
 * Not a unit test: it checks nothing but that the run completes.
 */
import { randomFillSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { compareBytes } from '../../src/bytes.js'
import { sha256 } from '../../src/crypto/index.js'
import { EMPTY_STATE_HASH } from '../../src/state/proof.js'
import { SparseMerkleTree } from '../../src/state/sparse-merkle-tree.js'
import type { KvWrites, StateChange } from '../../src/state/types.js'
import { kvWriteBytes, openLevelStore, type KvStore } from '../../src/storage/kv.js'
import { parseLevelDbStats, type LevelDbStats } from '../../src/storage/leveldb-stats.js'

const argv = process.argv.slice(2).filter((a) => a !== '--')
const { values: args } = parseArgs({
  args: argv,
  options: {
    keys: { type: 'string', default: '300000' },
    blocks: { type: 'string', default: '1500' },
    batch: { type: 'string', default: '200' },
    'write-buffer-mib': { type: 'string' },
    dir: { type: 'string' },
  },
})
const KEYS = Number(args.keys)
const BLOCKS = Number(args.blocks)
const BATCH = Number(args.batch)
const MiB = 1024 * 1024
const WRITE_BUFFER =
  args['write-buffer-mib'] === undefined ? undefined : Number(args['write-buffer-mib']) * MiB
const BUILD_BATCH = 50_000

/** Deterministic choices (the same keys and updates in every run). */
let seed = 1
function next(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed
}

function keyOf(i: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setFloat64(0, i)
  return sha256(b)
}

function valueOf(): Uint8Array {
  return randomFillSync(new Uint8Array(100)) // incompressible, like hashes and signatures
}

/** Counts the bytes of every write handed to `inner`. */
function countingStore(inner: KvStore, count: { bytes: number }): KvStore {
  return {
    get: (k) => inner.get(k),
    getSync: inner.getSync?.bind(inner),
    getMany: (k) => inner.getMany(k),
    range: (o) => inner.range(o),
    property: inner.property?.bind(inner),
    close: () => inner.close(),
    write: (writes: KvWrites, opts) => {
      count.bytes += kvWriteBytes(writes)
      return inner.write(writes, opts)
    },
  }
}

const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'govchain-state-writes-'))
rmSync(dir, { recursive: true, force: true })
const raw = await openLevelStore(dir, { writeBufferSize: WRITE_BUFFER })
const written = { bytes: 0 }
const store = countingStore(raw, written)
const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
/** LevelDB's totals; all zero until it has written a table file (it then prints no level rows). */
const stats = (): LevelDbStats =>
  parseLevelDbStats(raw.property!('leveldb.stats')!) ?? {
    files: 0,
    sizeBytes: 0,
    writtenBytes: 0,
    compactionReadBytes: 0,
    compactionSeconds: 0,
  }

async function commit(changes: StateChange[]): Promise<void> {
  changes.sort((a, b) => compareBytes(a.key, b.key))
  const update = await tree.prepare(changes)
  await store.write(update.writes, { sync: true })
  tree.commit(update)
}

let keys = 0
while (keys < KEYS) {
  const changes: StateChange[] = []
  for (const end = Math.min(KEYS, keys + BUILD_BATCH); keys < end; keys++)
    changes.push({ key: keyOf(keys), value: valueOf() })
  await commit(changes)
}

const before = { stats: stats(), written: written.bytes, cpu: process.cpuUsage(), at: performance.now() }
for (let b = 0; b < BLOCKS; b++) {
  const chosen = new Set<number>()
  const changes: StateChange[] = []
  while (changes.length < BATCH) {
    const i = next() % 10 < 3 ? keys++ : next() % keys
    if (chosen.has(i)) continue
    chosen.add(i)
    changes.push({ key: keyOf(i), value: valueOf() })
  }
  await commit(changes)
}
const wallS = (performance.now() - before.at) / 1000
const cpu = process.cpuUsage(before.cpu)
const after = stats()
const treeMiB = (written.bytes - before.written) / MiB
const levelMiB = (after.writtenBytes - before.stats.writtenBytes) / MiB
const f = (x: number, d = 1): string => x.toFixed(d)
console.log(
  `keys ${KEYS} → ${keys}, ${BLOCKS} blocks of ${BATCH} changes; memtable ${
    WRITE_BUFFER === undefined ? 'default' : `${WRITE_BUFFER / MiB} MiB`
  }; node ${process.version}`,
)
console.log('| tree wrote MiB | LevelDB wrote MiB | amplification | compaction s | CPU s | wall s | DB MiB |')
console.log('|---:|---:|---:|---:|---:|---:|---:|')
console.log(
  `| ${f(treeMiB, 0)} | ${f(levelMiB, 0)} | ${f(levelMiB / treeMiB)}× | ${
    after.compactionSeconds - before.stats.compactionSeconds
  } | ${f((cpu.user + cpu.system) / 1e6)} | ${f(wallS)} | ${f(after.sizeBytes / MiB, 0)} |`,
)
await raw.close()
if (args.dir === undefined) rmSync(dir, { recursive: true, force: true })
