/**
 * Proposals with compact blocks: the gossip message (header, transaction hashes, evidence) and
 * the node's rebuilding of the block from its own transactions, with the wait for late ones and
 * the fetch of the whole block (last: from the proposer, over the sync protocol between two real
 * libp2p hosts).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import {
  Block,
  BlockHeader,
  DEFAULT_CHAIN_PARAMS,
  encode,
  keyPairFromSeed,
  signProposal,
  txRootOf,
  type Transaction,
} from '@govchain/ledger'
import { createMetrics } from '../../src/metrics.js'
import { peerIdOfSeed, type Host } from '../../src/p2p/host.js'
import {
  decodeProposalMessage,
  encodeProposalMessage,
  GOSSIP_PROPOSAL_DOMAIN,
  type CompactBlock,
} from '../../src/p2p/gossip.js'
import { ProposalBlocks, type ProposalBlockModules } from '../../src/proposal-blocks.js'
import { codeOf, kvPutTx } from '../helpers/kv-txs.js'
import { memberHost } from '../helpers/member-host.js'

const CHAIN = 'test'
const params = DEFAULT_CHAIN_PARAMS
const proposer = keyPairFromSeed('proposer')
const tx = (nonce: number) => kvPutTx(nonce, CHAIN)

function blockOf(txs: readonly Transaction[], opts: { chainId?: string; height?: number } = {}): Block {
  const zero = new Uint8Array(32)
  const header = new BlockHeader({
    chainId: opts.chainId ?? CHAIN,
    height: opts.height ?? 5,
    round: 0,
    timeMs: 1_700_000_000_000,
    prevHash: zero,
    proposer: proposer.publicKey,
    validatorSetHash: zero,
    nextValidatorSetHash: zero,
    txRoot: txRootOf(txs),
    stateRoot: zero,
    resultRoot: zero,
    evidenceRoot: zero,
    lastCommit: null,
  })
  return new Block(header, txs, [])
}

function proposalFor(block: Block, opts: { chainId?: string; height?: number } = {}) {
  return signProposal(
    {
      chainId: opts.chainId ?? CHAIN,
      height: opts.height ?? block.height,
      round: 0,
      validRound: -1,
      blockHash: block.hash(),
    },
    proposer.secretKey,
    proposer.publicKey,
  )
}

function compactOf(block: Block): CompactBlock {
  return { header: block.header, txHashes: block.txs.map((t) => t.hash()), evidence: block.evidence }
}

describe('proposal message', () => {
  it('carries the header and the transactions by hash, and decodes to the same block', () => {
    const txs = [tx(0), tx(1), tx(2)]
    const block = blockOf(txs)
    const proposal = proposalFor(block)
    const bytes = encodeProposalMessage(proposal, block)
    // Smaller than the block: 32 bytes per transaction instead of the transaction.
    expect(bytes.length).toBeLessThan(block.serialize().length)
    const decoded = decodeProposalMessage(bytes, CHAIN, params)
    expect(decoded.proposal.serialize()).toEqual(proposal.serialize())
    expect(decoded.block.header.hash()).toEqual(block.hash())
    expect(decoded.block.txHashes).toEqual(txs.map((t) => t.hash()))
    expect(decoded.block.evidence).toEqual([])
    const rebuilt = new Block(decoded.block.header, txs, decoded.block.evidence)
    expect(rebuilt.serialize()).toEqual(block.serialize())
  })

  it('refuses malformed, wrong-chain, mismatched and oversized messages with codes', () => {
    const block = blockOf([tx(0)])
    const proposal = proposalFor(block)
    const good = encodeProposalMessage(proposal, block)
    const [, , p, h, hashes, evidence] = [
      GOSSIP_PROPOSAL_DOMAIN,
      2,
      proposal.serialize(),
      block.header.encodable(),
      [tx(0).hash()],
      [],
    ]
    const decodeOf = (bytes: Uint8Array) => codeOf(() => decodeProposalMessage(bytes, CHAIN, params))
    const cases: [string, Uint8Array, string][] = [
      ['truncated', good.subarray(0, good.length - 1), 'DECODE_MALFORMED_CBOR'],
      ['another domain', encode(['govchain/gossip-txs', 2, p, h, hashes, evidence]), 'DECODE_WRONG_DOMAIN'],
      // The version 1 message (a whole block) is not accepted on this topic.
      ['version 1', encode([GOSSIP_PROPOSAL_DOMAIN, 1, p, block.serialize()]), 'DECODE_UNSUPPORTED_VERSION'],
      ['a missing part', encode([GOSSIP_PROPOSAL_DOMAIN, 2, p, h, hashes]), 'DECODE_BAD_SHAPE'],
      [
        'a short hash',
        encode([GOSSIP_PROPOSAL_DOMAIN, 2, p, h, [new Uint8Array(31)], evidence]),
        'DECODE_BAD_SHAPE',
      ],
      [
        'too many hashes',
        encode([
          GOSSIP_PROPOSAL_DOMAIN,
          2,
          p,
          h,
          Array.from({ length: params.maxBlockTxs + 1 }, () => new Uint8Array(32)),
          evidence,
        ]),
        'DECODE_BAD_SHAPE',
      ],
      [
        'a proposal for another chain',
        encodeProposalMessage(proposalFor(block, { chainId: 'other' }), block),
        'P2P_WRONG_CHAIN',
      ],
      [
        'a block of another chain',
        encodeProposalMessage(proposal, blockOf([tx(0)], { chainId: 'other' })),
        'P2P_WRONG_CHAIN',
      ],
      ['another block', encodeProposalMessage(proposal, blockOf([tx(1)])), 'P2P_MALFORMED_FRAME'],
      [
        'another height',
        encodeProposalMessage(proposalFor(block, { height: 6 }), block),
        'P2P_MALFORMED_FRAME',
      ],
    ]
    expect(decodeOf(good)).toBe('no error')
    for (const [what, bytes, code] of cases) expect([what, decodeOf(bytes)]).toEqual([what, code])
  })
})

/** An assembler over a mempool map, with a fetch that records its calls. */
function setUp(opts: { waitMs?: number; maxRecentTxs?: number; fetched?: Block } = {}) {
  const pending = new Map<string, Transaction>()
  const fetches: { hash: string; proposer: string }[] = []
  const metrics = createMetrics()
  const modules: ProposalBlockModules = {
    pending: (h) => pending.get(h),
    fetch: async (hash, from) => {
      fetches.push({ hash: Buffer.from(hash).toString('hex'), proposer: from })
      return opts.fetched
    },
    metrics,
  }
  const blocks = new ProposalBlocks(
    { waitMs: opts.waitMs ?? 50, maxRecentTxs: opts.maxRecentTxs ?? 100 },
    modules,
  )
  const counts = async () => {
    const m = await metrics.register.getSingleMetric('govchain_proposal_blocks_total')!.get()
    return Object.fromEntries(m.values.map((v) => [v.labels.source, v.value]))
  }
  const missing = async () =>
    (await metrics.register.getSingleMetric('govchain_proposal_txs_missing_total')!.get()).values[0]!.value
  return { blocks, pending, fetches, counts, missing }
}

describe('ProposalBlocks', () => {
  it('rebuilds a block from pending and recently gossiped transactions, in the block order', async () => {
    const txs = [tx(0), tx(1), tx(2), tx(3)]
    const block = blockOf(txs)
    const t = setUp()
    t.pending.set(txs[2]!.hashHex(), txs[2]!)
    t.pending.set(txs[0]!.hashHex(), txs[0]!)
    t.blocks.remember([txs[3]!, txs[1]!])
    const rebuilt = await t.blocks.assemble(compactOf(block), 'peer-p')
    expect(rebuilt?.serialize()).toEqual(block.serialize())
    expect(rebuilt?.hash()).toEqual(block.hash())
    expect(t.fetches).toEqual([])
    expect(await t.counts()).toEqual({ local: 1 })
  })

  it('waits for transactions that arrive after the proposal', async () => {
    const txs = [tx(0), tx(1), tx(2)]
    const block = blockOf(txs)
    const t = setUp({ waitMs: 5_000 })
    t.blocks.remember([txs[0]!])
    const rebuilding = t.blocks.assemble(compactOf(block), 'peer-p')
    t.blocks.remember([txs[2]!])
    await new Promise((r) => setImmediate(r))
    t.blocks.remember([txs[1]!])
    const started = Date.now()
    const rebuilt = await rebuilding
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(rebuilt?.serialize()).toEqual(block.serialize())
    expect(t.fetches).toEqual([])
    expect(await t.counts()).toEqual({ waited: 1 })
    expect(await t.missing()).toBe(2)
  })

  it('fetches the whole block from the proposer when transactions stay missing', async () => {
    const txs = [tx(0), tx(1)]
    const block = blockOf(txs)
    const t = setUp({ fetched: block })
    t.blocks.remember([txs[0]!])
    expect(await t.blocks.assemble(compactOf(block), 'peer-p')).toBe(block)
    expect(t.fetches).toEqual([{ hash: block.hashHex(), proposer: 'peer-p' }])
    expect(await t.counts()).toEqual({ fetched: 1 })
  })

  it('gives up when no peer has the block', async () => {
    const block = blockOf([tx(0)])
    const t = setUp()
    expect(await t.blocks.assemble(compactOf(block), 'peer-p')).toBeUndefined()
    expect(t.fetches).toHaveLength(1)
    expect(await t.counts()).toEqual({ unavailable: 1 })
  })

  it('keeps at most maxRecentTxs gossiped transactions, dropping the oldest', async () => {
    const txs = [tx(0), tx(1), tx(2)]
    const t = setUp({ maxRecentTxs: 2, waitMs: 1 })
    t.blocks.remember(txs)
    expect(await t.blocks.assemble(compactOf(blockOf(txs.slice(1))), 'peer-p')).toBeDefined()
    expect(await t.blocks.assemble(compactOf(blockOf(txs.slice(0, 1))), 'peer-p')).toBeUndefined()
    expect(await t.counts()).toEqual({ local: 1, unavailable: 1 })
  })

  it('forgets committed transactions', async () => {
    const txs = [tx(0), tx(1)]
    const t = setUp({ waitMs: 1 })
    t.blocks.remember(txs)
    t.blocks.forget([txs[0]!])
    expect(await t.blocks.assemble(compactOf(blockOf(txs.slice(1))), 'peer-p')).toBeDefined()
    expect(await t.blocks.assemble(compactOf(blockOf(txs.slice(0, 1))), 'peer-p')).toBeUndefined()
  })

  it('rebuilds an empty block without looking anything up', async () => {
    const block = blockOf([])
    const t = setUp()
    expect((await t.blocks.assemble(compactOf(block), 'peer-p'))?.serialize()).toEqual(block.serialize())
  })
})

describe('ProposalBlocks with the sync protocol', () => {
  const hosts: Host[] = []
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
  })

  it('fetches a block it cannot rebuild from the proposer, over the sync protocol', async () => {
    const txs = [tx(0), tx(1), tx(2)]
    const block = blockOf(txs)
    const seeds = ['proposer', 'receiver'].map((s) => keyPairFromSeed(`compact-${s}`).secretKey)
    const [proposerId, receiverId] = await Promise.all(seeds.map((s) => peerIdOfSeed(s)))
    const proposerHost = await memberHost(seeds[0]!, [receiverId!], {
      chainId: CHAIN,
      source: {
        height: () => 4,
        headHash: () => new Uint8Array(32),
        blockWithCertificate: async () => undefined,
        candidateBlock: (hash) =>
          Buffer.from(hash).equals(Buffer.from(block.hash())) ? block.serialize() : undefined,
      },
    })
    hosts.push(proposerHost)
    const receiverHost = await memberHost(seeds[1]!, [proposerId!], { chainId: CHAIN })
    hosts.push(receiverHost)
    await receiverHost.dial(proposerHost.getMultiaddrs()[0]!)

    const metrics = createMetrics()
    const blocks = new ProposalBlocks(
      { waitMs: 20 },
      {
        pending: () => undefined,
        fetch: (hash, proposer) => receiverHost.services.sync.candidate(peerIdFromString(proposer), hash),
        metrics,
      },
    )
    blocks.remember([txs[1]!])
    const fetched = await blocks.assemble(compactOf(block), proposerId!)
    expect(fetched?.serialize()).toEqual(block.serialize())
    expect(fetched?.txs.map((t) => t.hashHex())).toEqual(txs.map((t) => t.hashHex()))
    const counted = await metrics.register.getSingleMetric('govchain_proposal_blocks_total')!.get()
    expect(counted.values.map((v) => [v.labels.source, v.value])).toEqual([['fetched', 1]])

    // A block the proposer does not hold either: unavailable, not an error.
    const other = blockOf([tx(3)])
    expect(await blocks.assemble(compactOf(other), proposerId!)).toBeUndefined()
  })
})
