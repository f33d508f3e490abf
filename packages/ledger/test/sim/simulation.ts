/**
 * The deterministic consensus simulator: n engines (plus Twins) in one process, a virtual clock
 * driven by an event queue, a simulated network with the seed's faults, and the invariant
 * monitor. Same seed, same options → same run, event for event.
 */
import type { SignatureCheck } from '../../src/consensus/certificate.js'
import { consensusConfig, gossipMessages } from '../../src/consensus/state-machine.js'
import type { ConsensusInput, ConsensusMessage, ConsensusState } from '../../src/consensus/types.js'
import { Vote, voteSigningBytes, VoteType, type VoteFields } from '../../src/consensus/vote.js'
import type { SignBytes } from '../../src/consensus/signer.js'
import type { ValidatorSet } from '../../src/validators.js'
import { engineFor, ownMessagesOnlyGossip, type Bug, type Engine, type FormerEngine } from './bugs.js'
import { CHAIN_LIMITS, TxSchedule } from './chain.js'
import { EventQueue } from './event-queue.js'
import { Monitor, type Violation } from './invariants.js'
import { SimNode, type Packet } from './node.js'
import { Prng } from './prng.js'
import { makeScenario, type ByzantineSpec, type Mode, type Scenario } from './scenario.js'
import { checkerFor, signerFor, simKey, simValidators, type CryptoMode } from './sim-crypto.js'

export const SIM_CHAIN_ID = 'govchain-sim'

export type SimOptions = {
  readonly seed: number
  readonly mode: Mode
  readonly nodes: number
  readonly bug?: Bug | null
  /** Runs an earlier, known-broken version of the engine (regression tests only). */
  readonly formerEngine?: FormerEngine
  readonly crypto?: CryptoMode
  /** Overrides of the seed's scenario (tests use it to build a particular situation). */
  readonly tweak?: (s: Scenario) => Scenario
  /** Receives a line per state-machine step (debugging a seed). */
  readonly trace?: (line: string) => void
  /** Called with the finished world (tests inspect stores and certificates). */
  readonly onFinish?: (world: World) => void
  /**
   * Keep the proof of validValue in the WAL record (default). Off only to show that the
   * regression test of seed 42 catches its absence.
   */
  readonly walProof?: boolean
  /** Gossip only own messages, as before seeds 5484/7240 (regression tests only). */
  readonly ownMessagesOnlyGossip?: boolean
}

export type SimResult = {
  readonly seed: number
  readonly mode: Mode
  readonly nodes: number
  readonly bug: Bug | null
  /** Heights committed by a correct node. */
  readonly heights: number
  /** Round of the first commit of each height. */
  readonly commitRounds: readonly number[]
  readonly faults: Readonly<Record<string, number>>
  readonly violations: readonly Violation[]
  readonly events: number
  readonly virtualMs: number
}

type SimEvent =
  | {
      readonly kind: 'input'
      readonly node: number
      readonly incarnation: number
      readonly input: ConsensusInput
    }
  | { readonly kind: 'packet'; readonly from: number; readonly to: number; readonly packet: Packet }
  | { readonly kind: 'gossip'; readonly node: number; readonly incarnation: number }
  | { readonly kind: 'crash'; readonly node: number; readonly torn: boolean; readonly downMs: number }
  | { readonly kind: 'restart'; readonly node: number }
  | { readonly kind: 'spam'; readonly node: number }
  | { readonly kind: 'partition'; readonly index: number }
  | { readonly kind: 'gst' }

type ActivePartition = { readonly end: number; readonly blocks: (from: number, to: number) => boolean }

export class World {
  readonly scenario: Scenario
  readonly engine: Engine
  readonly validators: ValidatorSet
  readonly check: SignatureCheck
  readonly monitor: Monitor
  readonly txs: TxSchedule
  readonly rng: Prng
  readonly gossipIntervalMs = 1000
  readonly nodes: SimNode[] = []
  readonly faults = new Map<string, number>()
  now = 0
  events = 0
  /** Liveness: when all correct nodes were at one height after GST, that height and its highest round. */
  sync: { timeMs: number; height: number; round: number } | null = null
  readonly #queue = new EventQueue<SimEvent>()
  readonly #net: Prng
  readonly #crypto: CryptoMode
  #partitions: ActivePartition[] = []
  readonly #downFor = new Map<number, number>()
  readonly #permanentlyDown = new Set<number>()
  #adversaryFrom: number | null = null

  readonly trace: ((line: string) => void) | undefined
  readonly walProof: boolean
  gossip: (state: ConsensusState) => ConsensusMessage[] = gossipMessages

  constructor(
    scenario: Scenario,
    engine: Engine,
    crypto: CryptoMode,
    trace?: (line: string) => void,
    walProof = true,
  ) {
    this.trace = trace
    this.walProof = walProof
    this.scenario = scenario
    this.engine = engine
    this.#crypto = crypto
    this.rng = new Prng(scenario.seed, 'world')
    this.#net = new Prng(scenario.seed, 'network')
    this.validators = simValidators(scenario.n)
    this.check = checkerFor(crypto)
    this.txs = new TxSchedule(scenario.seed, 150)
    const byz = new Set(scenario.byzantine.map((b) => b.validator))
    // Validator indices follow the canonical order of V_h.
    this.monitor = new Monitor(SIM_CHAIN_ID, this.validators, this.check, (v) => !byz.has(v))
    const ids = [...Array.from({ length: scenario.n }, (_, i) => i), ...scenario.twinOf]
    ids.forEach((validator, id) => {
      const key = this.validators.at(validator)!.publicKey
      const config = consensusConfig({ chainId: SIM_CHAIN_ID, self: key, timeouts: scenario.timeouts })
      this.nodes.push(new SimNode(this, id, validator, byz.has(validator), config))
    })
  }

  // ---- what nodes use ----

  byzantineSpec(validator: number): ByzantineSpec | undefined {
    return this.scenario.byzantine.find((b) => b.validator === validator)
  }

  signBytes(validator: number): SignBytes {
    return signerFor(this.#crypto, this.#keyOf(validator))
  }

  rawVote(validator: number, fields: VoteFields): Vote {
    const key = this.#keyOf(validator)
    return new Vote(fields, key.publicKey, signerFor(this.#crypto, key)(voteSigningBytes(fields)))
  }

  #keyOf(validator: number) {
    const pk = this.validators.at(validator)!.publicKey
    for (let i = 0; ; i++) if (simKey(i).publicKey === pk) return simKey(i)
  }

  count(what: string, by = 1): void {
    this.faults.set(what, (this.faults.get(what) ?? 0) + by)
  }

  schedule(delayMs: number, event: SimEvent): void {
    this.#queue.push(this.now + delayMs, event)
  }

  local(node: SimNode, delayMs: number, input: ConsensusInput): void {
    this.schedule(delayMs, { kind: 'input', node: node.id, incarnation: node.incarnation, input })
  }

  inFaultPeriod(): boolean {
    return this.now < this.scenario.faultEndMs
  }

  validationDelay(): number {
    if (this.inFaultPeriod() && this.rng.chance(this.scenario.slowValidationProb)) {
      this.count('slow validations')
      return this.rng.int(1_000, 5_000)
    }
    return this.rng.int(1, 15)
  }

  broadcast(from: SimNode, packet: Packet): void {
    for (const to of this.nodes) if (to.id !== from.id) this.send(from, to.id, packet)
  }

  send(from: SimNode, to: number, packet: Packet): void {
    if (this.#adversaryDrops(from, to, packet)) {
      this.count('adversary drops')
      return
    }
    if (this.#partitions.some((p) => p.blocks(from.id, to))) {
      this.count('partition drops')
      return
    }
    const faulty = this.inFaultPeriod()
    if (faulty && this.#net.chance(this.scenario.dropRate)) {
      this.count('drops')
      return
    }
    const copies = faulty && this.#net.chance(this.scenario.dupRate) ? 2 : 1
    if (copies === 2) this.count('duplicates')
    for (let c = 0; c < copies; c++)
      this.schedule(this.#delay(faulty), { kind: 'packet', from: from.id, to, packet })
  }

  /** The adversary acts from the first message of its (h, r) on, for its duration. */
  #adversaryActive(): boolean {
    const a = this.scenario.adversary
    if (a === null || !this.inFaultPeriod()) return false
    this.#adversaryFrom ??= this.now
    return this.now < this.#adversaryFrom + a.durationMs
  }

  /**
   * By signer, not by link: a network adversary drops these messages wherever they travel, also
   * when relayed by gossip or catch-up.
   */
  #adversaryDrops(_from: SimNode, to: number, packet: Packet): boolean {
    const a = this.scenario.adversary
    if (a === null || packet.kind !== 'consensus') return false
    const m = packet.message
    const msg = m.kind === 'proposal' ? m.proposal : m.vote
    if (msg.height !== a.height || msg.round !== a.round || !this.#adversaryActive()) return false
    const toNextProposer =
      a.starveNextProposer &&
      this.nodes[to]!.validator === this.validators.proposerIndex(a.height, a.round + 1)
    if (m.kind === 'proposal') return toNextProposer
    const fromHidden = a.hidden.some(
      (id) => this.nodes[id]!.validator === this.validators.indexOf(m.vote.validator),
    )
    if (m.vote.type === VoteType.PREVOTE) return toNextProposer && fromHidden
    return fromHidden && !a.hidden.includes(to)
  }

  /** Called after a node sent a signed message: the adversary's correlated crashes. */
  afterSent(node: SimNode, m: ConsensusMessage): void {
    const a = this.scenario.adversary
    if (a === null || !a.crashLockers || a.hidden.includes(node.id) || m.kind !== 'vote') return
    const v = m.vote
    if (v.type !== VoteType.PRECOMMIT || v.blockHash === null || v.height !== a.height || v.round !== a.round)
      return
    if (!this.#adversaryActive()) return
    this.count('adversary crashes after locking')
    this.#downFor.set(node.id, a.crashDownMs)
    this.crashNow(node)
  }

  #delay(faulty: boolean): number {
    if (!faulty) return this.#net.int(1, this.scenario.syncDelayMs)
    const d = this.scenario.delay
    let ms = d.baseMs + this.#net.int(0, d.jitterMs)
    if (this.#net.chance(d.tailProb)) {
      this.count('heavy-tail delays')
      ms += Math.min(this.#net.pareto(d.tailScaleMs, d.alpha), 20_000)
    }
    return Math.round(ms)
  }

  crashNow(node: SimNode): void {
    if (!node.up) return
    node.crash()
    this.count('crashes')
    const down = this.#downFor.get(node.id) ?? 1000
    if (down === Infinity) {
      this.#permanentlyDown.add(node.id)
      this.count('crash-stops (down for good)')
    } else this.schedule(down, { kind: 'restart', node: node.id })
  }

  onCommitted(_node: SimNode, _height: number): void {}

  /** Honest validators' first engines that are not crash-stopped (liveness counts only these). */
  correctNodes(): SimNode[] {
    return this.nodes.filter(
      (n) => !n.byzantine && n.id < this.scenario.n && !this.#permanentlyDown.has(n.id),
    )
  }

  // ---- the run ----

  async run(): Promise<void> {
    const s = this.scenario
    s.partitions.forEach((p, index) => this.#queue.push(p.start, { kind: 'partition', index }))
    for (const c of s.crashes)
      this.#queue.push(c.at, { kind: 'crash', node: c.node, torn: c.torn, downMs: c.downMs })
    for (const b of s.byzantine) {
      if (!b.spam) continue
      for (const node of this.nodes)
        if (node.validator === b.validator)
          this.#queue.push(this.rng.int(100, 500), { kind: 'spam', node: node.id })
    }
    if (s.gstMs !== null) this.#queue.push(s.gstMs, { kind: 'gst' })
    for (const b of s.byzantine) {
      this.count('byzantine validators')
      if (b.twins) this.count('Twins (validators with two engines)')
    }
    if (s.adversary !== null) this.count('adversary scenarios')
    for (const node of this.nodes) await node.boot()

    for (;;) {
      const next = this.#queue.pop()
      if (next === undefined || next.time > s.endMs) break
      this.now = next.time
      this.monitor.now = next.time
      this.events++
      await this.#dispatch(next.event)
      if (this.monitor.violations.length > 0) return
      if (this.#done()) return
    }
    if (s.mode === 'liveness') {
      const heights = this.correctNodes().map((n) => n.height)
      this.monitor.fail(
        'I8',
        `stalled: by ${s.endMs} ms the correct nodes reached heights ${heights.join(', ')} (sync ${JSON.stringify(this.sync)})`,
      )
    }
  }

  #done(): boolean {
    const s = this.scenario
    if (s.mode === 'safety') {
      return this.nodes.every((n) => n.byzantine || !n.up || n.height >= s.targetHeight)
    }
    if (this.now < s.gstMs!) return false
    const correct = this.correctNodes()
    if (this.sync === null) {
      const h = correct[0]!.height
      if (correct.every((n) => n.height === h)) {
        const height = h + 1
        const round = Math.max(...correct.map((n) => (n.state.height === height ? n.state.round : 0)))
        this.sync = { timeMs: this.now, height, round }
      }
      return false
    }
    return correct.every((n) => n.height >= this.sync!.height + s.heightsAfterSync)
  }

  async #dispatch(e: SimEvent): Promise<void> {
    switch (e.kind) {
      case 'input': {
        const node = this.nodes[e.node]!
        if (node.up && node.incarnation === e.incarnation) await node.input(e.input)
        return
      }
      case 'packet':
        return this.nodes[e.to]!.receive(e.from, e.packet)
      case 'gossip': {
        const node = this.nodes[e.node]!
        if (node.incarnation === e.incarnation) node.gossipTick()
        return
      }
      case 'crash': {
        const node = this.nodes[e.node]!
        if (!node.up || this.#permanentlyDown.has(node.id) || !this.inFaultPeriod()) return
        this.#downFor.set(node.id, e.downMs)
        if (e.torn) node.crashOnNextWrite()
        else this.crashNow(node)
        return
      }
      case 'restart': {
        const node = this.nodes[e.node]!
        if (node.up) return // already restarted (at GST)
        this.count('restarts')
        return node.restart()
      }
      case 'spam':
        this.nodes[e.node]!.spam()
        this.schedule(this.rng.int(150, 600), e)
        return
      case 'partition':
        return this.#startPartition(e.index)
      case 'gst':
        return this.#gst()
    }
  }

  #startPartition(index: number): void {
    const p = this.scenario.partitions[index]!
    this.#partitions = this.#partitions.filter((a) => a.end > this.now)
    const end = p.end
    if (p.kind === 'symmetric') {
      const a = new Set(p.sideA)
      this.#partitions.push({ end, blocks: (from, to) => this.now < end && a.has(from) !== a.has(to) })
      this.count('partitions (symmetric)')
    } else if (p.kind === 'asymmetric') {
      this.#partitions.push({
        end,
        blocks: (from, to) => this.now < end && (p.inbound ? to === p.node : from === p.node),
      })
      this.count('partitions (asymmetric)')
    } else {
      // Leader isolation: the proposer of the most advanced honest node's (height, round).
      const lead = this.nodes
        .filter((n) => !n.byzantine && n.up)
        .sort((x, y) => y.state.height - x.state.height || y.state.round - x.state.round)[0]
      if (lead === undefined || lead.state.validators === null) return
      const leader = this.validators.proposerIndex(lead.state.height, lead.state.round)
      const isolated = new Set(this.nodes.filter((n) => n.validator === leader).map((n) => n.id))
      this.#partitions.push({
        end,
        blocks: (from, to) => this.now < end && (isolated.has(from) || (!p.outboundOnly && isolated.has(to))),
      })
      this.count('leader isolations')
    }
  }

  /** Liveness mode: from here on the network is synchronous and every non-stopped node is up. */
  async #gst(): Promise<void> {
    this.count('GST (network healed)')
    this.#partitions = []
    for (const node of this.nodes) {
      if (this.#permanentlyDown.has(node.id)) continue
      if (!node.up) {
        this.count('restarts')
        await node.restart()
      } else node.crashOnNextWriteCancel()
    }
  }
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const base = makeScenario(options.seed, options.mode, options.nodes)
  const scenario = options.tweak === undefined ? base : options.tweak(base)
  const bug = options.bug ?? null
  const world = new World(
    scenario,
    engineFor(options.formerEngine ?? bug),
    options.crypto ?? 'cheap',
    options.trace,
    options.walProof ?? true,
  )
  if (options.ownMessagesOnlyGossip === true) world.gossip = ownMessagesOnlyGossip
  try {
    await world.run()
    if (scenario.mode === 'liveness' && world.monitor.violations.length === 0) checkLiveness(world)
  } catch (e) {
    world.monitor.fail('harness', `${(e as Error).stack ?? String(e)}`)
  }
  options.onFinish?.(world)
  const commits = [...world.monitor.commits.values()]
  return {
    seed: options.seed,
    mode: options.mode,
    nodes: options.nodes,
    bug,
    heights: commits.length,
    commitRounds: commits.map((c) => c.round),
    faults: Object.fromEntries(world.faults),
    violations: world.monitor.violations,
    events: world.events,
    virtualMs: world.now,
  }
}

/**
 * I8: each height started after the network healed (GST) and the correct nodes re-synchronised
 * commits within f + 2 rounds (decision round ≤ f + 1). The height in progress at that moment
 * commits within n rounds of the highest round R reached then (≤ R + n): correct validators may
 * hold locks from before GST whose polka another correct proposer never saw during that round,
 * and rule 8 (line 36) sets validValue only from a polka of the current round, so such a
 * proposer's round fails; a proposer holding the highest validRound comes within n rounds
 * (seed 288, liveness, n = 4 shows a commit at R + 3 > R + f + 1).
 * I9: every equivocation a correct node saw, while still young enough to be included, is
 * committed within 2n + 1 heights.
 */
function checkLiveness(world: World): void {
  const { f, n } = world.scenario
  const sync = world.sync!
  for (const [h, c] of world.monitor.commits) {
    if (h < sync.height) continue
    const limit = h === sync.height ? sync.round + n : f + 1
    if (c.round > limit)
      world.monitor.fail(
        'I8',
        `height ${h} committed in round ${c.round} > ${limit} after GST (sync at height ${sync.height}, round ${sync.round})`,
      )
  }
  const final = Math.max(...world.correctNodes().map((node) => node.height))
  for (const [key, seen] of world.monitor.evidenceSeen) {
    if (world.monitor.evidenceCommitted.has(key)) {
      world.count('evidence seen and committed (I9)')
      continue
    }
    const due = Math.max(seen.chainHeight, sync.height) + 2 * n + 1
    if (due <= final && seen.evidenceHeight + CHAIN_LIMITS.maxEvidenceAge >= due) {
      world.monitor.fail(
        'I9',
        `evidence of height ${seen.evidenceHeight}, seen at height ${seen.chainHeight}, not committed by height ${final}`,
      )
    } else world.count('evidence expired or too recent (I9 not applicable)')
  }
}
