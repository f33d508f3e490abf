/**
 * One simulated node: the consensus driver around the pure state machine, as the network
 * driver will be (signing through `Signer` with a WAL record first, validation and block
 * building on request, timers, commit + execution, catch-up for lagging peers, gossip duty),
 * plus a durable part that survives crashes (WAL, block store, evidence pool) and a volatile
 * part that does not (state machine, block cache, mempool view).
 */
import { toHex } from '../../src/bytes.js'
import { decode, encode, readArray, readOptional, readTuple } from '../../src/encoding.js'
import { acceptConsensusMessage, AcceptanceCode } from '../../src/consensus/acceptance.js'
import type { CommitCertificate } from '../../src/consensus/certificate.js'
import { checkEvidenceShape, type DuplicateVoteEvidence } from '../../src/consensus/evidence.js'
import {
  messageFromStep,
  readSignedStep,
  Signer,
  SignerError,
  signedStepEncodable,
  type SignedStep,
} from '../../src/consensus/signer.js'
import { readSnapshot, snapshotEncodable } from '../../src/consensus/snapshot.js'
import { initialState, snapshotOf, validValueProof } from '../../src/consensus/state-machine.js'
import type {
  ConsensusConfig,
  ConsensusInput,
  ConsensusMessage,
  ConsensusOutput,
  ConsensusSnapshot,
  ConsensusState,
  MessageIntent,
  Transition,
} from '../../src/consensus/types.js'
import {
  createProposalFromBytes,
  createVoteFromBytes,
  PROPOSAL_DOMAIN,
  VoteType,
  type Proposal,
} from '../../src/consensus/vote.js'
import {
  blockEncodable,
  CHAIN_LIMITS,
  evidenceKey,
  GENESIS_KEY,
  GENESIS_ROOT,
  makeBlock,
  nextRoot,
  readBlock,
  validateBlock,
  type ChainView,
  type SimBlock,
} from './chain.js'
import type { World } from './simulation.js'
import { SimWal } from './wal.js'

/** What travels on the simulated network: a signed message (a proposal with its block), or evidence. */
export type Packet =
  | { readonly kind: 'consensus'; readonly message: ConsensusMessage; readonly block: SimBlock | undefined }
  | { readonly kind: 'evidence'; readonly evidence: DuplicateVoteEvidence }
  /** "I am at this height and saw you further": the peer answers with its decision for it (sync). */
  | { readonly kind: 'sync-request'; readonly height: number }

type Stored = {
  readonly block: SimBlock
  readonly certificate: CommitCertificate
  readonly proposal: Proposal
  readonly root: Uint8Array
}

/** Thrown by the WAL store when a crash interrupts the write (the signature never leaves). */
class CrashDuringWrite extends Error {}

export class SimNode {
  readonly id: number
  readonly validator: number
  readonly byzantine: boolean
  readonly world: World
  readonly config: ConsensusConfig
  // ---- durable ----
  readonly wal = new SimWal()
  readonly store: Stored[] = []
  readonly evidencePool = new Map<string, DuplicateVoteEvidence>()
  /** Commits this node acknowledged (harness bookkeeping for I4, not node state). */
  readonly acknowledged: string[] = []
  // ---- volatile ----
  up = true
  incarnation = 0
  state: ConsensusState
  signer: Signer
  blocks = new Map<string, SimBlock>()
  committedTxs = new Set<number>()
  committedEvidence = new Set<string>()
  lowWaterTx = 0
  #pendingValidation = new Map<string, number>()
  #catchUpSent = new Map<string, number>()
  #peerHeight = new Map<number, number>()
  #syncRequested = new Map<number, number>()
  #lastFingerprint = ''
  #tearNextWrite = false

  constructor(world: World, id: number, validator: number, byzantine: boolean, config: ConsensusConfig) {
    this.world = world
    this.id = id
    this.validator = validator
    this.byzantine = byzantine
    this.config = config
    this.state = initialState(config)
    this.signer = this.#makeSigner(null)
  }

  get height(): number {
    return this.store.length
  }

  async boot(): Promise<void> {
    await this.input({ kind: 'new-height', height: 1, validators: this.world.validators })
    this.world.schedule(this.world.gossipIntervalMs, {
      kind: 'gossip',
      node: this.id,
      incarnation: this.incarnation,
    })
  }

  /** Feeds one input to the state machine and carries out its outputs. */
  async input(input: ConsensusInput): Promise<void> {
    if (!this.up) return
    await this.#run(this.world.engine.apply(this.state, input), input)
    if (input.kind === 'new-height') this.#requestSync()
  }

  async #run(t: Transition, input?: ConsensusInput): Promise<void> {
    if (this.world.trace !== undefined) this.#trace(t, input)
    this.state = t.state
    for (const o of t.outputs) {
      if (!this.up) return
      await this.#output(o)
    }
  }

  #trace(t: Transition, input: ConsensusInput | undefined): void {
    const s = t.state
    const hex = (h: Uint8Array | null | undefined) => (h == null ? 'nil' : toHex(h).slice(0, 6))
    const what =
      input === undefined
        ? 'restore'
        : input.kind === 'vote'
          ? `${input.vote.type === VoteType.PREVOTE ? 'PV' : 'PC'} v${this.world.validators.indexOf(input.vote.validator)} h${input.vote.height} r${input.vote.round} ${hex(input.vote.blockHash)}`
          : input.kind === 'proposal'
            ? `PROP h${input.proposal.height} r${input.proposal.round} ${hex(input.proposal.blockHash)} vr${input.proposal.validRound}`
            : input.kind === 'timeout'
              ? `timeout ${input.step} h${input.height} r${input.round}`
              : input.kind === 'validity'
                ? `validity ${hex(input.blockHash)} ${input.valid}`
                : input.kind === 'new-height'
                  ? `new-height ${input.height}`
                  : `value ${hex(input.blockHash)}`
    const outs = t.outputs
      .filter((o) => o.kind !== 'schedule-timeout' && o.kind !== 'request-validation')
      .map((o) =>
        o.kind === 'broadcast'
          ? o.message.kind === 'proposal'
            ? `→PROP r${o.message.fields.round} ${hex(o.message.fields.blockHash)} vr${o.message.fields.validRound}`
            : `→${o.message.fields.type === VoteType.PREVOTE ? 'PV' : 'PC'} r${o.message.fields.round} ${hex(o.message.fields.blockHash)}`
          : o.kind === 'commit'
            ? `→COMMIT h${o.height} r${o.round} ${hex(o.blockHash)}`
            : `→${o.kind}`,
      )
    this.world.trace!(
      `${String(this.world.now).padStart(7)} n${this.id} [h${s.height} r${s.round} ${s.step} L${s.locked?.round ?? -1}:${hex(s.locked?.hash)} V${s.valid?.round ?? -1}:${hex(s.valid?.hash)}] ${what} ${outs.join(' ')}`,
    )
  }

  async #output(o: ConsensusOutput): Promise<void> {
    switch (o.kind) {
      case 'broadcast':
        return this.#broadcast(o.message)
      case 'schedule-timeout':
        this.world.local(this, o.durationMs, {
          kind: 'timeout',
          step: o.step,
          height: o.height,
          round: o.round,
        })
        return
      case 'build-proposal':
        return this.#build(o.height, o.round)
      case 'request-validation':
        return this.#validate(toHex(o.blockHash), o.height)
      case 'commit':
        return this.#commit(o.blockHash, o.round, o.certificate, o.proposal)
      case 'evidence':
        return this.#addEvidence(o.evidence, true)
    }
  }

  // ---- signing: WAL record first, then broadcast and feed back (rule 15) ----

  #makeSigner(last: SignedStep | null): Signer {
    return new Signer({
      chainId: this.config.chainId,
      publicKey: this.config.self!,
      sign: this.world.signBytes(this.validator),
      last,
      store: { save: (step) => this.#walWrite(step) },
    })
  }

  #walWrite(step: SignedStep): void {
    const snap = snapshotOf(this.state)
    const keep = [
      this.state.locked?.key,
      this.state.valid?.key,
      step.blockHash === null ? undefined : toHex(step.blockHash),
    ]
    const blocks = [...new Set(keep)].flatMap((k) => {
      const b = k === undefined ? undefined : this.blocks.get(k)
      return b === undefined ? [] : [blockEncodable(b)]
    })
    const proof = (this.world.walProof ? validValueProof(this.state) : []).map((m) =>
      m.kind === 'proposal' ? m.proposal.serialize() : m.vote.serialize(),
    )
    const payload = encode([
      signedStepEncodable(step),
      snap === null ? null : snapshotEncodable(snap),
      blocks,
      proof,
    ])
    if (this.#tearNextWrite) {
      this.#tearNextWrite = false
      this.wal.appendTorn(payload, this.world.rng.range(0.05, 0.95))
      this.world.count('torn WAL records')
      throw new CrashDuringWrite()
    }
    this.wal.append(payload)
  }

  async #broadcast(intent: MessageIntent): Promise<void> {
    let message: ConsensusMessage
    try {
      message = await this.signer.sign(intent)
    } catch (e) {
      if (e instanceof CrashDuringWrite) return this.world.crashNow(this)
      if (e instanceof SignerError) return this.world.count('signer refusals')
      throw e
    }
    this.world.monitor.onSigned(this.validator, message)
    const block = message.kind === 'proposal' ? this.blocks.get(toHex(message.proposal.blockHash)) : undefined
    this.world.broadcast(this, { kind: 'consensus', message, block })
    this.world.local(this, 0, message)
    this.world.afterSent(this, message)
  }

  // ---- the application side: build, validate, commit ----

  chainView(height: number): ChainView {
    const top = this.store.at(-1)
    return {
      chainId: this.config.chainId,
      height,
      parent:
        top === undefined
          ? { key: GENESIS_KEY, timeMs: 0 }
          : { key: top.block.key, timeMs: top.block.timeMs },
      validators: this.world.validators,
      committedTxs: this.committedTxs,
      committedEvidence: this.committedEvidence,
      submittedBefore: this.world.txs.submittedBy(this.world.now),
      now: this.world.now,
      check: this.world.check,
    }
  }

  #build(height: number, round: number): void {
    if (height !== this.height + 1) return
    const now = this.world.now
    const txs: number[] = []
    const submitted = this.world.txs.submittedBy(now)
    while (this.committedTxs.has(this.lowWaterTx)) this.lowWaterTx++
    for (let tx = this.lowWaterTx; tx < submitted && txs.length < CHAIN_LIMITS.maxTxs; tx++) {
      if (!this.committedTxs.has(tx) && this.world.txs.arrival(tx, this.id) <= now) txs.push(tx)
    }
    const evidence = [...this.evidencePool.values()]
      .filter((e) => e.height < height && e.height >= height - CHAIN_LIMITS.maxEvidenceAge)
      .slice(0, CHAIN_LIMITS.maxEvidence)
    const spec = this.world.byzantineSpec(this.validator)
    if (spec?.badBlocks === true && this.world.rng.chance(0.5)) {
      txs.push(1_000_000_000 + this.world.rng.int(0, 1000)) // never submitted
      this.world.count('invalid blocks proposed')
    }
    const parent = this.store.at(-1)?.block
    const block = makeBlock({
      height,
      round,
      proposer: this.validator,
      parent: parent?.key ?? GENESIS_KEY,
      timeMs: Math.max(now, (parent?.timeMs ?? 0) + 1),
      txs,
      evidence,
    })
    this.blocks.set(block.key, block)
    this.world.local(this, this.world.rng.int(1, 10), {
      kind: 'proposal-value',
      height,
      round,
      blockHash: block.hash,
    })
  }

  #validate(key: string, height: number): void {
    const block = this.blocks.get(key)
    if (block === undefined) {
      this.#pendingValidation.set(key, height) // validated when the block arrives
      return
    }
    this.#pendingValidation.delete(key)
    const valid = validateBlock(block, this.chainView(height)) === null
    this.world.local(this, this.world.validationDelay(), {
      kind: 'validity',
      height,
      blockHash: block.hash,
      valid,
    })
  }

  #commit(blockHash: Uint8Array, round: number, certificate: CommitCertificate, proposal: Proposal): void {
    const block = this.blocks.get(toHex(blockHash))
    if (block === undefined) {
      this.world.monitor.fail('harness', `node ${this.id} decided a block it does not have`)
      return
    }
    const view = this.chainView(block.height)
    const root = nextRoot(this.store.at(-1)?.root ?? GENESIS_ROOT, block)
    if (!this.byzantine) this.world.monitor.onCommit(this.id, block, round, certificate, view, root)
    this.store.push({ block, certificate, proposal, root })
    this.acknowledged.push(block.key)
    this.#applyCommitted(block)
    this.wal.keepLast(1) // keeps the signer's last step
    this.world.onCommitted(this, block.height)
    this.world.local(this, this.world.rng.int(1, 8), {
      kind: 'new-height',
      height: block.height + 1,
      validators: this.world.validators,
    })
  }

  #applyCommitted(block: SimBlock): void {
    for (const tx of block.txs) this.committedTxs.add(tx)
    for (const e of block.evidence) {
      const key = evidenceKey(e)
      this.committedEvidence.add(key)
      this.evidencePool.delete(key)
    }
  }

  #addEvidence(e: DuplicateVoteEvidence, gossip: boolean): void {
    const key = evidenceKey(e)
    if (this.committedEvidence.has(key) || this.evidencePool.has(key)) return
    this.evidencePool.set(key, e)
    if (!this.byzantine) this.world.monitor.onEvidence(key, this.height, e.height)
    if (gossip) this.world.broadcast(this, { kind: 'evidence', evidence: e })
  }

  // ---- network ----

  receive(from: number, packet: Packet): Promise<void> | void {
    if (!this.up) return
    if (packet.kind === 'sync-request') {
      this.#catchUp(from, packet.height)
      return
    }
    if (packet.kind === 'evidence') {
      try {
        checkEvidenceShape(packet.evidence, this.world.check)
        this.#addEvidence(packet.evidence, false)
      } catch {
        this.world.count('bad evidence dropped')
      }
      return
    }
    const { message, block } = packet
    if (block !== undefined && !this.blocks.has(block.key)) {
      this.blocks.set(block.key, block)
      const pending = this.#pendingValidation.get(block.key)
      if (pending !== undefined) this.#validate(block.key, pending)
    }
    const s = this.state
    const msgHeight = (message.kind === 'proposal' ? message.proposal : message.vote).height
    this.#peerHeight.set(from, Math.max(this.#peerHeight.get(from) ?? 0, msgHeight))
    const verdict = acceptConsensusMessage(
      message,
      {
        chainId: this.config.chainId,
        height: s.height,
        round: s.round,
        validators: this.world.validators,
        nextValidators: this.world.validators,
        maxRoundsAhead: this.config.maxRoundsAhead,
      },
      this.world.check,
    )
    if (!verdict.ok) {
      if (verdict.code === AcceptanceCode.FAR_HEIGHT) this.#requestSync()
      // A late message from a peer that has moved on is no reason to help it.
      if (verdict.code === AcceptanceCode.OLD_HEIGHT && msgHeight >= this.#peerHeight.get(from)!)
        this.#catchUp(from, msgHeight)
      return
    }
    return this.input(message)
  }

  /** Peers are two or more heights ahead: ask the most advanced one for the decision of ours. */
  #requestSync(): void {
    let best = -1
    let bestHeight = this.state.height + 1
    for (const [peer, h] of this.#peerHeight) if (h > bestHeight) [best, bestHeight] = [peer, h]
    if (best < 0 || this.state.height === 0) return
    const last = this.#syncRequested.get(this.state.height)
    if (last !== undefined && this.world.now - last < 200) return
    this.#syncRequested.set(this.state.height, this.world.now)
    this.world.count('sync requests')
    this.world.send(this, best, { kind: 'sync-request', height: this.state.height })
  }

  /** A peer is behind: send it the decided proposal, its block and the certificate's precommits. */
  #catchUp(peer: number, height: number): void {
    const stored = this.store[height - 1]
    if (stored === undefined) return
    const key = `${peer}/${height}`
    const last = this.#catchUpSent.get(key)
    if (last !== undefined && this.world.now - last < 200) return
    this.#catchUpSent.set(key, this.world.now)
    this.world.count('catch-up replies')
    this.world.send(this, peer, {
      kind: 'consensus',
      message: { kind: 'proposal', proposal: stored.proposal },
      block: stored.block,
    })
    for (const vote of stored.certificate.votes(this.world.validators)) {
      this.world.send(this, peer, { kind: 'consensus', message: { kind: 'vote', vote }, block: undefined })
    }
  }

  /** Rule 14: when nothing moved since the last tick, re-broadcast own messages and proofs. */
  gossipTick(): void {
    if (!this.up) return
    const s = this.state
    const fingerprint = `${s.height}/${s.round}/${s.step}`
    if (fingerprint === this.#lastFingerprint) {
      this.world.count('gossip rebroadcasts')
      for (const message of this.world.gossip(s)) {
        const block =
          message.kind === 'proposal' ? this.blocks.get(toHex(message.proposal.blockHash)) : undefined
        this.world.broadcast(this, { kind: 'consensus', message, block })
      }
    }
    this.#lastFingerprint = fingerprint
    this.world.schedule(this.world.gossipIntervalMs, {
      kind: 'gossip',
      node: this.id,
      incarnation: this.incarnation,
    })
  }

  // ---- crash and restart ----

  /** Crash at the next WAL write (a torn last record), instead of at once. */
  crashOnNextWrite(): void {
    this.#tearNextWrite = true
  }

  crashOnNextWriteCancel(): void {
    this.#tearNextWrite = false
  }

  crash(): void {
    this.up = false
    this.incarnation++
    this.#tearNextWrite = false
    this.state = initialState(this.config)
    this.blocks = new Map()
    this.#pendingValidation = new Map()
    this.#catchUpSent = new Map()
    this.#peerHeight = new Map()
    this.#syncRequested = new Map()
    this.#lastFingerprint = ''
  }

  /** Restores from the WAL (dropping a torn tail) and the block store. */
  async restart(): Promise<void> {
    this.up = true
    this.incarnation++
    const { records, torn } = this.wal.read()
    if (torn) this.world.count('torn records dropped on restart')
    this.world.monitor.onRestart(
      this.id,
      this.acknowledged,
      this.store.map((s) => s.block.key),
    )
    this.committedTxs = new Set()
    this.committedEvidence = new Set()
    this.lowWaterTx = 0
    for (const s of this.store) {
      this.blocks.set(s.block.key, s.block)
      this.#applyCommitted(s.block)
    }
    const height = this.height + 1
    let last: SignedStep | null = null
    let snapshot: ConsensusSnapshot | null = null
    const own: ConsensusMessage[] = []
    let proof: ConsensusMessage[] = []
    for (const bytes of records) {
      const [step, snap, blocks, proofBytes] = readTuple(
        decode(bytes, 1 << 20, 'wal record'),
        'wal record',
        4,
      )
      last = readSignedStep(step)
      for (const b of readArray(blocks, 'blocks', 8)) {
        const block = readBlock(b)
        this.blocks.set(block.key, block)
      }
      if (last.height !== height) continue
      own.push(messageFromStep(this.config.chainId, this.config.self!, last))
      snapshot = readOptional(snap, readSnapshot) ?? snapshot
      proof = readArray(proofBytes, 'proof', 300).map((m, i) =>
        i === 0 && readArray(decode(m as Uint8Array, 1024), 'message', 16)[0] === PROPOSAL_DOMAIN
          ? { kind: 'proposal' as const, proposal: createProposalFromBytes(m as Uint8Array) }
          : { kind: 'vote' as const, vote: createVoteFromBytes(m as Uint8Array) },
      )
    }
    own.push(...proof)
    this.signer = this.#makeSigner(last)
    this.world.schedule(this.world.gossipIntervalMs, {
      kind: 'gossip',
      node: this.id,
      incarnation: this.incarnation,
    })
    if (snapshot === null) {
      this.state = initialState(this.config)
      await this.input({ kind: 'new-height', height, validators: this.world.validators })
      for (const m of own) await this.input(m)
      return
    }
    await this.#run(
      this.world.engine.restore(this.config, { snapshot, validators: this.world.validators, messages: own }),
    )
  }

  /** Byzantine round-jump spam: signed votes for far rounds of the current height (rule 12). */
  spam(): void {
    if (!this.up || this.state.validators === null) return
    const s = this.state
    const round = s.round + this.world.rng.int(1, this.config.maxRoundsAhead)
    const type = this.world.rng.chance(0.5) ? VoteType.PREVOTE : VoteType.PRECOMMIT
    const vote = this.world.rawVote(this.validator, {
      chainId: this.config.chainId,
      type,
      height: s.height,
      round,
      blockHash: null,
    })
    this.world.monitor.onSigned(this.validator, { kind: 'vote', vote })
    this.world.count('spam votes')
    this.world.broadcast(this, { kind: 'consensus', message: { kind: 'vote', vote }, block: undefined })
  }
}
