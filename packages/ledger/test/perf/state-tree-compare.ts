/**
 * Compares two authenticated-state trees on this machine, both on LevelDB with SHA-256:
 *   smt — govchain's SparseMerkleTree over our KvStore (openLevelStore);
 *   mpt — @ethereumjs/mpt 10 (hex Patricia trie, key hashing + node hashing = SHA-256) over the
 *         same `level` version through a small DB adapter; its CheckpointDB LRU node cache on.
 * Each tree runs in its own child process (RSS is per tree) on the same deterministic data:
 *   build N keys (random 32-byte keys, 100-byte values) in batches; then R rounds of one fresh
 *   batch of B changes (80 % updates, 15 % inserts, 5 % deletes): time to compute the new root
 *   and the write batch, then time to persist it (one synced LevelDB batch); then proofs for
 *   present and absent keys (size, generation, verification); RSS; database size on disk.
 *
 * Run: pnpm --filter @govchain/ledger bench:state [-- --keys 1000000 --batch 10000 --rounds 5]
 *      (or: npx tsx packages/ledger/test/perf/state-tree-compare.ts --keys 100000)
 * Options: --keys N --batch B --rounds R --build-batch K --proofs P --cache-depth D
 *          --mpt-cache C --only smt|mpt --dir DIR (default: a fresh directory under os.tmpdir()).
 * Not a unit test: it asserts correctness (roots and proofs) but no timing.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { Level } from 'level'
import { createMPT, createMerkleProof, verifyMerkleProof } from '@ethereumjs/mpt'
import { ValueEncoding, type BatchDBOp, type DB } from '@ethereumjs/util'
import { compareBytes, equalBytes, toHex } from '../../src/bytes.js'
import { sha256 } from '../../src/crypto/index.js'
import { encode } from '../../src/encoding.js'
import { EMPTY_STATE_HASH, stateProofEncodable, verifyStateProof } from '../../src/state/proof.js'
import { SparseMerkleTree } from '../../src/state/sparse-merkle-tree.js'
import type { StateChange } from '../../src/state/types.js'
import { openLevelStore, type KvStore } from '../../src/storage/kv.js'

// pnpm passes a literal `--` through to the script.
const argv = process.argv.slice(2).filter((a) => a !== '--')
const { values: args } = parseArgs({
  args: argv,
  options: {
    keys: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    'build-batch': { type: 'string', default: '50000' },
    proofs: { type: 'string', default: '1000' },
    'cache-depth': { type: 'string', default: '16' },
    'mpt-cache': { type: 'string', default: '100000' },
    'big-batch': { type: 'string', default: '0' },
    only: { type: 'string' },
    dir: { type: 'string' },
    child: { type: 'string' },
  },
})
const N = Number(args.keys)
const B = Number(args.batch)
const ROUNDS = Number(args.rounds)
const BUILD_BATCH = Number(args['build-batch'])
const PROOFS = Number(args.proofs)
const CACHE_DEPTH = Number(args['cache-depth'])
const MPT_CACHE = Number(args['mpt-cache'])
/** smt only: one extra, uncommitted batch of this many changes, for its time and live memory. */
const BIG_BATCH = Number(args['big-batch'])
const VALUE_BYTES = 100

// ---- deterministic data -------------------------------------------------------------------

/** 32-bit integer mixer (murmur3 fmix32): data derived from indices, nothing to store. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

function fill(out: Uint8Array, a: number, b: number): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength)
  let s = mix(a ^ 0x9e3779b9) ^ mix(b + 0x7f4a7c15)
  let i = 0
  for (; i + 4 <= out.length; i += 4) v.setUint32(i, (s = mix(s + 0x6d2b79f5)))
  for (; i < out.length; i++) out[i] = (s = mix(s + 1)) & 0xff
  return out
}

const keyOf = (i: number): Uint8Array => fill(new Uint8Array(32), i, 0x5eed)
const valueOf = (i: number, version: number): Uint8Array => fill(new Uint8Array(VALUE_BYTES), i, version + 1)

function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => (s = mix(s + 0x6d2b79f5)) / 2 ** 32
}

type Op = { index: number; version: number; del: boolean }

/** The live key set as indices; deterministic batches of changes. */
class Workload {
  private live = new Int32Array(0)
  private count = 0
  private next = 0
  private pendingInserts: number[] = []

  build(n: number): void {
    this.live = new Int32Array(n + ROUNDS * B)
    for (let i = 0; i < n; i++) this.live[i] = i
    this.count = n
    this.next = n
  }

  /** The next batch of changes; with `apply` false the live set stays as it was. */
  batch(round: number, size = B, apply = true): Op[] {
    const next = this.next
    const r = rng(round * 7919 + 1)
    const chosen = new Set<number>()
    const ops: Op[] = []
    const deletePositions: number[] = []
    const pickLive = (): [number, number] => {
      for (;;) {
        const p = Math.floor(r() * this.count)
        const idx = this.live[p]!
        if (!chosen.has(idx)) return [p, idx]
      }
    }
    for (let k = 0; k < size; k++) {
      const x = r()
      if (x < 0.8) {
        const [, idx] = pickLive()
        chosen.add(idx)
        ops.push({ index: idx, version: round, del: false })
      } else if (x < 0.95) {
        const idx = this.next++
        chosen.add(idx)
        ops.push({ index: idx, version: round, del: false })
        this.pendingInserts.push(idx)
      } else {
        const [p, idx] = pickLive()
        chosen.add(idx)
        deletePositions.push(p)
        ops.push({ index: idx, version: round, del: true })
      }
    }
    if (!apply) {
      this.next = next
      this.pendingInserts = []
      return ops
    }
    deletePositions.sort((a, b) => b - a)
    for (const p of deletePositions) this.live[p] = this.live[--this.count]!
    for (const idx of this.pendingInserts) this.live[this.count++] = idx
    this.pendingInserts = []
    return ops
  }

  randomLive(n: number, seed: number): number[] {
    const r = rng(seed)
    return Array.from({ length: n }, () => this.live[Math.floor(r() * this.count)]!)
  }

  absent(n: number): number[] {
    return Array.from({ length: n }, (_, i) => this.next + 1_000_000 + i)
  }
}

function changesOf(ops: readonly Op[]): StateChange[] {
  return ops
    .map((o) => ({ key: keyOf(o.index), value: o.del ? null : valueOf(o.index, o.version) }))
    .sort((a, b) => compareBytes(a.key, b.key))
}

// ---- measurement helpers ------------------------------------------------------------------

const now = (): number => performance.now()
const cpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20)
/** Memory retained (after a full GC when the child runs with --expose-gc, as the driver starts it). */
function retained(): NodeJS.MemoryUsage {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage()
}

/** Linux: RSS split into anonymous memory and file pages (LevelDB maps its table files). */
function rssSplit(): string {
  if (!existsSync('/proc/self/status')) return 'n/a'
  const status = readFileSync('/proc/self/status', 'utf8')
  const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN)
  return `anon ${Math.round(kb('RssAnon') / 1024)} MB, file ${Math.round(kb('RssFile') / 1024)} MB`
}

function dirSize(dir: string): number {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    total += e.isDirectory() ? dirSize(p) : statSync(p).size
  }
  return total
}

type Result = {
  tree: string
  config: string
  buildMs: number
  batchMs: number[]
  /** Process CPU time (all threads) of the same step: less sensitive to a busy machine. */
  batchCpuMs: number[]
  persistMs: number[]
  batchWrites: number[]
  batchDbReads: number[]
  proofPresentBytes: number
  proofAbsentBytes: number
  proveUs: number
  verifyUs: number
  rssAfterBuildMb: number
  rssEndMb: number
  maxRssMb: number
  heapUsedMb: number
  externalMb: number
  rssSplitEnd: string
  heapTotalMb: number
  dbBytes: number
  root: string
  bigBatch?: { changes: number; ms: number; cpuMs: number; liveHeapMb: number; maxRssMb: number }
}

/** KvStore wrapper counting keys read (the SMT's database reads). */
function counting(store: KvStore): KvStore & { reads: number } {
  const c = {
    reads: 0,
    get: (k: Uint8Array) => (c.reads++, store.get(k)),
    getMany: (ks: readonly Uint8Array[]) => ((c.reads += ks.length), store.getMany(ks)),
    write: store.write.bind(store),
    range: store.range.bind(store),
    close: store.close.bind(store),
  }
  return c
}

// ---- the two trees ------------------------------------------------------------------------

async function runSmt(dir: string): Promise<Result> {
  const store = counting(await openLevelStore(dir))
  let tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { cacheDepth: CACHE_DEPTH })
  const w = new Workload()
  const t0 = now()
  for (let start = 0; start < N; start += BUILD_BATCH) {
    const changes: StateChange[] = []
    for (let i = start; i < Math.min(N, start + BUILD_BATCH); i++)
      changes.push({ key: keyOf(i), value: valueOf(i, 0) })
    changes.sort((a, b) => compareBytes(a.key, b.key))
    const u = await tree.prepare(changes)
    await store.write(u.writes, { sync: true })
    tree.commit(u)
  }
  const buildMs = now() - t0
  w.build(N)
  // Measure from a freshly opened tree (cold cache), as after a restart.
  tree = await SparseMerkleTree.open(store, tree.root(), { cacheDepth: CACHE_DEPTH })
  const rssAfterBuildMb = mb(retained().rss)
  const batchMs: number[] = []
  const batchCpuMs: number[] = []
  const persistMs: number[] = []
  const batchWrites: number[] = []
  const batchDbReads: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const ops = w.batch(round)
    store.reads = 0
    const changes = changesOf(ops)
    const c1 = cpu()
    const t1 = now()
    const u = await tree.prepare(changes)
    const t2 = now()
    batchCpuMs.push(cpu() - c1)
    await store.write(u.writes, { sync: true })
    tree.commit(u)
    const t3 = now()
    batchMs.push(t2 - t1)
    persistMs.push(t3 - t2)
    batchWrites.push(u.writes.length)
    batchDbReads.push(store.reads)
  }
  let bigBatch: Result['bigBatch']
  if (BIG_BATCH > 0) {
    const changes = changesOf(w.batch(ROUNDS + 1, BIG_BATCH, false))
    const before = retained().heapUsed
    const c1 = cpu()
    const t1 = now()
    const u = await tree.prepare(changes)
    const ms = now() - t1
    const cpuMs = cpu() - c1
    const liveHeapMb = mb(retained().heapUsed - before)
    bigBatch = {
      changes: changes.length,
      ms,
      cpuMs,
      liveHeapMb,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    }
    void u
  }
  const root = tree.root()
  const present = w.randomLive(PROOFS, 42)
  const absent = w.absent(PROOFS)
  const proveTimes: number[] = []
  const verifyTimes: number[] = []
  const sizes = { present: 0, absent: 0 }
  for (const [list, isPresent] of [
    [present, true],
    [absent, false],
  ] as const) {
    for (const idx of list) {
      const key = keyOf(idx)
      const value = isPresent ? await tree.get(key) : null
      if (isPresent && value === undefined) throw new Error(`smt: key ${idx} missing`)
      const a = now()
      const proof = await tree.prove(key)
      const b = now()
      const ok = verifyStateProof(root, key, value ?? null, proof)
      const c = now()
      if (!ok) throw new Error(`smt: proof for ${idx} does not verify`)
      proveTimes.push(b - a)
      verifyTimes.push(c - b)
      sizes[isPresent ? 'present' : 'absent'] += encode(stateProofEncodable(proof)).length
    }
  }
  const mem = retained()
  await store.close()
  return {
    tree: 'smt',
    bigBatch,
    config: `SparseMerkleTree, KvStore on level, cacheDepth ${CACHE_DEPTH} (${tree.cacheStats().nodes} nodes cached at end)`,
    buildMs,
    batchMs,
    batchCpuMs,
    persistMs,
    batchWrites,
    batchDbReads,
    proofPresentBytes: sizes.present / present.length,
    proofAbsentBytes: sizes.absent / absent.length,
    proveUs: median(proveTimes) * 1000,
    verifyUs: median(verifyTimes) * 1000,
    rssAfterBuildMb,
    rssEndMb: mb(mem.rss),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: mb(mem.heapUsed),
    externalMb: mb(mem.external),
    rssSplitEnd: rssSplit(),
    heapTotalMb: mb(mem.heapTotal),
    dbBytes: dirSize(dir),
    root: toHex(root),
  }
}

/** @ethereumjs/util DB over `level` (binary keys: the trie's hex keys are converted back). */
class LevelMptDb implements DB<string, Uint8Array> {
  reads = 0
  constructor(readonly db: Level<Uint8Array, Uint8Array>) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    this.reads++
    const v = await this.db.get(Buffer.from(key, 'hex'))
    return v === undefined ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  }
  async put(key: string, val: Uint8Array): Promise<void> {
    await this.db.put(Buffer.from(key, 'hex'), val)
  }
  async del(key: string): Promise<void> {
    await this.db.del(Buffer.from(key, 'hex'))
  }
  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    await this.db.batch(
      ops.map((o) =>
        o.type === 'put'
          ? { type: 'put' as const, key: Buffer.from(o.key, 'hex'), value: o.value }
          : { type: 'del' as const, key: Buffer.from(o.key, 'hex') },
      ),
      { sync: true },
    )
  }
  shallowCopy(): DB<string, Uint8Array> {
    return this
  }
  async open(): Promise<void> {}
}

async function runMpt(dir: string): Promise<Result> {
  const level = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' })
  await level.open()
  const db = new LevelMptDb(level)
  const trie = await createMPT({
    db,
    valueEncoding: ValueEncoding.Bytes,
    useKeyHashing: true,
    useKeyHashingFunction: sha256,
    useNodePruning: true,
    cacheSize: MPT_CACHE,
  })
  const w = new Workload()
  const t0 = now()
  for (let start = 0; start < N; start += BUILD_BATCH) {
    trie.checkpoint()
    for (let i = start; i < Math.min(N, start + BUILD_BATCH); i++) await trie.put(keyOf(i), valueOf(i, 0))
    await trie.commit()
  }
  const buildMs = now() - t0
  w.build(N)
  const rssAfterBuildMb = mb(retained().rss)
  const batchMs: number[] = []
  const batchCpuMs: number[] = []
  const persistMs: number[] = []
  const batchWrites: number[] = []
  const batchDbReads: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const ops = w.batch(round)
    db.reads = 0
    const kvs = ops.map((o) => [keyOf(o.index), o.del ? null : valueOf(o.index, o.version)] as const)
    const c1 = cpu()
    const t1 = now()
    trie.checkpoint()
    for (const [key, value] of kvs) {
      if (value === null) await trie.del(key)
      else await trie.put(key, value)
    }
    trie.root()
    const t2 = now()
    batchCpuMs.push(cpu() - c1)
    const pending = trie['_db'].checkpoints.at(-1)?.keyValueMap.size ?? 0
    await trie.commit()
    const t3 = now()
    batchMs.push(t2 - t1)
    persistMs.push(t3 - t2)
    batchWrites.push(pending)
    batchDbReads.push(db.reads)
  }
  const root = trie.root()
  const present = w.randomLive(PROOFS, 42)
  const absent = w.absent(PROOFS)
  const proveTimes: number[] = []
  const verifyTimes: number[] = []
  const sizes = { present: 0, absent: 0 }
  for (const [list, isPresent] of [
    [present, true],
    [absent, false],
  ] as const) {
    for (const idx of list) {
      const key = keyOf(idx)
      const value = isPresent ? await trie.get(key) : null
      if (isPresent && value === null) throw new Error(`mpt: key ${idx} missing`)
      const a = now()
      const proof = await createMerkleProof(trie, key)
      const b = now()
      const got = await verifyMerkleProof(key, proof, {
        root,
        useKeyHashing: true,
        useKeyHashingFunction: sha256,
      })
      const c = now()
      if ((got === null) !== (value === null) || (got !== null && !equalBytes(got, value!))) {
        throw new Error(`mpt: proof for ${idx} does not verify`)
      }
      proveTimes.push(b - a)
      verifyTimes.push(c - b)
      // Proof = list of RLP nodes; counted as the sum of node sizes (+ a few bytes of list framing).
      sizes[isPresent ? 'present' : 'absent'] += proof.reduce((s, n) => s + n.length, 0)
    }
  }
  const mem = retained()
  await level.close()
  return {
    tree: 'mpt',
    config: `@ethereumjs/mpt 10, SHA-256, useNodePruning, CheckpointDB LRU cacheSize ${MPT_CACHE}, on level`,
    buildMs,
    batchMs,
    batchCpuMs,
    persistMs,
    batchWrites,
    batchDbReads,
    proofPresentBytes: sizes.present / present.length,
    proofAbsentBytes: sizes.absent / absent.length,
    proveUs: median(proveTimes) * 1000,
    verifyUs: median(verifyTimes) * 1000,
    rssAfterBuildMb,
    rssEndMb: mb(mem.rss),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: mb(mem.heapUsed),
    externalMb: mb(mem.external),
    rssSplitEnd: rssSplit(),
    heapTotalMb: mb(mem.heapTotal),
    dbBytes: dirSize(dir),
    root: toHex(root),
  }
}

// ---- driver -------------------------------------------------------------------------------

async function child(kind: string, dir: string): Promise<void> {
  const result = kind === 'smt' ? await runSmt(dir) : await runMpt(dir)
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

function table(results: Result[]): string {
  const r = (x: number, d = 1): string => x.toFixed(d)
  const rows: [string, (x: Result) => number, number][] = [
    [`build ${N} keys (s)`, (x) => x.buildMs / 1000, 1],
    [`${B}-change batch: root + writes, median (ms)`, (x) => median(x.batchMs), 0],
    ['  same, process CPU time, median (ms)', (x) => median(x.batchCpuMs), 0],
    ['persist that batch, synced, median (ms)', (x) => median(x.persistMs), 0],
    ['DB reads per batch, median', (x) => median(x.batchDbReads), 0],
    ['DB writes per batch, median', (x) => median(x.batchWrites), 0],
    ['proof size, present key (bytes, mean)', (x) => x.proofPresentBytes, 0],
    ['proof size, absent key (bytes, mean)', (x) => x.proofAbsentBytes, 0],
    ['proof generation, median (µs)', (x) => x.proveUs, 0],
    ['proof verification, median (µs)', (x) => x.verifyUs, 0],
    ['RSS after build, after GC (MB)', (x) => x.rssAfterBuildMb, 0],
    ['RSS at end, after GC (MB)', (x) => x.rssEndMb, 0],
    ['JS heap used at end (MB)', (x) => x.heapUsedMb, 0],
    ['JS heap reserved (heapTotal) at end (MB)', (x) => x.heapTotalMb, 0],
    ['external (buffers) at end (MB)', (x) => x.externalMb, 0],
    ['peak RSS (MB)', (x) => x.maxRssMb, 0],
    ['DB size on disk (MB)', (x) => x.dbBytes / 2 ** 20, 0],
  ]
  const smt = results.find((x) => x.tree === 'smt')
  const mpt = results.find((x) => x.tree === 'mpt')
  const lines = [`| measure | ${results.map((x) => x.tree).join(' | ')} |${smt && mpt ? ' mpt / smt |' : ''}`]
  lines.push(`|---|${results.map(() => '---:').join('|')}|${smt && mpt ? '---:|' : ''}`)
  for (const [name, f, d] of rows) {
    const ratio = smt && mpt ? ` ${r(f(mpt) / f(smt), 2)} |` : ''
    lines.push(`| ${name} | ${results.map((x) => r(f(x), d)).join(' | ')} |${ratio}`)
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  if (args.child !== undefined) return child(args.child, args.dir!)
  const base = args.dir ?? mkdtempSync(join(tmpdir(), 'govchain-state-bench-'))
  const kinds = args.only !== undefined ? [args.only] : ['smt', 'mpt']
  console.log(
    `node ${process.version}; keys ${N}, batch ${B}, rounds ${ROUNDS}, build batch ${BUILD_BATCH}, dir ${base}`,
  )
  // Other processes share this machine: the load average tells how much the wall times suffer.
  const machine = (): string =>
    `${cpus().length} × ${cpus()[0]?.model}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`
  console.log(`machine: ${machine()}`)
  const results: Result[] = []
  const script = fileURLToPath(import.meta.url)
  for (const kind of kinds) {
    const dir = join(base, kind)
    const passThrough = argv.filter((a) => !a.startsWith('--only') && a !== args.only)
    const res = spawnSync(
      process.execPath,
      [...process.execArgv, '--expose-gc', script, ...passThrough, '--child', kind, '--dir', dir],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 2 ** 20,
      },
    )
    const line = res.stdout.split('\n').find((l) => l.startsWith('RESULT '))
    if (res.status !== 0 || line === undefined)
      throw new Error(`${kind} run failed (exit ${res.status}):\n${res.stdout}`)
    const result = JSON.parse(line.slice(7)) as Result
    console.log(`${kind}: ${result.config}; after it: ${machine()}`)
    console.log(`${kind} raw: ${JSON.stringify(result)}`)
    results.push(result)
  }
  console.log()
  console.log(table(results))
  for (const r of results) {
    const b = r.bigBatch
    if (b === undefined) continue
    console.log(
      `\n${r.tree}: one uncommitted batch of ${b.changes} changes: ${b.ms.toFixed(0)} ms (CPU ${b.cpuMs.toFixed(0)} ms), ` +
        `live heap of the prepared update ${b.liveHeapMb} MB, peak RSS so far ${b.maxRssMb} MB`,
    )
  }
  if (args.dir === undefined) rmSync(base, { recursive: true, force: true })
}

await main()
