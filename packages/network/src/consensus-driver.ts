/**
 * The consensus driver: runs the ledger's pure Tendermint reducer (`apply`) against the world.
 * It feeds the reducer network messages (checked at the boundary with `acceptConsensusMessage`:
 * membership, signature, height, round bound), timer expiries from an injected clock, answers
 * to its requests (block built, block validated), and executes its outputs:
 *
 *   broadcast         sign through the `Signer`, whose store appends the WAL record and fsyncs
 *                     it BEFORE the signature exists outside; then gossip and feed it back
 *   schedule-timeout  a timer on the injected clock; a propose timeout that expires while this
 *                     node validates a proposal of that round waits for the verdict (at most
 *                     one more propose timeout), see `#onTimer`
 *   build-proposal    reap the mempool, `chain.buildBlock`, answer `proposal-value`
 *   request-validation  `chain.validateBlock` (full rule 18), answer `validity`
 *   commit            `chain.commitBlock` (one synced batch) in the commit lane, events, then
 *                     after the commit timeout `new-height`
 *   evidence          pooled for the next block this node proposes
 *
 * Inputs are processed one at a time, in arrival order. Rule 14: own messages and the quorum
 * behind the valid value are re-broadcast periodically (`gossipMessages`). On start the WAL
 * rebuilds the state machine and the signer (`restoreState`).
 */
import {
  acceptConsensusMessage,
  AcceptanceCode,
  apply,
  consensusConfig,
  gossipMessages,
  initialState,
  isGovchainError,
  GovchainError,
  messageFromStep,
  restoreState,
  sign,
  Signer,
  snapshotOf,
  Step,
  TimeoutStep,
  toHex,
  compareSteps,
  createBlockFromBytes,
  type Block,
  type Chain,
  type CommitCertificate,
  type ConsensusInput,
  type ConsensusMessage,
  type ConsensusOutput,
  type ConsensusState,
  type DuplicateVoteEvidence,
  type KeyPair,
  type MessageIntent,
  type Mutex,
  type Proposal,
  type ValidatorSet,
  type Vote,
} from '@govchain/ledger'
import type { ConsensusTimingConfig } from './config.js'
import { P2pErrorCode } from './errors.js'
import type { Logger } from './logger.js'
import type { Mempool } from './mempool.js'
import type { NodeMetrics } from './metrics.js'
import { ACCEPT, ignore, reject, type Gossip, type Verdict } from './p2p/gossip.js'
import { Penalty } from './p2p/peer-scores.js'
import type { PriorityGate } from './priority-gate.js'
import type { Wal } from './wal.js'

/** Time and timers, injected so tests and simulations control them. */
export type Clock = {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
}

export type ConsensusDriverOptions = {
  readonly chain: Chain
  readonly mempool: Mempool
  readonly gossip: Gossip
  readonly wal: Wal
  readonly validatorKey: KeyPair | null
  readonly timing: ConsensusTimingConfig
  readonly maxBlockTxs: number
  readonly clock: Clock
  readonly commitLane: Mutex
  /** Block work runs through it, ahead of transaction admission. */
  readonly gate: PriorityGate
  /**
   * After a block committed by consensus (inside the commit lane): events, mempool, gater.
   * `latencyMs`: from the start of the height on this node to the commit.
   */
  readonly onCommitted: (
    block: Block,
    certificate: CommitCertificate,
    info: { readonly latencyMs: number | null },
  ) => Promise<void>
  /** A message from a height beyond the next one: we are behind. */
  readonly requestSync: () => void
  /** Fetches a block of the current height by hash from peers (proposal gossip lost). */
  readonly fetchBlock?: (hash: Uint8Array) => Promise<Block | undefined>
  readonly logger: Logger
  readonly metrics?: NodeMetrics
}

export const ConsensusDriverErrorCode = { UNKNOWN_BLOCK: 'CONSENSUS_UNKNOWN_BLOCK' } as const
export type ConsensusDriverErrorCode =
  (typeof ConsensusDriverErrorCode)[keyof typeof ConsensusDriverErrorCode]
export class ConsensusDriverError extends GovchainError<ConsensusDriverErrorCode> {}

const MAX_CANDIDATE_BLOCKS = 64
const MAX_EVIDENCE_POOL = 256

export class ConsensusDriver {
  readonly #o: ConsensusDriverOptions
  readonly #log: Logger
  #state: ConsensusState
  #signer: Signer | null = null
  #queue: Promise<void> = Promise.resolve()
  readonly #blocks = new Map<string, Block>()
  readonly #timers = new Set<unknown>()
  /** Validations in flight of proposals, by `height/round` of the proposal. */
  readonly #validating = new Map<string, Promise<void>>()
  readonly #evidence = new Map<string, DuplicateVoteEvidence>()
  #running = false
  #rebroadcast: NodeJS.Timeout | undefined
  #walContext: { block: Uint8Array | null } = { block: null }
  #nextHeightScheduled = 0
  #lastCommitAt = 0
  /** Clock time at which the current height started here (0: restored from the WAL, unknown). */
  #heightStartedAt = 0
  /** The last height, round and step entered, and when (what the re-broadcast duty waits on). */
  #progress = { height: -1, round: -1, step: '', at: 0 }

  constructor(opts: ConsensusDriverOptions) {
    this.#o = opts
    this.#log = opts.logger.child({ module: 'consensus' })
    this.#state = initialState(this.#config())
  }

  #config() {
    const t = this.#o.timing
    return consensusConfig({
      chainId: this.#o.chain.chainId,
      self: this.#o.validatorKey?.publicKey ?? null,
      timeouts: {
        proposeMs: t.proposeMs,
        prevoteMs: t.prevoteMs,
        precommitMs: t.precommitMs,
        growth: t.growth,
        capMs: t.capMs,
      },
    })
  }

  get height(): number {
    return this.#state.height
  }

  get round(): number {
    return this.#state.round
  }

  get step(): string {
    return this.#state.step
  }

  /** Restores from the WAL (or starts the next height) and begins processing. */
  async start(): Promise<void> {
    const { chain, wal, validatorKey } = this.#o
    const records = await wal.load()
    this.#running = true
    if (validatorKey !== null) {
      let last = null
      for (const r of records) if (last === null || compareSteps(r.step, last) > 0) last = r.step
      this.#signer = new Signer({
        chainId: chain.chainId,
        publicKey: validatorKey.publicKey,
        sign: (message) => sign(validatorKey.secretKey, message),
        store: {
          save: async (step) => {
            const started = performance.now()
            await wal.append({ snapshot: snapshotOf(this.#state), step, block: this.#walContext.block })
            this.#o.metrics?.walWriteSeconds.observe((performance.now() - started) / 1000)
          },
        },
        last,
      })
    }
    const height = chain.height + 1
    const current = records.filter((r) => r.step.height === height)
    const snapshot = [...current].reverse().find((r) => r.snapshot !== null)?.snapshot ?? null
    await this.#run(async () => {
      if (validatorKey !== null && snapshot !== null && snapshot.height === height) {
        for (const r of current) {
          if (r.block === null) continue
          try {
            const b = createBlockFromBytes(r.block, chain.params)
            this.#keepCandidate(b)
          } catch {
            // a damaged block record: the block will be fetched or rebuilt
          }
        }
        const messages = current.map((r) => messageFromStep(chain.chainId, validatorKey.publicKey, r.step))
        this.#log.info(
          { height, round: snapshot.round, step: snapshot.step, messages: messages.length },
          'restoring consensus from the WAL',
        )
        const t = restoreState(this.#config(), { snapshot, validators: chain.nextValidators, messages })
        this.#state = t.state
        await this.#execute(t.outputs)
      } else {
        await this.#step({ kind: 'new-height', height, validators: chain.nextValidators })
      }
    })
    this.#rebroadcast = setInterval(
      () => this.#enqueue(() => this.#rebroadcastDuty()),
      this.#o.timing.rebroadcastMs,
    )
    this.#rebroadcast.unref()
  }

  async stop(): Promise<void> {
    this.#running = false
    if (this.#rebroadcast) clearInterval(this.#rebroadcast)
    for (const t of this.#timers) this.#o.clock.clearTimeout(t)
    this.#timers.clear()
    await this.#queue
  }

  /** Serialises work on the state machine. */
  #run(fn: () => Promise<void>): Promise<void> {
    const p = this.#queue.then(fn, fn)
    this.#queue = p.catch((e: Error) =>
      this.#log.error({ err: e.message, stack: e.stack }, 'consensus step failed'),
    )
    return p
  }

  #enqueue(fn: () => Promise<void>): void {
    if (!this.#running) return
    void this.#run(fn).catch(() => {})
  }

  #input(input: ConsensusInput): void {
    this.#enqueue(() => this.#step(input))
  }

  async #step(input: ConsensusInput): Promise<void> {
    if (!this.#running) return
    const t = apply(this.#state, input)
    if (input.kind !== 'vote' && input.kind !== 'proposal')
      this.#log.debug(
        {
          input: input.kind,
          ...describeInput(input),
          outputs: t.outputs.map((o) => o.kind),
          height: t.state.height,
          round: t.state.round,
          step: t.state.step,
        },
        'step',
      )
    this.#state = t.state
    this.#noteProgress()
    if (input.kind === 'new-height') this.#onNewHeight(input.height)
    this.#o.metrics?.consensusRound.set(this.#state.round)
    await this.#execute(t.outputs)
  }

  #onNewHeight(height: number): void {
    this.#heightStartedAt = this.#o.clock.now()
    for (const [k, b] of this.#blocks) if (b.height < height) this.#blocks.delete(k)
    void this.#o.wal.prune(height - 1).catch(() => {})
  }

  async #execute(outputs: readonly ConsensusOutput[]): Promise<void> {
    for (const out of outputs) {
      switch (out.kind) {
        case 'broadcast':
          await this.#broadcast(out.message)
          break
        case 'schedule-timeout':
          this.#after(out.durationMs, () => this.#onTimer(out))
          break
        case 'build-proposal':
          void this.#build(out.height, out.round)
          break
        case 'request-validation': {
          const key = `${out.height}/${out.round}`
          const done: Promise<void> = this.#validate(out.height, out.round, out.blockHash).finally(() => {
            if (this.#validating.get(key) === done) this.#validating.delete(key)
          })
          this.#validating.set(key, done)
          break
        }
        case 'commit':
          await this.#commit(out.height, out.blockHash, out.certificate)
          break
        case 'evidence':
          if (this.#evidence.size < MAX_EVIDENCE_POOL)
            this.#evidence.set(toHex(out.evidence.hash()), out.evidence)
          this.#log.warn(
            { validator: toHex(out.evidence.validator), height: out.evidence.height },
            'equivocation seen',
          )
          break
      }
    }
  }

  async #broadcast(intent: MessageIntent): Promise<void> {
    if (this.#signer === null) return
    // A re-proposed validValue (L16) may be a block this node only received from an earlier
    // round's proposer and lost in a restart (its WAL keeps only the blocks it proposed): the
    // peers that prevoted for it have it. The lane waits for the fetch, as the round's other
    // validators wait for this proposal.
    const block = intent.kind === 'proposal' ? await this.#candidate(intent.fields.blockHash) : undefined
    if (intent.kind === 'proposal' && block === undefined) {
      this.#log.warn({ height: intent.fields.height }, 'no block for own proposal; skipping it')
      return
    }
    this.#walContext = { block: block === undefined ? null : block.serialize() }
    let message: ConsensusMessage
    try {
      // The signer's store appends and fsyncs the WAL record before this resolves.
      message = await this.#signer.sign(intent)
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'signer refused')
      return
    } finally {
      this.#walContext = { block: null }
    }
    if (message.kind === 'proposal') await this.#o.gossip.publishProposal(message.proposal, block!)
    else await this.#o.gossip.publishVote(message.vote)
    await this.#step(message)
  }

  async #build(height: number, round: number): Promise<void> {
    const { chain, mempool, validatorKey } = this.#o
    if (validatorKey === null || chain.height + 1 !== height) return
    const started = performance.now()
    try {
      const candidates = mempool.reap(
        this.#o.maxBlockTxs,
        Math.max(1024, chain.params.maxBlockBytes - 512 * 1024),
      )
      const { executed, rejected } = await this.#o.gate.run(() =>
        chain.buildBlock({
          candidates,
          proposer: validatorKey.publicKey,
          round,
          timeMs: this.#o.clock.now(),
          evidence: [...this.#evidence.values()].slice(0, chain.params.maxBlockEvidence),
        }),
      )
      // A nonce gap is not the transaction's fault (an earlier one may still arrive): keep it.
      for (const r of rejected) if (r.error.code !== 'TX_BAD_NONCE') mempool.drop(r.tx.hashHex(), r.error)
      const block = executed.block
      this.#log.debug(
        { height, round, txs: block.txs.length, ms: Math.round(performance.now() - started) },
        'built block',
      )
      this.#keepCandidate(block)
      this.#input({ kind: 'proposal-value', height, round, blockHash: block.hash() })
    } catch (e) {
      this.#log.error({ height, round, err: (e as Error).message }, 'building a block failed')
    }
  }

  #after(ms: number, fn: () => void): void {
    const handle = this.#o.clock.setTimeout(() => {
      this.#timers.delete(handle)
      fn()
    }, ms)
    this.#timers.add(handle)
  }

  /**
   * A timer expired. A propose timeout of a round whose proposal this node is still validating
   * waits for the verdict — a proposal that arrived in time is not prevoted nil only because
   * checking it takes long (CometBFT gets the same effect by validating a complete proposal
   * inside its single consensus loop, ahead of the queued timeout). The wait is bounded by one
   * more propose timeout, so a validation that hangs delays the round, never stops it. Timeouts
   * only decide liveness: delaying one cannot break safety.
   */
  #onTimer(out: Extract<ConsensusOutput, { kind: 'schedule-timeout' }>): void {
    const fire = () => this.#input({ kind: 'timeout', step: out.step, height: out.height, round: out.round })
    const validating =
      out.step === TimeoutStep.PROPOSE ? this.#validating.get(`${out.height}/${out.round}`) : undefined
    if (validating === undefined) return fire()
    this.#o.metrics?.proposeTimeoutsDeferred.inc()
    let fired = false
    const once = () => {
      if (fired || !this.#running) return
      fired = true
      fire()
    }
    // The verdict goes in first (#validate feeds it), so the timeout that follows is stale if the
    // node prevoted for the block.
    void validating.then(once)
    this.#after(out.durationMs, once)
  }

  async #validate(height: number, round: number, blockHash: Uint8Array): Promise<void> {
    const { chain } = this.#o
    const block = await this.#candidate(blockHash)
    if (block === undefined || chain.height + 1 !== height) return
    let valid = true
    const started = performance.now()
    try {
      const phases: Record<string, number> = {}
      await this.#o.gate.run(() =>
        chain.validateBlock(block, {
          nowMs: this.#o.clock.now(),
          round,
          onPhase: (phase, ms) => {
            phases[phase] = Math.round(ms)
            this.#o.metrics?.validationPhaseSeconds.observe({ phase }, ms / 1000)
          },
        }),
      )
      this.#log.debug(
        { height, round, txs: block.txs.length, ms: Math.round(performance.now() - started), phases },
        'validated block',
      )
    } catch (e) {
      valid = false
      this.#log.debug(
        { height, round, code: isGovchainError(e) ? e.code : undefined, err: (e as Error).message },
        'proposed block is invalid',
      )
    }
    this.#input({ kind: 'validity', height, blockHash, valid })
  }

  async #commit(height: number, blockHash: Uint8Array, certificate: CommitCertificate): Promise<void> {
    const { chain } = this.#o
    const block = this.#blocks.get(toHex(blockHash))
    await this.#o.commitLane.run(() =>
      this.#o.gate.run(async () => {
        if (chain.height >= height) return // sync got there first
        if (block === undefined)
          throw new ConsensusDriverError(
            ConsensusDriverErrorCode.UNKNOWN_BLOCK,
            `decided block ${toHex(blockHash)} is not known`,
          )
        const started = performance.now()
        const executed = chain.executedBlock(blockHash) ?? (await chain.validateBlock(block))
        await chain.commitBlock(executed, certificate)
        const metrics = this.#o.metrics
        metrics?.blockCommitSeconds.observe((performance.now() - started) / 1000)
        metrics?.roundsPerHeight.observe(certificate.round + 1)
        const latencyMs =
          this.#heightStartedAt > 0 && this.#state.height === height
            ? Math.max(0, this.#o.clock.now() - this.#heightStartedAt)
            : null
        if (latencyMs !== null) metrics?.commitLatencySeconds.observe(latencyMs / 1000)
        await this.#o.onCommitted(block, certificate, { latencyMs })
        this.#log.info(
          { height, round: certificate.round, txs: block.txs.length, hash: block.hashHex() },
          'committed block',
        )
      }),
    )
    for (const ev of block?.evidence ?? []) this.#evidence.delete(toHex(ev.hash()))
    this.#scheduleNextHeight(block?.txs.length ?? 0)
  }

  /**
   * After a commit: wait the commit timeout, then start the next height — at once when the
   * mempool already holds a full block (the wait gathers transactions, and a backlog needs none:
   * on a loaded 4-node devnet the timeout was a third of each 1,000-transaction height) — unless
   * the chain is idle (an empty block, no transaction a block could take): then wait for one or
   * the idle interval. Transactions behind a nonce gap do not count: a block could not take them,
   * and counting them made a node that held only such transactions start a height, and propose
   * an empty block on its turns, every commit timeout instead of every idle interval.
   */
  #scheduleNextHeight(txCount: number): void {
    const next = this.#o.chain.height + 1
    if (this.#nextHeightScheduled >= next) return
    this.#nextHeightScheduled = next
    const { timing, clock, mempool } = this.#o
    const committedAt = clock.now()
    this.#lastCommitAt = committedAt
    const begin = () => this.#enqueue(() => this.#startHeight(next))
    const poll = () => {
      if (!this.#running) return
      if (mempool.countReady(1) > 0 || clock.now() - committedAt >= timing.idleBlockIntervalMs) begin()
      else this.#timer(poll, 50)
    }
    // Pending, not only ready: under load, transactions waiting behind a gap are usually filled
    // within the height, and this is the heuristic the devnet figures were measured with.
    const backlog = mempool.size >= this.#o.maxBlockTxs
    this.#timer(
      () => (txCount > 0 || mempool.countReady(1) > 0 ? begin() : poll()),
      backlog ? 0 : timing.commitTimeoutMs,
    )
  }

  #timer(fn: () => void, ms: number): void {
    const handle = this.#o.clock.setTimeout(() => {
      this.#timers.delete(handle)
      fn()
    }, ms)
    this.#timers.add(handle)
  }

  async #startHeight(height: number): Promise<void> {
    const { chain } = this.#o
    if (height !== chain.height + 1 || this.#state.height >= height) return
    await this.#step({ kind: 'new-height', height, validators: chain.nextValidators })
  }

  /** Sync committed blocks: move consensus to the height after them. */
  onExternalCommit(): void {
    this.#enqueue(async () => {
      if (this.#state.height <= this.#o.chain.height) {
        this.#nextHeightScheduled = Math.max(this.#nextHeightScheduled, this.#o.chain.height + 1)
        await this.#startHeight(this.#o.chain.height + 1)
      }
    })
  }

  #noteProgress(): void {
    const { height, round, step } = this.#state
    const p = this.#progress
    if (p.height === height && p.round === round && p.step === step) return
    this.#progress = { height, round, step, at: this.#o.clock.now() }
  }

  /**
   * Rule 14, only while this node has stayed at one step for `rebroadcastMs`: a round that moves
   * needs no repair, and under load a height outlasts the interval, so re-broadcasting on a fixed
   * beat re-sent every node's copy of the proposal (a block of up to 1,000 transactions) and all
   * votes, each forwarded by every peer, about once per height. On a 4-node devnet offered 650
   * tx/s that load cut committed throughput by a third (docs/bench.md). A stall (a lost message,
   * a crashed validator) still gets the repair: the step then waits at least until it.
   */
  async #rebroadcastDuty(): Promise<void> {
    if (this.#o.clock.now() - this.#progress.at < this.#o.timing.rebroadcastMs) return
    for (const m of gossipMessages(this.#state)) {
      if (m.kind === 'vote') await this.#o.gossip.publishVote(m.vote)
      else {
        const block = this.#blocks.get(toHex(m.proposal.blockHash))
        if (block !== undefined) await this.#o.gossip.publishProposal(m.proposal, block)
      }
    }
  }

  /** A block of the current height this node knows (to serve peers that lost the proposal). */
  candidateBlock(hash: Uint8Array): Block | undefined {
    return this.#blocks.get(toHex(hash))
  }

  #setAt(height: number): ValidatorSet | null {
    const { chain } = this.#o
    if (height === chain.height + 1) return chain.nextValidators
    if (height === chain.height + 2) return chain.validatorSets.afterNext
    if (height === chain.height && height > 0) return chain.validatorSets.current
    return null
  }

  #accept(message: ConsensusMessage): Verdict {
    const st = this.#state
    const height = st.step === Step.IDLE ? this.#o.chain.height + 1 : st.height
    const validators = this.#setAt(height)
    const kind = message.kind
    if (validators === null || !this.#running) {
      this.#o.metrics?.consensusMessages.inc({ kind, verdict: 'not-ready' })
      return ignore('CONSENSUS_NOT_READY')
    }
    const r = acceptConsensusMessage(message, {
      chainId: this.#o.chain.chainId,
      height,
      round: st.step === Step.IDLE ? 0 : st.round,
      validators,
      nextValidators: this.#setAt(height + 1),
      maxRoundsAhead: st.config.maxRoundsAhead,
    })
    this.#o.metrics?.consensusMessages.inc({ kind, verdict: r.ok ? 'accept' : r.code })
    if (r.ok) return ACCEPT
    switch (r.code) {
      case AcceptanceCode.OLD_HEIGHT:
      case AcceptanceCode.NEXT_SET_UNKNOWN:
        return ignore(r.code)
      case AcceptanceCode.FAR_HEIGHT:
        this.#o.requestSync()
        return ignore(r.code)
      case AcceptanceCode.FAR_ROUND:
        return reject(r.code, Penalty.minor)
      default:
        return reject(r.code, Penalty.severe)
    }
  }

  /**
   * Gossip handler: a proposal with its block, or with a function that obtains the block (a
   * compact block is rebuilt, perhaps fetched): called only once the proposal itself passed
   * its checks (signature, proposer, height, round), so a proposal that would be refused costs
   * no wait and no request. The block it yields has the proposal's hash.
   */
  async onProposal(
    proposal: Proposal,
    block: Block | (() => Promise<Block | undefined>),
    _from: string,
  ): Promise<Verdict> {
    if (
      typeof block !== 'function' &&
      (toHex(proposal.blockHash) !== block.hashHex() || block.height !== proposal.height)
    )
      return reject('CONSENSUS_PROPOSAL_BLOCK_MISMATCH', Penalty.severe)
    const message: ConsensusMessage = { kind: 'proposal', proposal }
    const verdict = this.#accept(message)
    if (verdict.kind !== 'accept') return verdict
    if (typeof block === 'function') {
      const obtained = await block()
      if (obtained === undefined) return ignore(P2pErrorCode.BLOCK_UNAVAILABLE)
      block = obtained
    }
    this.#keepCandidate(block)
    this.#input(message)
    return verdict
  }

  #keepCandidate(block: Block): void {
    if (this.#blocks.size >= MAX_CANDIDATE_BLOCKS) {
      const oldest = this.#blocks.keys().next().value
      if (oldest !== undefined) this.#blocks.delete(oldest)
    }
    this.#blocks.set(block.hashHex(), block)
  }

  /** A block of the current height by hash: one this node holds, else one fetched from peers. */
  async #candidate(hash: Uint8Array): Promise<Block | undefined> {
    const key = toHex(hash)
    const held = this.#blocks.get(key)
    if (held !== undefined || this.#o.fetchBlock === undefined) return held
    const fetched = await this.#o.fetchBlock(hash).catch(() => undefined)
    if (fetched === undefined || fetched.hashHex() !== key) return undefined
    this.#keepCandidate(fetched)
    return fetched
  }

  /** Gossip handler: a vote. */
  async onVote(vote: Vote, _from: string): Promise<Verdict> {
    const message: ConsensusMessage = { kind: 'vote', vote }
    const verdict = this.#accept(message)
    if (verdict.kind === 'accept') this.#input(message)
    return verdict
  }

  get lastCommitAt(): number {
    return this.#lastCommitAt
  }
}

function describeInput(input: ConsensusInput): Record<string, unknown> {
  switch (input.kind) {
    case 'timeout':
      return { step: input.step, h: input.height, r: input.round }
    case 'validity':
      return { h: input.height, valid: input.valid }
    case 'proposal-value':
      return { h: input.height, r: input.round }
    case 'new-height':
      return { h: input.height }
    default:
      return {}
  }
}
