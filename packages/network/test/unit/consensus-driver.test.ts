/**
 * The consensus driver against a real in-memory chain of four validators, with an injected
 * clock and a validation that the test holds open: a propose timeout that expires while this
 * node validates the round's proposal waits for the verdict, at most one more propose timeout.
 */
import {
  Chain,
  generateKeyPair,
  Mutex,
  openMemoryStore,
  parseGenesis,
  signProposal,
  signVote,
  SparseMerkleTree,
  toHex,
  VoteType,
  type Block,
  type KeyPair,
  type Proposal,
  type Transaction,
  type Vote,
} from '@govchain/ledger'
import { afterEach, describe, expect, it } from 'vitest'
import { createBuiltinKvApp } from '../../src/builtin-kv-app.js'
import { kvPutTx, kvTxSender } from '../helpers/kv-txs.js'
import { DEVNET_TIMING } from '../../src/config.js'
import { ConsensusDriver, type Clock } from '../../src/consensus-driver.js'
import { silentLogger } from '../../src/logger.js'
import { Mempool } from '../../src/mempool.js'
import { createMetrics } from '../../src/metrics.js'
import type { Gossip } from '../../src/p2p/gossip.js'
import { PriorityGate } from '../../src/priority-gate.js'
import { Wal } from '../../src/wal.js'

const CHAIN_ID = 'driver-test'
const GENESIS_MS = Date.parse('2026-01-01T00:00:00.000Z')

/** Timers that fire only when the test advances the time. */
class ManualClock implements Clock {
  #now = GENESIS_MS + 60_000
  #timers = new Map<number, { at: number; fn: () => void }>()
  #next = 0
  now = () => this.#now
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++
    this.#timers.set(id, { at: this.#now + ms, fn })
    return id
  }
  clearTimeout = (h: unknown) => void this.#timers.delete(h as number)
  advance(ms: number): void {
    const until = this.#now + ms
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
      if (due === undefined) break
      this.#timers.delete(due[0])
      this.#now = due[1].at
      due[1].fn()
    }
    this.#now = until
  }
}

async function openChain(validators: readonly KeyPair[]): Promise<Chain> {
  const genesis = parseGenesis({
    chainId: CHAIN_ID,
    genesisTime: new Date(GENESIS_MS).toISOString(),
    members: validators.map((_, i) => ({ id: `org-${i}`, name: `Org ${i}`, roles: ['agency'], peerIds: [] })),
    validators: validators.map((k, i) => ({
      publicKey: toHex(k.publicKey),
      power: 1,
      member: `org-${i}`,
      name: `n${i}`,
    })),
    accounts: [{ publicKey: toHex(kvTxSender), member: 'org-0', roles: ['writer'], name: 'writer' }],
    appState: {},
  })
  return Chain.open({
    store: await openMemoryStore(),
    genesis,
    app: createBuiltinKvApp(),
    openStateTree: (store, root) => SparseMerkleTree.open(store, root),
  })
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
}

const drivers: ConsensusDriver[] = []
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.stop()
})

type SetUpOptions = {
  /** Real-time interval of the re-broadcast duty (default: longer than any test). */
  readonly rebroadcastMs?: number
  /** Pending transactions, all ready (as the mempool counts them), before the driver starts. */
  readonly pendingTxs?: number
  /** Real transactions admitted to the mempool before the driver starts. */
  readonly admitted?: readonly Transaction[]
  readonly maxBlockTxs?: number
}

/**
 * A non-proposing validator of height 1 (of four) whose validations wait for `release()`, and
 * the proposer's proposal and block for it. Counts what it publishes.
 */
async function setUp(opts: SetUpOptions = {}) {
  const validators = Array.from({ length: 4 }, () => generateKeyPair())
  const chain = await openChain(validators)
  const proposerKey = chain.nextValidators.proposer(1, 0).publicKey
  const self = validators.find((k) => toHex(k.publicKey) !== toHex(proposerKey))!
  const proposer = validators.find((k) => toHex(k.publicKey) === toHex(proposerKey))!

  // The proposer's block, built on its own copy of the chain.
  const builder = await openChain(validators)
  const clock = new ManualClock()
  const { executed } = await builder.buildBlock({
    candidates: [],
    proposer: proposer.publicKey,
    round: 0,
    timeMs: clock.now(),
  })
  const block: Block = executed.block
  const proposal = signProposal(
    { chainId: CHAIN_ID, height: 1, round: 0, validRound: -1, blockHash: block.hash() },
    proposer.secretKey,
    proposer.publicKey,
  )

  // Validation on this node waits until the test releases it.
  let release!: () => void
  const held = new Promise<void>((r) => (release = r))
  let validations = 0
  const validate = chain.validateBlock.bind(chain)
  chain.validateBlock = async (...args) => {
    validations++
    await held
    return validate(...args)
  }

  const prevotes: Vote[] = []
  const published = { proposals: 0, votes: 0 }
  const gossip = {
    publishProposal: async () => {
      published.proposals++
    },
    publishVote: async (v: Vote) => {
      published.votes++
      if (v.type === VoteType.PREVOTE) prevotes.push(v)
    },
  } as unknown as Gossip
  const metrics = createMetrics()
  const mempool = new Mempool({
    checkTx: (tx, o) => chain.checkTx(tx, o),
    nonceOf: (s) => chain.nonceOf(s),
    isCommitted: async () => false,
  })
  // Only the driver's decision when to start a height counts them; building takes none.
  const pending = opts.pendingTxs
  if (pending !== undefined) {
    Object.defineProperty(mempool, 'size', { value: pending })
    Object.defineProperty(mempool, 'countReady', { value: (atMost: number) => Math.min(pending, atMost) })
  }
  for (const tx of opts.admitted ?? []) await mempool.add(tx)
  const driver = new ConsensusDriver({
    chain,
    mempool,
    gossip,
    wal: new Wal(await openMemoryStore()),
    validatorKey: self,
    timing: { ...DEVNET_TIMING, rebroadcastMs: opts.rebroadcastMs ?? 60_000 },
    maxBlockTxs: opts.maxBlockTxs ?? 100,
    clock,
    commitLane: new Mutex(),
    gate: new PriorityGate(),
    onCommitted: async () => {},
    requestSync: () => {},
    logger: silentLogger(),
    metrics,
  })
  drivers.push(driver)
  await driver.start()
  await settle()
  expect(driver.height).toBe(1)
  return {
    driver,
    chain,
    validators,
    self,
    clock,
    block,
    proposal,
    release,
    prevotes,
    published,
    metrics,
    validations: () => validations,
  }
}

describe('ConsensusDriver: propose timeout during validation', () => {
  it('prevotes for a proposal whose validation outlasts the propose timeout', async () => {
    const t = await setUp()
    await t.driver.onProposal(t.proposal, t.block, 'peer')
    await settle()
    expect(t.validations()).toBe(1)

    t.clock.advance(DEVNET_TIMING.proposeMs)
    await settle()
    expect(t.prevotes).toEqual([]) // the timeout waits for the verdict
    expect((await t.metrics.proposeTimeoutsDeferred.get()).values[0]?.value).toBe(1)

    t.release()
    await settle()
    expect(t.prevotes).toHaveLength(1)
    expect(toHex(t.prevotes[0]!.blockHash!)).toBe(t.block.hashHex())
  })

  it('prevotes nil when the validation outlasts one more propose timeout', async () => {
    const t = await setUp()
    await t.driver.onProposal(t.proposal, t.block, 'peer')
    await settle()

    t.clock.advance(DEVNET_TIMING.proposeMs)
    await settle()
    expect(t.prevotes).toEqual([])
    t.clock.advance(DEVNET_TIMING.proposeMs)
    await settle()
    expect(t.prevotes).toHaveLength(1)
    expect(t.prevotes[0]!.blockHash).toBeNull()

    t.release() // the late verdict changes nothing in this round
    await settle()
    expect(t.prevotes).toHaveLength(1)
  })

  it('prevotes nil at the timeout when no proposal arrived (nothing to wait for)', async () => {
    const t = await setUp()
    t.clock.advance(DEVNET_TIMING.proposeMs)
    await settle()
    expect(t.prevotes).toHaveLength(1)
    expect(t.prevotes[0]!.blockHash).toBeNull()
    expect((await t.metrics.proposeTimeoutsDeferred.get()).values[0]?.value ?? 0).toBe(0)
    t.release()
  })
})

describe('ConsensusDriver: re-broadcast duty', () => {
  const realMs = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('re-broadcasts the round only after staying at one step for rebroadcastMs', async () => {
    const t = await setUp({ rebroadcastMs: 20 })
    t.release()
    await t.driver.onProposal(t.proposal, t.block, 'peer')
    await settle()
    expect(t.prevotes).toHaveLength(1) // now at the prevote step, waiting for more prevotes
    const before = { ...t.published }

    // The step was entered just now on the driver's clock: several duty ticks do nothing.
    await realMs(100)
    expect(t.published).toEqual(before)

    // Stalled at that step for the interval: the duty re-sends the proposal and own prevote.
    t.clock.advance(20)
    await realMs(100)
    expect(t.published.proposals).toBeGreaterThan(before.proposals)
    expect(t.published.votes).toBeGreaterThan(before.votes)
    expect(t.driver.step).toBe('prevote')
  })
})

describe('ConsensusDriver: after a commit', () => {
  /** The other validators' prevotes and precommits for the proposal's block: height 1 decides. */
  async function decideHeightOne(t: Awaited<ReturnType<typeof setUp>>): Promise<void> {
    t.release()
    await t.driver.onProposal(t.proposal, t.block, 'peer')
    await settle()
    const others = t.validators.filter((k) => toHex(k.publicKey) !== toHex(t.self.publicKey)).slice(0, 2)
    for (const type of [VoteType.PREVOTE, VoteType.PRECOMMIT]) {
      for (const k of others) {
        const fields = { chainId: CHAIN_ID, type, height: 1, round: 0, blockHash: t.block.hash() }
        await t.driver.onVote(signVote(fields, k.secretKey, k.publicKey), 'peer')
        await settle()
      }
    }
    expect(t.chain.height).toBe(1)
  }

  it.each([
    { pending: 3, maxBlockTxs: 3, waitsMs: 0, why: 'a full block is pending: no wait' },
    { pending: 2, maxBlockTxs: 3, waitsMs: DEVNET_TIMING.commitTimeoutMs, why: 'less: the commit timeout' },
  ])('next height after $waitsMs ms ($why)', async ({ pending, maxBlockTxs, waitsMs }) => {
    const t = await setUp({ pendingTxs: pending, maxBlockTxs })
    await decideHeightOne(t)
    if (waitsMs > 0) {
      t.clock.advance(waitsMs - 1)
      await settle()
      expect(t.driver.height).toBe(1)
    }
    t.clock.advance(waitsMs === 0 ? 0 : 1)
    await settle()
    expect(t.driver.height).toBe(2)
  })

  it('after an empty block, waits the idle interval when the mempool holds only transactions behind a nonce gap', async () => {
    // Nonces 1 and 2 of a sender whose next nonce is 0: pending, but no block can take them.
    const t = await setUp({ admitted: [kvPutTx(1, CHAIN_ID), kvPutTx(2, CHAIN_ID)] })
    await decideHeightOne(t)
    t.clock.advance(DEVNET_TIMING.idleBlockIntervalMs - 1)
    await settle()
    expect(t.driver.height).toBe(1)
    t.clock.advance(50) // the next poll after the interval
    await settle()
    expect(t.driver.height).toBe(2)
  })
})

describe('ConsensusDriver: a proposal whose block is obtained later (compact gossip)', () => {
  it('obtains the block only for a proposal that passed its checks', async () => {
    const t = await setUp()
    t.release()
    let asked = 0
    const obtain = async () => {
      asked++
      return t.block
    }
    // Signed by a validator that is not this round's proposer: refused, the block never asked for.
    const impostor = t.validators.find((k) => toHex(k.publicKey) !== toHex(t.proposal.proposer))!
    const forged = signProposal(
      { chainId: CHAIN_ID, height: 1, round: 0, validRound: -1, blockHash: t.block.hash() },
      impostor.secretKey,
      impostor.publicKey,
    )
    expect((await t.driver.onProposal(forged, obtain, 'peer')).kind).toBe('reject')
    expect(asked).toBe(0)

    // A block that cannot be obtained: ignored (no penalty), nothing validated.
    expect(await t.driver.onProposal(t.proposal, async () => undefined, 'peer')).toEqual({
      kind: 'ignore',
      code: 'P2P_BLOCK_UNAVAILABLE',
    })
    await settle()
    expect(t.validations()).toBe(0)

    // The real proposal: the block is obtained, validated, and prevoted for.
    expect((await t.driver.onProposal(t.proposal, obtain, 'peer')).kind).toBe('accept')
    await settle()
    expect(asked).toBe(1)
    expect(t.validations()).toBe(1)
    expect(t.prevotes).toHaveLength(1)
    expect(toHex(t.prevotes[0]!.blockHash!)).toBe(t.block.hashHex())
  })
})

describe('ConsensusDriver: restarted holding a valid value it did not propose', () => {
  it('fetches the block from peers to re-propose it (L16) as the next round’s proposer', async () => {
    const validators = Array.from({ length: 4 }, () => generateKeyPair())
    const chain = await openChain(validators)
    const byKey = (pk: Uint8Array) => validators.find((k) => toHex(k.publicKey) === toHex(pk))!
    const self = byKey(chain.nextValidators.proposer(1, 1).publicKey)
    const first = byKey(chain.nextValidators.proposer(1, 0).publicKey)
    expect(toHex(first.publicKey)).not.toBe(toHex(self.publicKey))
    const third = validators.find((k) => k !== self && k !== first)!

    const clock = new ManualClock()
    const builder = await openChain(validators)
    const { executed } = await builder.buildBlock({
      candidates: [],
      proposer: first.publicKey,
      round: 0,
      timeMs: clock.now(),
    })
    const block = executed.block
    const proposal = signProposal(
      { chainId: CHAIN_ID, height: 1, round: 0, validRound: -1, blockHash: block.hash() },
      first.secretKey,
      first.publicKey,
    )
    const vote = (k: KeyPair, type: VoteType, blockHash: Uint8Array | null) =>
      signVote({ chainId: CHAIN_ID, type, height: 1, round: 0, blockHash }, k.secretKey, k.publicKey)

    const walStore = await openMemoryStore()
    const proposals: Proposal[] = []
    const gossip = {
      publishProposal: async (p: Proposal) => void proposals.push(p),
      publishVote: async () => {},
    } as unknown as Gossip
    let fetches = 0
    const start = async () => {
      const driver = new ConsensusDriver({
        chain,
        mempool: new Mempool({
          checkTx: (tx, o) => chain.checkTx(tx, o),
          nonceOf: (s) => chain.nonceOf(s),
          isCommitted: async () => false,
        }),
        gossip,
        wal: new Wal(walStore),
        validatorKey: self,
        timing: { ...DEVNET_TIMING, rebroadcastMs: 60_000 },
        maxBlockTxs: 100,
        clock,
        commitLane: new Mutex(),
        gate: new PriorityGate(),
        onCommitted: async () => {},
        requestSync: () => {},
        fetchBlock: async (hash) => {
          fetches++
          return toHex(hash) === block.hashHex() ? block : undefined
        },
        logger: silentLogger(),
      })
      drivers.push(driver)
      await driver.start()
      await settle()
      return driver
    }

    // Round 0: the block arrives with its proposal; a polka for it makes it this node's locked
    // and valid value, and it precommits it.
    const before = await start()
    await before.onProposal(proposal, block, 'peer')
    await settle()
    for (const k of [first, third]) await before.onVote(vote(k, VoteType.PREVOTE, block.hash()), 'peer')
    await settle()
    expect([before.round, before.step]).toEqual([0, 'precommit'])
    await before.stop()

    // Restarted from its WAL, which holds its votes but not the block.
    const after = await start()
    expect([after.height, after.round, after.step]).toEqual([1, 0, 'precommit'])
    for (const k of [first, third]) await after.onVote(vote(k, VoteType.PRECOMMIT, null), 'peer')
    await settle()
    clock.advance(DEVNET_TIMING.precommitMs)
    await settle()
    expect(after.round).toBe(1)
    expect(fetches).toBe(1)
    expect(proposals).toHaveLength(1)
    expect(proposals[0]).toMatchObject({ height: 1, round: 1, validRound: 0 })
    expect(toHex(proposals[0]!.blockHash)).toBe(block.hashHex())
  })
})
