/**
 * The chain as a node sees it: genesis, the committed head, the authenticated state and the
 * block store, with the three operations consensus and sync need — build a block (proposer),
 * validate a block (everyone), commit a certified block (one atomic batch) — plus mempool
 * admission checks and proven queries. Holds no timers and does no networking.
 */
import type { Application, QueryState } from './application.js'
import { Block, evidenceRootOf, txRootOf } from './block.js'
import { equalBytes, toHex } from './bytes.js'
import {
  APP_NAMESPACE,
  appStateKey,
  decodeMembers,
  encodeMembers,
  readNonce,
  readValidators,
  SystemKey,
} from './chain-state.js'
import { verifyCommitCertificate, type CommitCertificate } from './consensus/certificate.js'
import type { DuplicateVoteEvidence } from './consensus/evidence.js'
import { GovchainError } from './errors.js'
import { executeBlock, type BlockExecution } from './execution.js'
import { genesisHash, genesisValidatorSet, type Genesis, type Member } from './genesis.js'
import { BlockHeader } from './header.js'
import { Mutex } from './mutex.js'
import type { ChainParams } from './params.js'
import { StateOverlay, prefixedReader, prefixedWriter } from './state/overlay.js'
import type { StateProofBundle } from './lightclient.js'
import type { PreparedStateUpdate, StateReader, StateTree } from './state/types.js'
import { MetaKey } from './storage/buckets.js'
import { BlockStore } from './storage/block-store.js'
import { StorageError, StorageErrorCode, type KvStore } from './storage/kv.js'
import {
  cacheValidSignatures,
  SignatureCache,
  verifyTxSignatures,
  type SignatureBatchVerifier,
} from './signatures.js'
import { sharedVerifyPool } from './verify-pool.js'
import { TxError, TxErrorCode, type Transaction } from './tx.js'
import {
  BlockError,
  BlockErrorCode,
  validateBlockStructure,
  validateBlockTxs,
  type BlockValidationContext,
  type StructureStep,
} from './validation.js'
import type { ValidatorSet } from './validators.js'

export const ChainErrorCode = {
  NOT_NEXT_HEIGHT: 'CHAIN_NOT_NEXT_HEIGHT',
  STALE_EXECUTION: 'CHAIN_STALE_EXECUTION',
} as const
export type ChainErrorCode = (typeof ChainErrorCode)[keyof typeof ChainErrorCode]
export class ChainError extends GovchainError<ChainErrorCode> {}

export type ExecutedBlock = {
  readonly block: Block
  /** The execution without its state changes (they are in `stateUpdate`). */
  readonly execution: Omit<BlockExecution, 'changes'>
  readonly stateUpdate: PreparedStateUpdate
}

export type ChainHead = {
  readonly height: number
  /** Hash of the latest block (the genesis hash at height 0). */
  readonly hash: Uint8Array
  readonly timeMs: number
  readonly stateRoot: Uint8Array
}

/**
 * Phases reported by `validateBlock` (the benchmark prints them). All but the last are
 * consecutive steps of the calling thread and add up to the call's duration: header checks,
 * tx hashes and Merkle roots, the previous block's certificate, evidence, the transactions'
 * chain id and duplicates, execution, the state root, and `signatures` — the wait for the
 * signature batch after all that. `signatureBatch`, reported last, is the batch's own duration:
 * it runs on the verifier's threads from the end of `header` on, overlapping the other steps.
 */
export type ValidationPhase =
  StructureStep | 'transactions' | 'execution' | 'stateRoot' | 'signatures' | 'signatureBatch'

export type ChainOptions = {
  readonly store: KvStore
  readonly genesis: Genesis
  readonly app: Application
  readonly openStateTree: (store: KvStore, root: Uint8Array) => Promise<StateTree>
  /**
   * Checks a block's signatures (and mempool admissions'). Default: the shared worker-thread
   * pool (verify-pool.ts); it measured as fast as node:crypto's callback verify on libuv's pool
   * (`threadPoolVerifier`) and leaves libuv's threads to LevelDB and the event loop free.
   */
  readonly verifier?: SignatureBatchVerifier
  readonly signatureCache?: SignatureCache
  /**
   * A full garbage collection before committing a large block (see `LargeBlockCollection`).
   * Default: none.
   */
  readonly largeBlockCollection?: LargeBlockCollection
}

/**
 * Validating a block of tens of thousands of transactions leaves tens of megabytes of garbage in
 * the JavaScript heap (decoded fields, signature batch, execution scratch), which the runtime
 * collects only when its heap limit is next reached; committing the block then adds LevelDB's
 * copies of its writes (write batches, memtable) on top. `collect` — a full collection — runs once
 * in `commitBlock`, after its checks and before the writes, for blocks of at least `minTxs`
 * transactions, so those two do not add up. Measured on a 50,000-transaction block
 * (docs/bench.md): peak memory ~45 MB lower; the collection pauses ~60 ms, and the rounds ran
 * 5–9 % longer in all (the heap grows back afterwards).
 */
export type LargeBlockCollection = {
  readonly collect: () => void | Promise<void>
  readonly minTxs: number
}

export type ValidateOptions = {
  readonly nowMs?: number
  readonly round?: number
  readonly onPhase?: (phase: ValidationPhase, ms: number) => void
}

export type BuildOptions = {
  readonly candidates: readonly Transaction[]
  readonly proposer: Uint8Array
  readonly round: number
  readonly timeMs: number
  readonly evidence?: readonly DuplicateVoteEvidence[]
}

const EXECUTED_CACHE_LIMIT = 16

export class Chain {
  readonly genesis: Genesis
  readonly genesisHash: Uint8Array
  readonly app: Application
  readonly blocks: BlockStore
  readonly signatureCache: SignatureCache
  readonly #tree: StateTree
  readonly #verifier: SignatureBatchVerifier
  readonly #largeBlockCollection: LargeBlockCollection | undefined
  readonly #lock = new Mutex()
  readonly #executed = new Map<string, ExecutedBlock>()
  #head: ChainHead
  #lastCertificate: CommitCertificate | null
  /** V_h of the head, V_{h+1}, V_{h+2}. */
  #validators: { current: ValidatorSet; next: ValidatorSet; afterNext: ValidatorSet }
  #members: Member[]

  private constructor(
    opts: ChainOptions,
    tree: StateTree,
    head: ChainHead,
    lastCertificate: CommitCertificate | null,
    validators: Chain['validatorSets'],
    members: Member[],
  ) {
    this.genesis = opts.genesis
    this.genesisHash = genesisHash(opts.genesis)
    this.app = opts.app
    this.blocks = new BlockStore(opts.store)
    this.signatureCache = opts.signatureCache ?? new SignatureCache()
    this.#verifier = opts.verifier ?? sharedVerifyPool()
    this.#largeBlockCollection = opts.largeBlockCollection
    this.#tree = tree
    this.#head = head
    this.#lastCertificate = lastCertificate
    this.#validators = validators
    this.#members = members
  }

  /** Opens the chain in `store`, writing the genesis state first if the store is empty. */
  static async open(opts: ChainOptions): Promise<Chain> {
    const blocks = new BlockStore(opts.store)
    const gHash = genesisHash(opts.genesis)
    const storedGenesis = await blocks.getMeta(MetaKey.genesisHash)
    if (storedGenesis !== undefined && !equalBytes(storedGenesis, gHash)) {
      throw new StorageError(StorageErrorCode.WRONG_GENESIS, 'the database belongs to another genesis')
    }
    if (storedGenesis === undefined) await initGenesisState(opts, blocks, gHash)

    const root = await blocks.getMeta(MetaKey.stateRoot)
    if (root === undefined) throw new StorageError(StorageErrorCode.CORRUPT, 'database has no state root')
    const tree = await opts.openStateTree(opts.store, root)
    const height = await blocks.latestHeight()
    await blocks.removeUncommitted()
    let head: ChainHead = { height: 0, hash: gHash, timeMs: opts.genesis.genesisTimeMs, stateRoot: root }
    let lastCertificate: CommitCertificate | null = null
    if (height > 0) {
      const block = await blocks.getBlock(height, opts.genesis.params)
      const cert = await blocks.getCertificate(height)
      if (block === undefined || cert === undefined)
        throw new StorageError(StorageErrorCode.CORRUPT, `block ${height} is missing`)
      if (!equalBytes(block.header.stateRoot, root))
        throw new StorageError(StorageErrorCode.CORRUPT, 'state root does not match the head block')
      head = { height, hash: block.hash(), timeMs: block.header.timeMs, stateRoot: root }
      lastCertificate = cert
    }
    return new Chain(
      opts,
      tree,
      head,
      lastCertificate,
      await loadValidatorSets(tree),
      await loadMembers(tree),
    )
  }

  get chainId(): string {
    return this.genesis.chainId
  }

  get params(): ChainParams {
    return this.genesis.params
  }

  get head(): ChainHead {
    return this.#head
  }

  get height(): number {
    return this.#head.height
  }

  /** Certificate of the head block (null at height 0): goes into the next header. */
  get lastCertificate(): CommitCertificate | null {
    return this.#lastCertificate
  }

  /** V_h (head), V_{h+1} (next block), V_{h+2}. */
  get validatorSets(): { current: ValidatorSet; next: ValidatorSet; afterNext: ValidatorSet } {
    return this.#validators
  }

  /** The validator set that decides the next block. */
  get nextValidators(): ValidatorSet {
    return this.#validators.next
  }

  get members(): readonly Member[] {
    return this.#members
  }

  /** Read access to the committed state (full key space: system and application namespaces). */
  get state(): StateReader {
    return this.#tree
  }

  get stateRoot(): Uint8Array {
    return this.#tree.root()
  }

  async validatorSetAt(height: number): Promise<ValidatorSet | undefined> {
    if (height === this.#head.height + 1) return this.#validators.next
    if (height === this.#head.height + 2) return this.#validators.afterNext
    if (height === this.#head.height && height > 0) return this.#validators.current
    if (height <= 0) return undefined
    return this.blocks.getValidatorSet(height)
  }

  #validationContext(opts: ValidateOptions): BlockValidationContext {
    return {
      chainId: this.chainId,
      params: this.params,
      parent: this.#head,
      lastValidators: this.#head.height === 0 ? null : this.#validators.current,
      validators: this.#validators.next,
      nextValidators: this.#validators.afterNext,
      ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
      ...(opts.round === undefined ? {} : { round: opts.round }),
      validatorSetAt: (h) => this.validatorSetAt(h),
      isEvidenceCommitted: async (hash) => (await this.#tree.get(SystemKey.evidence(hash))) !== undefined,
    }
  }

  /**
   * Full validation of a block for the next height (consensus.md rule 18): structure, certificate,
   * evidence, signatures (one batch), execution and roots. Returns the executed block, ready to
   * commit; throws the first failure as a coded error.
   *
   * The signature batch starts once the header checks pass and runs on the verifier's threads
   * while this thread checks the roots and the certificate, executes the block and computes the
   * state root. Failures are still reported in the fixed order (validation.ts): the verdicts are
   * awaited before an execution failure is thrown, and nothing is remembered or returned before
   * every signature is known to be valid.
   */
  async validateBlock(block: Block, opts: ValidateOptions = {}): Promise<ExecutedBlock> {
    const phase = timer(opts.onPhase)
    let signatures: Promise<void> | undefined
    let batchMs = 0
    const startSignatures = () => {
      const started = performance.now()
      signatures = verifyTxSignatures(block.txs, this.#verifier, this.signatureCache).then(() => {
        batchMs = performance.now() - started
      })
      signatures.catch(() => {}) // observed below; this only keeps an early failure from going unhandled
    }
    // The structural checks depend on the local clock and round, so they run even for a block
    // executed before (the block hash commits to every byte, signatures included).
    await validateBlockStructure(block, this.#validationContext(opts), (step) => {
      phase(step)
      if (step === 'header') startSignatures()
    })
    const cached = this.#executed.get(block.hashHex())
    if (cached !== undefined && equalBytes(cached.stateUpdate.baseRoot, this.#tree.root())) {
      await signatures
      return cached
    }
    validateBlockTxs(block.txs, this.chainId)
    phase('transactions')

    const h = block.header
    let executed: Omit<ExecutedBlock, 'block'> | undefined
    let failure: unknown
    try {
      executed = await this.#executeForValidation(block, phase)
    } catch (e) {
      failure = e
    }
    await signatures // a bad signature is reported before any execution failure
    phase('signatures')
    opts.onPhase?.('signatureBatch', batchMs)
    if (executed === undefined) throw failure
    const { execution, stateUpdate } = executed
    if (!equalBytes(stateUpdate.root, h.stateRoot))
      throw new BlockError(BlockErrorCode.WRONG_STATE_ROOT, 'state root does not match execution')
    if (!equalBytes(execution.resultRoot, h.resultRoot))
      throw new BlockError(BlockErrorCode.WRONG_RESULT_ROOT, 'result root does not match the receipts')
    return this.#remember({ block, execution, stateUpdate })
  }

  /**
   * Execution and state root of a block being validated. A function of its own so that the
   * execution's state changes (a 50,000-transaction block's: ~90k keys and values) are garbage
   * once the state root is known: the caller's suspended frame would hold them until it returns.
   */
  async #executeForValidation(
    block: Block,
    phase: (phase: ValidationPhase) => void,
  ): Promise<Omit<ExecutedBlock, 'block'>> {
    const h = block.header
    const { changes, ...execution } = await executeBlock({
      app: this.app,
      state: this.#tree,
      ctx: { chainId: this.chainId, height: h.height, timeMs: h.timeMs, proposer: h.proposer },
      txs: block.txs,
      evidence: block.evidence,
      mode: 'validate',
    })
    phase('execution')
    const stateUpdate = await this.#tree.prepare(changes)
    phase('stateRoot')
    return { execution, stateUpdate }
  }

  /** Builds the next block from mempool candidates (invalid ones are dropped and reported). */
  async buildBlock(
    opts: BuildOptions,
  ): Promise<{ executed: ExecutedBlock; rejected: { tx: Transaction; error: GovchainError }[] }> {
    const height = this.#head.height + 1
    const timeMs = Math.max(opts.timeMs, this.#head.timeMs + 1)
    const evidence = opts.evidence ?? []
    const candidates = this.#fitCandidates(opts.candidates)
    const ctx = { chainId: this.chainId, height, timeMs, proposer: opts.proposer }
    const execution = await executeBlock({
      app: this.app,
      state: this.#tree,
      ctx,
      txs: candidates,
      evidence,
      mode: 'build',
    })
    const { changes, ...kept } = execution
    const stateUpdate = await this.#tree.prepare(changes)
    const header = new BlockHeader({
      chainId: this.chainId,
      height,
      round: opts.round,
      timeMs,
      prevHash: this.#head.hash,
      proposer: opts.proposer,
      validatorSetHash: this.#validators.next.hash(),
      nextValidatorSetHash: this.#validators.afterNext.hash(),
      txRoot: txRootOf(execution.txs),
      stateRoot: stateUpdate.root,
      resultRoot: execution.resultRoot,
      evidenceRoot: evidenceRootOf(evidence),
      lastCommit: this.#lastCertificate,
    })
    const executed = this.#remember({
      block: new Block(header, execution.txs, evidence),
      execution: kept,
      stateUpdate,
    })
    return {
      executed,
      rejected: execution.rejected.map((r) => ({ tx: candidates[r.index]!, error: r.error })),
    }
  }

  #fitCandidates(candidates: readonly Transaction[]): Transaction[] {
    const budget = this.params.maxBlockBytes - 256 * 1024 // header, certificate, evidence and framing
    const out: Transaction[] = []
    let bytes = 0
    for (const tx of candidates) {
      if (out.length >= this.params.maxBlockTxs) break
      const size = tx.serialize().length + 5
      if (bytes + size > budget) break
      bytes += size
      out.push(tx)
    }
    return out
  }

  #remember(executed: ExecutedBlock): ExecutedBlock {
    if (this.#executed.size >= EXECUTED_CACHE_LIMIT)
      this.#executed.delete(this.#executed.keys().next().value!)
    this.#executed.set(executed.block.hashHex(), executed)
    return executed
  }

  /** An executed block seen before (built or validated) for the next height, by hash. */
  executedBlock(hash: Uint8Array): ExecutedBlock | undefined {
    const e = this.#executed.get(toHex(hash))
    return e !== undefined && equalBytes(e.stateUpdate.baseRoot, this.#tree.root()) ? e : undefined
  }

  /** Commits a validated block with its certificate (rule 17 re-checked) in one atomic batch. */
  async commitBlock(executed: ExecutedBlock, certificate: CommitCertificate): Promise<void> {
    await this.#lock.run(async () => {
      const { block, stateUpdate } = executed
      if (block.height !== this.#head.height + 1) {
        throw new ChainError(
          ChainErrorCode.NOT_NEXT_HEIGHT,
          `block ${block.height} is not the next height ${this.#head.height + 1}`,
        )
      }
      if (!equalBytes(stateUpdate.baseRoot, this.#tree.root())) {
        throw new ChainError(ChainErrorCode.STALE_EXECUTION, 'block was executed against another state')
      }
      verifyCommitCertificate(certificate, this.#validators.next, {
        chainId: this.chainId,
        height: block.height,
        blockHash: block.hash(),
      })
      const collection = this.#largeBlockCollection
      if (collection !== undefined && block.txs.length >= collection.minTxs) await collection.collect()
      await this.blocks.commit(
        {
          block,
          certificate,
          receiptBytes: executed.execution.receiptBytes,
          validators: this.#validators.next,
          stateRoot: stateUpdate.root,
          stateWrites: stateUpdate.writes,
        },
        this.#tree.abandonedWrites?.(stateUpdate) ?? [],
      )
      this.#tree.commit(stateUpdate)
      this.#head = {
        height: block.height,
        hash: block.hash(),
        timeMs: block.header.timeMs,
        stateRoot: stateUpdate.root,
      }
      this.#lastCertificate = certificate
      this.#validators = await loadValidatorSets(this.#tree)
      this.#members = await loadMembers(this.#tree)
      this.#executed.clear()
    })
  }

  /** Sync: validates and commits a block received with its certificate from a peer. */
  async applyCertifiedBlock(
    block: Block,
    certificate: CommitCertificate,
    opts: Pick<ValidateOptions, 'onPhase'> = {},
  ): Promise<void> {
    verifyCommitCertificate(certificate, this.#validators.next, {
      chainId: this.chainId,
      height: block.height,
      blockHash: block.hash(),
    })
    const executed = await this.validateBlock(block, opts)
    await this.commitBlock(executed, certificate)
  }

  /**
   * Mempool admission against the committed state: chain id, expiry, nonce (a future nonce is
   * allowed when `allowFutureNonce`, for per-account queues), signature (cached), then the
   * application's `checkTx`. Throws a coded error.
   */
  async checkTx(tx: Transaction, opts: { allowFutureNonce?: boolean } = {}): Promise<void> {
    const height = this.#head.height + 1
    const refusal = await this.#refusalBeforeSignature(tx, height, opts.allowFutureNonce ?? false)
    if (refusal !== undefined) throw refusal
    await verifyTxSignatures([tx], this.#verifier, this.signatureCache)
    await this.app.checkTx(tx, prefixedReader(this.#tree, APP_NAMESPACE), { chainId: this.chainId, height })
  }

  /**
   * The checks `checkTx` makes before the signature (chain id, expiry, nonce) for a transaction
   * in block `height`: the first failure.
   */
  async #refusalBeforeSignature(
    tx: Transaction,
    height: number,
    allowFutureNonce: boolean,
  ): Promise<TxError | undefined> {
    if (tx.chainId !== this.chainId)
      return new TxError(TxErrorCode.WRONG_CHAIN, `transaction is for chain ${tx.chainId}`)
    if (tx.expiryHeight !== null && height > tx.expiryHeight)
      return new TxError(TxErrorCode.EXPIRED, `transaction expired at height ${tx.expiryHeight}`)
    const expected = await readNonce(this.#tree, tx.sender)
    if (tx.nonce < expected)
      return new TxError(TxErrorCode.BAD_NONCE, `nonce ${tx.nonce} already used; next is ${expected}`, {
        expected,
      })
    if (tx.nonce > expected && !allowFutureNonce)
      return new TxError(TxErrorCode.BAD_NONCE, `nonce ${tx.nonce}, expected ${expected}`, { expected })
    return undefined
  }

  /**
   * Verifies the signatures of transactions about to be admitted (`checkTx` one by one, a future
   * nonce allowed) as one batch on the verifier's threads, caching the valid ones; returns how
   * many it verified and how many of them were invalid (which `checkTx` then refuses as usual).
   * A transaction that `checkTx` refuses before its signature is left out, so that replayed
   * transactions cost no verification (nor a place in the cache).
   */
  async preverifySignatures(txs: readonly Transaction[]): Promise<{ verified: number; invalid: number }> {
    const height = this.#head.height + 1
    const candidates: Transaction[] = []
    for (const tx of txs) {
      if ((await this.#refusalBeforeSignature(tx, height, true)) === undefined) candidates.push(tx)
    }
    return cacheValidSignatures(candidates, this.#verifier, this.signatureCache)
  }

  async nonceOf(sender: Uint8Array): Promise<number> {
    return readNonce(this.#tree, sender)
  }

  /** Runs an application query against the committed state; `proveKeys` are proven in one bundle. */
  async query(path: string, params: Readonly<Record<string, string>>, opts: { prove?: boolean } = {}) {
    return this.#lock.run(async () => {
      const queryState: QueryState = {
        get: (key) => this.#tree.get(appStateKey(key)),
        prove: (key) => this.#tree.prove(appStateKey(key)),
        height: this.#head.height,
      }
      const result = await this.app.query(path, params, queryState)
      const proof =
        opts.prove && result.proveKeys !== undefined
          ? await this.#proveUnlocked(result.proveKeys.map(appStateKey))
          : undefined
      return { height: this.#head.height, value: result.value, proof }
    })
  }

  /** Proves raw state keys against the head's state root, with everything a light client needs. */
  async proveState(keys: readonly Uint8Array[]): Promise<StateProofBundle> {
    return this.#lock.run(() => this.#proveUnlocked(keys))
  }

  async #proveUnlocked(keys: readonly Uint8Array[]): Promise<StateProofBundle> {
    const height = this.#head.height
    if (height === 0 || this.#lastCertificate === null) {
      throw new ChainError(
        ChainErrorCode.NOT_NEXT_HEIGHT,
        'nothing is committed yet; proofs start at height 1',
      )
    }
    const block = await this.blocks.getBlock(height, this.params)
    if (block === undefined) throw new StorageError(StorageErrorCode.CORRUPT, `block ${height} is missing`)
    const values = await this.#tree.getMany(keys)
    const entries = await Promise.all(
      keys.map(async (key, i) => ({ key, value: values[i] ?? null, proof: await this.#tree.prove(key) })),
    )
    const validatorChanges = []
    for (const h of await this.blocks.validatorSetChangeHeights()) {
      if (h >= height) break
      const [b, cert, next] = await Promise.all([
        this.blocks.getBlock(h, this.params),
        this.blocks.getCertificate(h),
        this.validatorSetAt(h + 1),
      ])
      if (b === undefined || cert === undefined || next === undefined)
        throw new StorageError(StorageErrorCode.CORRUPT, `validator change at ${h} is incomplete`)
      validatorChanges.push({ header: b.header, certificate: cert, nextValidators: next })
    }
    return {
      chainId: this.chainId,
      header: block.header,
      certificate: this.#lastCertificate,
      validatorChanges,
      entries,
    }
  }
}

function timer(onPhase: ValidateOptions['onPhase']): (phase: ValidationPhase) => void {
  if (onPhase === undefined) return () => {}
  let last = performance.now()
  return (phase) => {
    const now = performance.now()
    onPhase(phase, now - last)
    last = now
  }
}

async function loadValidatorSets(
  state: StateReader,
): Promise<{ current: ValidatorSet; next: ValidatorSet; afterNext: ValidatorSet }> {
  const [current, next, afterNext] = await Promise.all([
    readValidators(state, SystemKey.validatorsCurrent),
    readValidators(state, SystemKey.validatorsNext),
    readValidators(state, SystemKey.validatorsAfterNext),
  ])
  return { current, next, afterNext }
}

async function loadMembers(state: StateReader): Promise<Member[]> {
  const bytes = await state.get(SystemKey.members)
  return bytes === undefined ? [] : decodeMembers(bytes)
}

/** Writes the genesis state (system keys + application genesis) and meta in one batch. */
async function initGenesisState(opts: ChainOptions, blocks: BlockStore, gHash: Uint8Array): Promise<void> {
  const tree = await opts.openStateTree(opts.store, new Uint8Array(32))
  const overlay = new StateOverlay(tree)
  const set = genesisValidatorSet(opts.genesis).serialize()
  overlay.set(SystemKey.validatorsCurrent, set)
  overlay.set(SystemKey.validatorsNext, set)
  overlay.set(SystemKey.validatorsAfterNext, set)
  overlay.set(SystemKey.members, encodeMembers(opts.genesis.members))
  await opts.app.initGenesis(opts.genesis, prefixedWriter(overlay, APP_NAMESPACE))
  const update = await tree.prepare(overlay.changes())
  await opts.store.write(
    [
      ...update.writes,
      blocks.metaWrite(MetaKey.genesisHash, gHash),
      blocks.metaWrite(MetaKey.stateRoot, update.root),
      blocks.metaWrite(MetaKey.latestHeight, new Uint8Array(8)),
    ],
    { sync: true },
  )
  tree.commit(update)
}
