import { describe, expect, it } from 'vitest'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { DEFAULT_CHAIN_PARAMS, encode, keyPairFromSeed } from '@govchain/ledger'
import {
  ACCEPT,
  decodeTxBatch,
  encodeTxBatch,
  fastGossipMessageId,
  Gossip,
  GOSSIP_TXS_DOMAIN,
  gossipTopic,
  ignore,
  MAX_GOSSIP_BATCH_TXS,
  maxTxBatchMessageBytes,
  reject,
  type GossipHandlers,
  type Verdict,
} from '../../src/p2p/gossip.js'
import { PeerScores, Penalty } from '../../src/p2p/peer-scores.js'
import { silentLogger } from '../../src/logger.js'
import { createMetrics, type NodeMetrics } from '../../src/metrics.js'
import { peerIdOfSeed } from '../../src/p2p/host.js'
import { codeOf, kvPutTx } from '../helpers/kv-txs.js'
import { memberHost } from '../helpers/member-host.js'

const CHAIN = 'test'
const params = DEFAULT_CHAIN_PARAMS
const tx = (nonce: number, chainId = CHAIN) => kvPutTx(nonce, chainId)

describe('tx batch envelope', () => {
  it('round-trips transactions in order', () => {
    const txs = [tx(0), tx(1), tx(2)]
    const out = decodeTxBatch(encodeTxBatch(txs.map((t) => t.serialize())), CHAIN, params)
    expect(out.map((t) => t.hashHex())).toEqual(txs.map((t) => t.hashHex()))
  })

  it('refuses malformed, oversized, wrong-chain, repeated and out-of-shape batches with codes', () => {
    const one = tx(0).serialize()
    const decodeOf = (data: Uint8Array) => codeOf(() => decodeTxBatch(data, CHAIN, params))
    expect(decodeOf(new Uint8Array([0xff, 1]))).toMatch(/^DECODE_/)
    // Non-canonical: an indefinite-length array.
    expect(decodeOf(new Uint8Array([0x9f, 0xff]))).toMatch(/^DECODE_/)
    expect(decodeOf(encode(['govchain/gossip-proposal', 1, [one]]))).toBe('DECODE_WRONG_DOMAIN')
    expect(decodeOf(encode([GOSSIP_TXS_DOMAIN, 2, [one]]))).toBe('DECODE_UNSUPPORTED_VERSION')
    expect(decodeOf(encode([GOSSIP_TXS_DOMAIN, 1, [one], 0]))).toBe('DECODE_BAD_SHAPE')
    expect(decodeOf(encode([GOSSIP_TXS_DOMAIN, 1, one]))).toBe('DECODE_BAD_SHAPE')
    expect(decodeOf(encode([GOSSIP_TXS_DOMAIN, 1, ['not bytes']]))).toBe('DECODE_BAD_SHAPE')
    expect(decodeOf(encodeTxBatch([]))).toBe('P2P_MALFORMED_FRAME')
    expect(decodeOf(encodeTxBatch([one, one]))).toBe('P2P_MALFORMED_FRAME')
    expect(decodeOf(encodeTxBatch([one, tx(1, 'other').serialize()]))).toBe('P2P_WRONG_CHAIN')
    // An entry that is not a transaction.
    expect(decodeOf(encodeTxBatch([one, new Uint8Array([1, 2, 3])]))).toMatch(/^DECODE_/)
    // Too many entries.
    const many = Array.from({ length: MAX_GOSSIP_BATCH_TXS + 1 }, (_, i) => tx(i).serialize())
    expect(decodeOf(encodeTxBatch(many))).toBe('DECODE_BAD_SHAPE')
    expect(decodeOf(encodeTxBatch(many.slice(0, MAX_GOSSIP_BATCH_TXS)))).toBe('no error')
    // Over the message size limit (checked before decoding).
    const big = new Uint8Array(maxTxBatchMessageBytes(params) + 1)
    expect(decodeOf(big)).toBe('DECODE_TOO_LARGE')
    // An entry over maxTxBytes.
    const small = { ...params, maxTxBytes: one.length - 1 }
    expect(codeOf(() => decodeTxBatch(encodeTxBatch([one]), CHAIN, small))).toBe('DECODE_BAD_SHAPE')
  })
})

type Published = { topic: string; data: Uint8Array }

function fakePubsub() {
  const published: Published[] = []
  const topicValidators = new Map<string, (peer: unknown, msg: unknown) => Promise<TopicValidatorResult>>()
  return {
    published,
    topicValidators,
    subscribe: () => {},
    unsubscribe: () => {},
    publish: async (topic: string, data: Uint8Array) => {
      published.push({ topic, data })
      return { recipients: [] }
    },
  }
}

function setup(
  onTx: GossipHandlers['onTx'],
  batching = { maxDelayMs: 10, maxTxs: 4 },
  metrics?: NodeMetrics,
  beforeTxs?: GossipHandlers['beforeTxs'],
) {
  const pubsub = fakePubsub()
  const penalties: { peer: string; points: number; reason: string }[] = []
  const scores = new PeerScores(() => {})
  const penalise = scores.penalise.bind(scores)
  scores.penalise = (peer, points, reason) => {
    penalties.push({ peer, points, reason })
    return penalise(peer, points, reason)
  }
  const gossip = new Gossip({
    chainId: CHAIN,
    params,
    pubsub: pubsub as never,
    scores,
    allows: (p) => p.startsWith('member'),
    logger: silentLogger(),
    txBatching: batching,
    ...(metrics === undefined ? {} : { metrics }),
  })
  gossip.start({
    ...(beforeTxs === undefined ? {} : { beforeTxs }),
    onTx,
    onProposal: async () => ACCEPT,
    onVote: async () => ACCEPT,
  })
  const validate = (data: Uint8Array, from = 'member-1', peer = 'member-2') =>
    pubsub.topicValidators.get(gossipTopic(CHAIN, 'tx'))!(
      { toString: () => peer },
      { type: 'signed', from: { toString: () => from }, data, topic: gossipTopic(CHAIN, 'tx') },
    )
  return { gossip, pubsub, penalties, validate }
}

describe('tx gossip batching', () => {
  it('publishes queued transactions as one batch after the delay, or at once when full', async () => {
    const { gossip, pubsub } = setup(async () => ACCEPT)
    const first = [tx(0), tx(1), tx(2)]
    const done = first.map((t) => gossip.publishTx(t))
    expect(pubsub.published).toHaveLength(0)
    await Promise.all(done)
    expect(pubsub.published).toHaveLength(1)
    expect(pubsub.published[0]!.topic).toBe(gossipTopic(CHAIN, 'tx'))
    expect(decodeTxBatch(pubsub.published[0]!.data, CHAIN, params).map((t) => t.nonce)).toEqual([0, 1, 2])
    // maxTxs = 4: the fourth fills the batch, the fifth starts the next one.
    const more = [3, 4, 5, 6, 7].map((n) => gossip.publishTx(tx(n)))
    await Promise.all(more.slice(0, 4))
    expect(pubsub.published).toHaveLength(2)
    expect(decodeTxBatch(pubsub.published[1]!.data, CHAIN, params)).toHaveLength(4)
    // stop() hands over what is queued.
    gossip.stop()
    await more[4]
    expect(pubsub.published).toHaveLength(3)
    expect(decodeTxBatch(pubsub.published[2]!.data, CHAIN, params).map((t) => t.nonce)).toEqual([7])
  })

  it('judges each transaction of a batch on its own', async () => {
    const verdicts = new Map<number, Verdict>([
      [1, ignore('MEMPOOL_DUPLICATE')],
      [2, reject('APP_RULE', Penalty.minor)],
    ])
    const seen: number[] = []
    const { validate, penalties } = setup(async (t) => {
      seen.push(t.nonce)
      return verdicts.get(t.nonce) ?? ACCEPT
    })
    // All good (one duplicate ignored): delivered and forwarded.
    expect(await validate(encodeTxBatch([tx(0), tx(1)].map((t) => t.serialize())))).toBe(
      TopicValidatorResult.Accept,
    )
    // Only duplicates: ignored, no penalty.
    expect(await validate(encodeTxBatch([tx(1).serialize()]))).toBe(TopicValidatorResult.Ignore)
    expect(penalties).toEqual([])
    // One rejected transaction among good ones: the good ones were still admitted, the message
    // is not forwarded and the forwarder pays that transaction's penalty.
    seen.length = 0
    expect(await validate(encodeTxBatch([tx(3), tx(2), tx(4)].map((t) => t.serialize())))).toBe(
      TopicValidatorResult.Reject,
    )
    expect(seen.sort()).toEqual([2, 3, 4])
    expect(penalties).toEqual([{ peer: 'member-2', points: Penalty.minor, reason: 'APP_RULE' }])
  })

  it('hands a decoded batch to beforeTxs before its transactions, whose verdicts its failure does not change', async () => {
    const events: string[] = []
    let fail = false
    const { validate } = setup(
      async (t) => {
        events.push(`tx ${t.nonce}`)
        return ACCEPT
      },
      undefined,
      undefined,
      async (txs) => {
        events.push(`batch ${txs.map((t) => t.nonce).join(',')}`)
        if (fail) throw new Error('verifier gone')
      },
    )
    expect(await validate(encodeTxBatch([tx(0), tx(1), tx(2)].map((t) => t.serialize())))).toBe(
      TopicValidatorResult.Accept,
    )
    expect(events).toEqual(['batch 0,1,2', 'tx 0', 'tx 1', 'tx 2'])
    events.length = 0
    fail = true
    expect(await validate(encodeTxBatch([tx(3).serialize()]))).toBe(TopicValidatorResult.Accept)
    expect(events).toEqual(['batch 3', 'tx 3'])
    // A batch that does not decode reaches neither.
    events.length = 0
    expect(await validate(new Uint8Array([0xff]))).toBe(TopicValidatorResult.Reject)
    expect(events).toEqual([])
  })

  it('rejects a malformed or wrong-chain batch before any transaction is handled', async () => {
    const seen: number[] = []
    const { validate, penalties } = setup(async (t) => {
      seen.push(t.nonce)
      return ACCEPT
    })
    const wrong = encodeTxBatch([tx(0).serialize(), tx(1, 'other').serialize()])
    expect(await validate(wrong)).toBe(TopicValidatorResult.Reject)
    expect(await validate(new Uint8Array([0xff]))).toBe(TopicValidatorResult.Reject)
    expect(seen).toEqual([])
    expect(penalties.map((p) => [p.points, p.reason])).toEqual([
      [Penalty.severe, 'P2P_WRONG_CHAIN'],
      [Penalty.severe, 'DECODE_MALFORMED_CBOR'],
    ])
    // Not a member (origin or forwarder): refused without decoding.
    expect(await validate(encodeTxBatch([tx(0).serialize()]), 'outsider')).toBe(TopicValidatorResult.Reject)
    expect(await validate(encodeTxBatch([tx(0).serialize()]), 'member-1', 'outsider')).toBe(
      TopicValidatorResult.Reject,
    )
    expect(seen).toEqual([])
  })

  it('counts received tx messages and the transactions they carried (decoded batches only)', async () => {
    const metrics = createMetrics()
    const { validate } = setup(async () => ACCEPT, undefined, metrics)
    await validate(encodeTxBatch([tx(0), tx(1), tx(2)].map((t) => t.serialize())))
    await validate(encodeTxBatch([tx(3).serialize()]))
    await validate(new Uint8Array([0xff]))
    const text = await metrics.register.metrics()
    expect(text).toContain('govchain_gossip_txs_per_message_count 2')
    expect(text).toContain('govchain_gossip_txs_per_message_sum 4')
    expect(text).toContain('govchain_gossip_txs_per_message_bucket{le="1"} 1')
  })

  it('sums the penalties of forged transactions in one batch', async () => {
    const { validate, penalties } = setup(async () => reject('TX_BAD_SIGNATURE', Penalty.severe))
    expect(await validate(encodeTxBatch([tx(0), tx(1), tx(2)].map((t) => t.serialize())))).toBe(
      TopicValidatorResult.Reject,
    )
    expect(penalties).toEqual([{ peer: 'member-2', points: 3 * Penalty.severe, reason: 'TX_BAD_SIGNATURE' }])
  })

  it('counts a batch against the rate limit by its transactions', async () => {
    const pubsub = fakePubsub()
    const gossip = new Gossip({
      chainId: CHAIN,
      params,
      pubsub: pubsub as never,
      scores: new PeerScores(() => {}),
      allows: () => true,
      logger: silentLogger(),
      rateLimits: { tx: { perSecond: 0.001, burst: 6 } },
    })
    gossip.start({ onTx: async () => ACCEPT, onProposal: async () => ACCEPT, onVote: async () => ACCEPT })
    const validate = (data: Uint8Array) =>
      pubsub.topicValidators.get(gossipTopic(CHAIN, 'tx'))!(
        { toString: () => 'p' },
        { type: 'signed', from: { toString: () => 'p' }, data, topic: '' },
      )
    const batch = (from: number, n: number) =>
      encodeTxBatch(Array.from({ length: n }, (_, i) => tx(from + i).serialize()))
    expect(await validate(batch(0, 4))).toBe(TopicValidatorResult.Accept)
    expect(await validate(batch(10, 3))).toBe(TopicValidatorResult.Ignore)
    expect(await validate(batch(20, 1))).toBe(TopicValidatorResult.Accept)
    expect(await validate(batch(30, 1))).toBe(TopicValidatorResult.Ignore)
  })
})

describe('fast gossip message id', () => {
  const from = new Uint8Array([0, 36, 8, 1, 18, 32, 7, 7])
  const frame = (f: Partial<{ from: Uint8Array; seqno: Uint8Array; data: Uint8Array }>) => ({
    topic: 't',
    ...f,
  })
  const seqno = (n: number) => new Uint8Array([0, 0, 0, 0, 0, 0, 0, n])
  const data = new Uint8Array([1, 2, 3])

  it.each([
    [
      'a forwarded copy (same origin and seqno)',
      { from, seqno: seqno(1), data },
      { from, seqno: seqno(1) },
      true,
    ],
    [
      'another seqno of the same origin (a re-broadcast)',
      { from, seqno: seqno(1) },
      { from, seqno: seqno(2) },
      false,
    ],
    ['another origin', { from, seqno: seqno(1) }, { from: from.slice(0, 7), seqno: seqno(1) }, false],
    [
      'origin bytes moved into the seqno',
      { from, seqno: seqno(1) },
      { from: from.slice(0, 7), seqno: new Uint8Array([7, ...seqno(1)]) },
      false,
    ],
    ['a frame without origin or seqno', { from, seqno: seqno(1) }, { data }, false],
  ])('%s: same id %s', (_, a, b, same) => {
    expect(fastGossipMessageId(frame(a)) === fastGossipMessageId(frame(b))).toBe(same)
  })

  it('is what a member host gives gossipsub', async () => {
    const seed = keyPairFromSeed('fast-id').secretKey
    const h = await memberHost(seed, [(await peerIdOfSeed(seed)).toString()], { chainId: CHAIN })
    try {
      // The implementation's options (not part of the GossipSub interface).
      const { opts } = h.services.pubsub as unknown as { opts: { fastMsgIdFn?: unknown } }
      expect(opts.fastMsgIdFn).toBe(fastGossipMessageId)
    } finally {
      await h.stop()
    }
  })
})
