/**
 * Cached benchmark inputs under the bench directory (`.bench/validate/`, git-ignored):
 *
 * - a state fixture per (state keys, senders, seed): a LevelDB holding the genesis, the filler
 *   records and a committed block 1 (so that measured blocks, at height 2, carry a commit
 *   certificate to check); `fixture.json` is written last and marks it complete;
 * - a block per (state fixture, transactions): the bytes of a valid block 2 and a certificate
 *   for it (to commit it).
 *
 * Every measured round works on a throw-away clone of the state: LevelDB never rewrites a table
 * file, so the clone hard-links the tables and copies the few small mutable files (manifest,
 * log) — milliseconds even for a million keys.
 */
import { copyFile, link, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  Bucket,
  bucketEnd,
  bucketKey,
  BlockStore,
  Chain,
  createBlockFromBytes,
  createCommitCertificate,
  createCommitCertificateFromBytes,
  MetaKey,
  openLevelStore,
  signVote,
  SparseMerkleTree,
  StateOverlay,
  VoteType,
  type Block,
  type CommitCertificate,
  type KvStore,
  type SignatureBatchVerifier,
  type SignatureCache,
} from '@govchain/ledger'
// The module alone: the package's index would load libp2p and fastify into the case process.
import { largeBlockCollection } from '@govchain/network/large-block-collection'
import { createGovApplication } from '../application.js'
import { BenchError, BenchErrorCode } from './errors.js'
import {
  benchGenesis,
  benchSenders,
  BENCH_VALIDATORS,
  generateBlockTxs,
  validatorKey,
  writeFiller,
  type FillerCounts,
} from './workload.js'

/** Bump when the workload or the stored layout changes: old fixtures are then rebuilt. */
export const FIXTURE_VERSION = 2

export type StateFixture = {
  readonly dir: string
  /** The base database was reopened after building: its log is empty (see `settleBase`). */
  readonly settled?: boolean
  readonly requestedKeys: number
  /** State keys actually present (genesis + filler). */
  readonly stateKeys: number
  readonly senders: number
  readonly seed: number
  readonly filler: FillerCounts
  /** How long building it took (ms), the first time. */
  readonly buildMs: number
}

export type BlockFixture = {
  readonly bytes: Uint8Array
  readonly certificate: CommitCertificate
  readonly txs: number
}

export async function openBenchChain(
  store: KvStore,
  senders: number,
  opts: { verifier?: SignatureBatchVerifier; signatureCache?: SignatureCache; preload?: boolean } = {},
): Promise<Chain> {
  const { preload, ...chainOpts } = opts
  return Chain.open({
    store,
    genesis: benchGenesis(benchSenders(senders)),
    app: createGovApplication(),
    openStateTree: async (s, root) => {
      const tree = await SparseMerkleTree.open(s, root)
      if (preload) await tree.preload()
      return tree
    },
    // As a member node (network node.ts).
    largeBlockCollection: largeBlockCollection(),
    ...chainOpts,
  })
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/** A certificate for `block` signed by every bench validator. */
export function certifyBlock(chain: Chain, block: Block, round = 0): CommitCertificate {
  const set = chain.nextValidators
  const votes = Array.from({ length: BENCH_VALIDATORS }, (_, i) => {
    const k = validatorKey(i)
    return signVote(
      {
        chainId: chain.chainId,
        type: VoteType.PRECOMMIT,
        height: block.height,
        round,
        blockHash: block.hash(),
      },
      k.secretKey,
      k.publicKey,
    )
  })
  return createCommitCertificate(set, votes)
}

/**
 * Opens and closes the base database once more: LevelDB then turns its write-ahead log into a
 * table and records it in a fresh manifest. Without this every clone would replay the log (tens
 * of MB after building a large state) and write the same table again, and — worse — could
 * create that table under the number of an unrecorded table file it shares with the base by a
 * hard link, writing into the base's copy.
 */
async function settleBase(path: string): Promise<void> {
  const store = await openLevelStore(path)
  await store.close()
}

/**
 * Hard-links LevelDB's immutable tables and copies the rest into `to` (a fresh directory). Safe
 * for a settled base only (see `settleBase`): LevelDB never rewrites a recorded table file.
 */
export async function cloneDb(from: string, to: string): Promise<void> {
  await rm(to, { recursive: true, force: true })
  await mkdir(to, { recursive: true })
  for (const name of await readdir(from)) {
    if (name === 'LOCK') continue
    const src = join(from, name)
    if (name.endsWith('.ldb') || name.endsWith('.sst')) await link(src, join(to, name))
    else await copyFile(src, join(to, name))
  }
}

async function countKeys(store: KvStore, bucket: Bucket): Promise<number> {
  let n = 0
  for await (const _ of store.range({ gte: bucketKey(bucket, new Uint8Array(0)), lt: bucketEnd(bucket) })) n++
  return n
}

export function stateFixtureDir(root: string, keys: number, senders: number, seed: number): string {
  return join(root, `state-v${FIXTURE_VERSION}-k${keys}-s${senders}-seed${seed}`)
}

/**
 * The cached state fixture, built first if missing (a million keys take minutes: the filler is
 * written in batches of 50,000 changes through the state tree, like blocks).
 */
export async function ensureStateFixture(opts: {
  readonly root: string
  readonly keys: number
  readonly senders: number
  readonly seed: number
  readonly onProgress?: (done: number, total: number) => void
}): Promise<StateFixture & { readonly built: boolean }> {
  const dir = stateFixtureDir(opts.root, opts.keys, opts.senders, opts.seed)
  const metaPath = join(dir, 'fixture.json')
  if (await exists(metaPath)) {
    const cached = { ...(JSON.parse(await readFile(metaPath, 'utf8')) as StateFixture), dir }
    if (!cached.settled) {
      await settleBase(join(dir, 'base'))
      await writeFile(metaPath, JSON.stringify({ ...cached, settled: true }, null, 2))
    }
    return { ...cached, settled: true, built: false }
  }
  const started = performance.now()
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const store = await openLevelStore(join(dir, 'base'))
  let filler: FillerCounts
  let stateKeys: number
  try {
    const genesisChain = await openBenchChain(store, opts.senders)
    const genesisKeys = await countKeys(store, Bucket.stateValue)
    const tree = await SparseMerkleTree.open(store, genesisChain.stateRoot)
    const blocks = new BlockStore(store)
    filler = await writeFiller({
      keys: Math.max(0, opts.keys - genesisKeys),
      seed: opts.seed,
      newState: () => new StateOverlay(tree),
      flush: async (overlay) => {
        const update = await tree.prepare((overlay as StateOverlay).changes())
        await store.write([...update.writes, blocks.metaWrite(MetaKey.stateRoot, update.root)], {
          sync: false,
        })
        tree.commit(update)
      },
      onProgress: (n) => opts.onProgress?.(genesisKeys + n, opts.keys),
    })
    stateKeys = await countKeys(store, Bucket.stateValue)
    // Block 1 (empty, certified), so that the measured blocks carry a certificate to check.
    const chain = await openBenchChain(store, opts.senders)
    const proposer = chain.nextValidators.proposer(1, 0).publicKey
    const { executed } = await chain.buildBlock({
      candidates: [],
      proposer,
      round: 0,
      timeMs: chain.head.timeMs + 1000,
    })
    await chain.commitBlock(executed, certifyBlock(chain, executed.block))
  } finally {
    await store.close()
  }
  await settleBase(join(dir, 'base'))
  const fixture: StateFixture = {
    dir,
    settled: true,
    requestedKeys: opts.keys,
    stateKeys,
    senders: opts.senders,
    seed: opts.seed,
    filler,
    buildMs: Math.round(performance.now() - started),
  }
  await writeFile(metaPath, JSON.stringify(fixture, null, 2))
  return { ...fixture, built: true }
}

/**
 * Opens a throw-away clone of the fixture's state at `work` (removed by the returned close), as
 * a running node has it: the state tree's cached levels loaded (which also opens LevelDB's
 * tables), not cold from disk.
 */
export async function openStateClone(
  fixture: StateFixture,
  work: string,
  opts: {
    verifier?: SignatureBatchVerifier
    signatureCache?: SignatureCache
    /** What the chain gets instead of the store itself (e.g. `recordingStore`). */
    wrapStore?: (store: KvStore) => KvStore
  } = {},
): Promise<{ chain: Chain; store: KvStore; close: () => Promise<void> }> {
  const { store, close } = await openStoreClone(fixture, work)
  const { wrapStore, ...chainOpts } = opts
  const chain = await openBenchChain(wrapStore?.(store) ?? store, fixture.senders, {
    ...chainOpts,
    preload: true,
  })
  return { chain, store, close }
}

/** A fresh copy of the fixture's database at `work`, without a chain over it. */
export async function openStoreClone(
  fixture: StateFixture,
  work: string,
): Promise<{ store: KvStore; close: () => Promise<void> }> {
  await cloneDb(join(fixture.dir, 'base'), work)
  const store = await openLevelStore(work)
  return {
    store,
    close: async () => {
      await store.close()
      await rm(work, { recursive: true, force: true })
    },
  }
}

/** The cached block of `txs` transactions for the next height of the fixture, built if missing. */
export async function ensureBlockFixture(opts: {
  readonly fixture: StateFixture
  readonly txs: number
  readonly seed: number
  readonly work: string
  readonly onProgress?: (done: number, total: number) => void
}): Promise<BlockFixture & { readonly built: boolean }> {
  const base = join(opts.fixture.dir, `block-${opts.txs}-seed${opts.seed}`)
  if (await exists(`${base}.cert`)) {
    return {
      bytes: new Uint8Array(await readFile(`${base}.bin`)),
      certificate: createCommitCertificateFromBytes(new Uint8Array(await readFile(`${base}.cert`))),
      txs: opts.txs,
      built: false,
    }
  }
  const { chain, close } = await openStateClone(opts.fixture, opts.work)
  try {
    const txs = generateBlockTxs({
      count: opts.txs,
      seed: opts.seed,
      senders: benchSenders(opts.fixture.senders),
      filler: opts.fixture.filler,
      onProgress: (n) => opts.onProgress?.(n, opts.txs),
    })
    const height = chain.height + 1
    const { executed, rejected } = await chain.buildBlock({
      candidates: txs,
      proposer: chain.nextValidators.proposer(height, 0).publicKey,
      round: 0,
      timeMs: chain.head.timeMs + 1000,
    })
    if (rejected.length > 0 || executed.block.txs.length !== opts.txs) {
      const first = rejected[0]
      throw new BenchError(
        BenchErrorCode.WORKLOAD_REFUSED,
        `bench workload: ${rejected.length} of ${opts.txs} transactions were refused` +
          (first ? ` (first: ${first.error.code} ${first.error.message})` : ''),
      )
    }
    const block = executed.block
    const certificate = certifyBlock(chain, block)
    await writeFile(`${base}.bin`, block.serialize())
    await writeFile(`${base}.cert`, certificate.serialize())
    // Sanity: the stored bytes decode to the same block.
    createBlockFromBytes(block.serialize(), chain.params)
    return { bytes: block.serialize(), certificate, txs: opts.txs, built: true }
  } finally {
    await close()
  }
}
