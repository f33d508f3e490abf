/**
 * Gossip topics of a chain: transactions, proposals (with their block) and votes. Messages are
 * signed by the publishing node's libp2p key (gossipsub StrictSign), so re-broadcasts of the same
 * vote get fresh message ids and every message names its origin.
 *
 * Every message passes a topic validator before it is delivered or forwarded: the origin and the
 * forwarding peer must be members, the forwarder within its rate limit, the payload strictly
 * decoded with the ledger decoders and for this chain; then the node's handler decides. A
 * reject costs the forwarding peer a penalty (peer-scores.ts).
 *
 *   tx topic        ["govchain/gossip-txs", 1, [txBytes…]]  (1–256 transactions, ≤ 256 KiB)
 *   proposal topic  ["govchain/gossip-proposal", 2, proposalBytes, header, [txHash…], [evidence…]]
 *   vote topic      canonical vote bytes
 *
 * Transactions are batched: `publishTx` queues a transaction and resolves once the batch that
 * carries it has been handed to gossipsub — at most `maxDelayMs` later, or at once when the
 * batch is full. One gossip message (one libp2p signature, one RPC frame per peer, one seen-cache
 * entry) then carries many transactions. A receiver decodes the whole batch strictly first (any
 * malformed, oversized, duplicated or wrong-chain entry rejects the message); then every
 * transaction gets its own verdict from the handler, counted per transaction; the message is
 * forwarded only when no transaction in it was rejected, and the forwarder pays the sum of the
 * rejected transactions' penalties.
 *
 * A proposal carries its block compactly: the header, the transactions' hashes and the evidence.
 * Peers already hold nearly all of those transactions (they were gossiped before the block was
 * proposed), so each transaction crosses the network once instead of twice; the node rebuilds
 * the block from its own transactions, fetching it whole only when some are missing
 * (`proposal-blocks.ts`).
 */
import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import type { PeerId } from '@libp2p/interface'
import {
  byteString,
  createProposalFromBytes,
  createTxFromBytes,
  createVoteFromBytes,
  decode,
  encode,
  isGovchainError,
  readArray,
  readEnvelope,
  readVarBytes,
  MAX_VOTE_BYTES,
  equalBytes,
  readBytes,
  readEvidence,
  readHeader,
  HASH_LENGTH,
  type Block,
  type BlockHeader,
  type ChainParams,
  type DuplicateVoteEvidence,
  type Proposal,
  type Transaction,
  type Vote,
} from '@govchain/ledger'
import { P2pError, P2pErrorCode } from '../errors.js'
import type { Logger } from '../logger.js'
import type { NodeMetrics } from '../metrics.js'
import { Penalty, type PeerScores } from './peer-scores.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'

export const GOSSIP_PROPOSAL_DOMAIN = 'govchain/gossip-proposal'
export const GOSSIP_TXS_DOMAIN = 'govchain/gossip-txs'
/** Most transactions in one gossip batch. */
export const MAX_GOSSIP_BATCH_TXS = 256
/** Batches are filled up to this many bytes (a single larger transaction travels alone). */
export const GOSSIP_BATCH_TARGET_BYTES = 256 * 1024
/** CBOR overhead of the envelope and of one entry (a byte-string head), as an upper bound. */
const BATCH_ENVELOPE_BYTES = 32
const BATCH_ENTRY_OVERHEAD = 9

export type GossipTopicKind = 'tx' | 'proposal' | 'vote'

/**
 * Topic versions: the tx topic carries batches since version 2, the proposal topic compact
 * blocks since version 2.
 */
const TOPIC_VERSION: Record<GossipTopicKind, number> = { tx: 2, proposal: 2, vote: 1 }
export const GOSSIP_PROPOSAL_VERSION = 2

export function gossipTopic(chainId: string, kind: GossipTopicKind): string {
  return `/govchain/${chainId}/${kind}/${TOPIC_VERSION[kind]}`
}

/** How a node groups its own transactions into gossip messages. */
export type TxBatching = {
  /** Longest a queued transaction waits for company (0: every transaction alone, at once). */
  readonly maxDelayMs: number
  /** Most transactions per message (≤ MAX_GOSSIP_BATCH_TXS). */
  readonly maxTxs: number
}

/**
 * 100 ms: under load most of a tx message's cost is per message (the origin's libp2p signature,
 * its verification by every peer, RPC framing, encryption), and at 20 ms a message carried only a
 * few transactions. On a 4-node devnet offered 450 tx/s the nodes' CPU per committed transaction
 * fell by 10–15 % (docs/bench.md); 250 ms cut it further but tripled the median commit latency.
 */
export const DEFAULT_TX_BATCHING: TxBatching = Object.freeze({
  maxDelayMs: 100,
  maxTxs: MAX_GOSSIP_BATCH_TXS,
})

/** Largest tx-batch message accepted: the batch target, or one largest transaction alone. */
export function maxTxBatchMessageBytes(params: ChainParams): number {
  return Math.max(GOSSIP_BATCH_TARGET_BYTES, params.maxTxBytes + BATCH_ENTRY_OVERHEAD) + BATCH_ENVELOPE_BYTES
}

/** The tx-batch message for canonical transaction encodings. */
export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  return encode([GOSSIP_TXS_DOMAIN, 1, [...txs]])
}

/**
 * Strictly decodes a tx-batch message: canonical CBOR within `maxTxBatchMessageBytes`, the
 * envelope, 1–MAX_GOSSIP_BATCH_TXS entries, each a canonical transaction of at most
 * `maxTxBytes`, for `chainId`, no two alike. Throws a coded error (`DECODE_*`, `TX_*`,
 * `P2P_WRONG_CHAIN`, `P2P_MALFORMED_FRAME`).
 */
export function decodeTxBatch(data: Uint8Array, chainId: string, params: ChainParams): Transaction[] {
  const [list] = readEnvelope(
    decode(data, maxTxBatchMessageBytes(params), 'gossip tx batch'),
    GOSSIP_TXS_DOMAIN,
    1,
    1,
  )
  const entries = readArray(list, 'gossip.txs', MAX_GOSSIP_BATCH_TXS)
  if (entries.length === 0) throw new P2pError(P2pErrorCode.MALFORMED_FRAME, 'empty transaction batch')
  const seen = new Set<string>()
  return entries.map((e, i) => {
    const tx = createTxFromBytes(readVarBytes(e, `gossip.txs[${i}]`, params.maxTxBytes), params.maxTxBytes)
    if (tx.chainId !== chainId)
      throw new P2pError(P2pErrorCode.WRONG_CHAIN, `gossip.txs[${i}] is for chain ${tx.chainId}`)
    const hash = tx.hashHex()
    if (seen.has(hash))
      throw new P2pError(P2pErrorCode.MALFORMED_FRAME, `gossip.txs[${i}] repeats transaction ${hash}`)
    seen.add(hash)
    return tx
  })
}

/**
 * gossipsub's fast message id (`fastMsgIdFn`): the origin's peer id and its sequence number, read
 * from the frame before anything is verified. Under StrictSign that pair is what the message id
 * is made of, so a copy that another peer forwards is dropped as a duplicate without its libp2p
 * signature being verified and the message re-encoded again: on a 4-node devnet each node
 * otherwise received and verified every message three times, and those verifications (of tx
 * batches and whole blocks) cost a node more CPU than verifying the transactions themselves. An
 * id enters the cache only after its message passed validation, so a forged frame that copies a
 * real origin and sequence number cannot shadow the real message. A frame without either field
 * (never valid under StrictSign) gets an id that no valid message has.
 */
export function fastGossipMessageId(msg: RPC.Message): string {
  if (msg.from === undefined || msg.seqno === undefined) return 'unsigned'
  // The origin's length first: no two (origin, seqno) pairs give one id.
  return `${msg.from.length}/${byteString(msg.from)}${byteString(msg.seqno)}`
}

/** A handler's decision about a well-formed message. */
export type Verdict =
  | { readonly kind: 'accept' }
  | { readonly kind: 'ignore'; readonly code: string }
  | { readonly kind: 'reject'; readonly code: string; readonly penalty: number }

export const ACCEPT: Verdict = Object.freeze({ kind: 'accept' })
export const ignore = (code: string): Verdict => ({ kind: 'ignore', code })
export const reject = (code: string, penalty: number = Penalty.invalid): Verdict => ({
  kind: 'reject',
  code,
  penalty,
})

export type GossipHandlers = {
  /**
   * Called with a decoded tx batch before its transactions go to `onTx` one by one (the node
   * verifies their signatures there as one batch, off its main thread). Its failure is ignored:
   * each transaction is still checked in full.
   */
  beforeTxs?(txs: readonly Transaction[]): Promise<unknown>
  onTx(tx: Transaction, from: string): Promise<Verdict>
  onProposal(proposal: Proposal, block: CompactBlock, from: string): Promise<Verdict>
  onVote(vote: Vote, from: string): Promise<Verdict>
}

export type GossipInit = {
  readonly chainId: string
  readonly params: ChainParams
  readonly pubsub: GossipSub
  readonly scores: PeerScores
  /** Is this peer id a current member (and not banned)? */
  readonly allows: (peerId: string) => boolean
  readonly logger: Logger
  readonly metrics?: NodeMetrics
  readonly rateLimits?: Partial<Record<GossipTopicKind, RateLimit>>
  readonly txBatching?: Partial<TxBatching>
}

/** Transactions waiting to be published together, and the callers waiting for that. */
type PendingBatch = {
  readonly txs: Uint8Array[]
  bytes: number
  readonly done: Promise<void>
  readonly resolve: () => void
  readonly timer: NodeJS.Timeout | undefined
}

/** The tx limit counts transactions (a batch of n costs n), the others messages. */
const DEFAULT_LIMITS: Record<GossipTopicKind, RateLimit> = {
  tx: { perSecond: 5000, burst: 10_000 },
  proposal: { perSecond: 20, burst: 50 },
  vote: { perSecond: 400, burst: 800 },
}

/**
 * Largest proposal message on the wire. Its compact block is never larger than the block itself
 * (a hash of 32 bytes stands for each transaction of at least that size), so the block's limit
 * bounds it.
 */
export function maxProposalMessageBytes(params: ChainParams): number {
  return params.maxBlockBytes + MAX_VOTE_BYTES + 64
}

/** A proposed block as gossiped: its transactions by hash. */
export type CompactBlock = {
  readonly header: BlockHeader
  readonly txHashes: readonly Uint8Array[]
  readonly evidence: readonly DuplicateVoteEvidence[]
}

export function encodeProposalMessage(proposal: Proposal, block: Block): Uint8Array {
  return encode([
    GOSSIP_PROPOSAL_DOMAIN,
    GOSSIP_PROPOSAL_VERSION,
    proposal.serialize(),
    block.header.encodable(),
    block.txs.map((t) => t.hash()),
    block.evidence.map((e) => e.encodable()),
  ])
}

/**
 * Strictly decodes a proposal message: canonical CBOR within `maxProposalMessageBytes`, the
 * proposal and the header for `chainId`, at most `maxBlockTxs` hashes of 32 bytes, the evidence
 * well formed, and the proposal naming this header's block. Throws a coded error (`DECODE_*`,
 * `P2P_WRONG_CHAIN`, `P2P_MALFORMED_FRAME`). Whether the hashes match the header's tx root is
 * checked once the block is rebuilt, by block validation.
 */
export function decodeProposalMessage(
  data: Uint8Array,
  chainId: string,
  params: ChainParams,
): { proposal: Proposal; block: CompactBlock } {
  const [p, h, hashes, evidence] = readEnvelope(
    decode(data, maxProposalMessageBytes(params), 'gossip proposal'),
    GOSSIP_PROPOSAL_DOMAIN,
    GOSSIP_PROPOSAL_VERSION,
    4,
  )
  const proposal = createProposalFromBytes(readVarBytes(p, 'gossip.proposal', MAX_VOTE_BYTES))
  if (proposal.chainId !== chainId)
    throw new P2pError(P2pErrorCode.WRONG_CHAIN, `proposal for chain ${proposal.chainId}`)
  const header = readHeader(h)
  if (header.chainId !== chainId)
    throw new P2pError(P2pErrorCode.WRONG_CHAIN, `block of chain ${header.chainId}`)
  if (header.height !== proposal.height || !equalBytes(header.hash(), proposal.blockHash))
    throw new P2pError(P2pErrorCode.MALFORMED_FRAME, 'the proposal names another block')
  return {
    proposal,
    block: {
      header,
      txHashes: readArray(hashes, 'gossip.txHashes', params.maxBlockTxs).map((x, i) =>
        readBytes(x, `gossip.txHashes[${i}]`, HASH_LENGTH),
      ),
      evidence: readArray(evidence, 'gossip.evidence', params.maxBlockEvidence).map((e) => readEvidence(e)),
    },
  }
}

export class Gossip {
  readonly topics: Record<GossipTopicKind, string>
  readonly #init: GossipInit
  readonly #limiters: Record<GossipTopicKind, RateLimiter>
  readonly #log: Logger
  readonly #batching: TxBatching
  readonly #maxBatchBytes: number
  #pending: PendingBatch | undefined
  #handlers: GossipHandlers | undefined

  constructor(init: GossipInit) {
    this.#init = init
    this.#log = init.logger.child({ module: 'gossip' })
    this.topics = {
      tx: gossipTopic(init.chainId, 'tx'),
      proposal: gossipTopic(init.chainId, 'proposal'),
      vote: gossipTopic(init.chainId, 'vote'),
    }
    this.#batching = { ...DEFAULT_TX_BATCHING, ...init.txBatching }
    if (this.#batching.maxTxs > MAX_GOSSIP_BATCH_TXS || this.#batching.maxTxs < 1)
      this.#batching = { ...this.#batching, maxTxs: MAX_GOSSIP_BATCH_TXS }
    this.#maxBatchBytes = maxTxBatchMessageBytes(init.params)
    const limits = { ...DEFAULT_LIMITS, ...init.rateLimits }
    this.#limiters = {
      tx: new RateLimiter(limits.tx),
      proposal: new RateLimiter(limits.proposal),
      vote: new RateLimiter(limits.vote),
    }
  }

  /** Subscribes and installs the validators; messages are refused until handlers are set. */
  start(handlers?: GossipHandlers): void {
    if (handlers) this.#handlers = handlers
    const { pubsub } = this.#init
    for (const kind of ['tx', 'proposal', 'vote'] as const) {
      const topic = this.topics[kind]
      pubsub.topicValidators.set(topic, (peer, msg) => this.#validate(kind, peer, msg))
      pubsub.subscribe(topic)
    }
  }

  setHandlers(handlers: GossipHandlers): void {
    this.#handlers = handlers
  }

  stop(): void {
    // Hand over what is queued, so that no caller waits forever.
    this.#flushTxs()
    const { pubsub } = this.#init
    for (const topic of Object.values(this.topics)) {
      pubsub.topicValidators.delete(topic)
      try {
        pubsub.unsubscribe(topic)
      } catch {
        // already stopped
      }
    }
  }

  /**
   * Queues a transaction for the next batch; resolves when that batch has been handed to
   * gossipsub (publish failures are logged, as for every topic: the origin keeps the
   * transaction in its mempool and includes it when it proposes).
   */
  publishTx(tx: Transaction): Promise<void> {
    const bytes = tx.serialize()
    const size = bytes.length + BATCH_ENTRY_OVERHEAD
    let batch = this.#pending
    if (batch !== undefined && batch.bytes + size > this.#maxBatchBytes) {
      this.#flushTxs()
      batch = undefined
    }
    if (batch === undefined) {
      let resolve!: () => void
      const done = new Promise<void>((r) => (resolve = r))
      const { maxDelayMs } = this.#batching
      const timer = maxDelayMs > 0 ? setTimeout(() => this.#flushTxs(), maxDelayMs) : undefined
      timer?.unref()
      batch = { txs: [], bytes: BATCH_ENVELOPE_BYTES, done, resolve, timer }
      this.#pending = batch
    }
    batch.txs.push(bytes)
    batch.bytes += size
    const { done } = batch
    if (batch.txs.length >= this.#batching.maxTxs || this.#batching.maxDelayMs <= 0) this.#flushTxs()
    return done
  }

  #flushTxs(): void {
    const batch = this.#pending
    if (batch === undefined) return
    this.#pending = undefined
    if (batch.timer !== undefined) clearTimeout(batch.timer)
    void this.#publish(this.topics.tx, encodeTxBatch(batch.txs)).finally(batch.resolve)
  }

  /**
   * Publishes a proposal with its block in compact form. Queued transactions go first: the
   * block may hold some of them, and peers rebuild it from the transactions they have.
   */
  async publishProposal(proposal: Proposal, block: Block): Promise<void> {
    this.#flushTxs()
    await this.#publish(this.topics.proposal, encodeProposalMessage(proposal, block))
  }

  async publishVote(vote: Vote): Promise<void> {
    await this.#publish(this.topics.vote, vote.serialize())
  }

  async #publish(topic: string, data: Uint8Array): Promise<void> {
    try {
      await this.#init.pubsub.publish(topic, data)
    } catch (e) {
      // No subscribed peers yet, or a duplicate: the periodic re-broadcast and sync cover it.
      this.#log.debug({ topic, err: (e as Error).message }, 'publish failed')
    }
  }

  #count(kind: GossipTopicKind, verdict: string): void {
    this.#init.metrics?.gossipMessages.inc({ topic: kind, verdict })
  }

  #penalise(peer: string, points: number, code: string): void {
    this.#init.metrics?.peerPenalties.inc({ code })
    this.#init.scores.penalise(peer, points, code)
  }

  async #validate(
    kind: GossipTopicKind,
    propagationSource: PeerId,
    msg: Message,
  ): Promise<TopicValidatorResult> {
    const peer = propagationSource.toString()
    const origin = msg.type === 'signed' ? msg.from.toString() : undefined
    if (!this.#init.allows(peer) || origin === undefined || !this.#init.allows(origin)) {
      this.#count(kind, P2pErrorCode.NOT_MEMBER)
      return TopicValidatorResult.Reject
    }
    // One token now (before any decoding); a tx batch pays for the rest of its entries below.
    if (!this.#limiters[kind].take(peer)) {
      this.#count(kind, P2pErrorCode.RATE_LIMITED)
      this.#penalise(peer, Penalty.minor, P2pErrorCode.RATE_LIMITED)
      return TopicValidatorResult.Ignore
    }
    const handlers = this.#handlers
    if (handlers === undefined) return TopicValidatorResult.Ignore
    if (kind === 'tx') return this.#validateTxs(peer, origin, msg.data, handlers)
    let verdict: Verdict
    try {
      verdict = await this.#decodeAndHandle(kind, msg.data, origin, handlers)
    } catch (e) {
      // Malformed bytes: strict decoding failed. Never an honest node.
      const code = isGovchainError(e) ? e.code : P2pErrorCode.MALFORMED_FRAME
      verdict = reject(code, Penalty.severe)
    }
    this.#count(kind, verdict.kind === 'accept' ? 'accept' : verdict.code)
    if (verdict.kind === 'accept') return TopicValidatorResult.Accept
    if (verdict.kind === 'ignore') return TopicValidatorResult.Ignore
    this.#log.debug({ peer, origin, topic: kind, code: verdict.code }, 'gossip message rejected')
    this.#penalise(peer, verdict.penalty, verdict.code)
    return TopicValidatorResult.Reject
  }

  /**
   * A tx batch: decoded whole first (a bad entry rejects the message, severe); then each
   * transaction handled, concurrently, with its own verdict. Rejected if any transaction is
   * (the forwarder pays the sum of their penalties), ignored if none was accepted.
   */
  async #validateTxs(
    peer: string,
    origin: string,
    data: Uint8Array,
    handlers: GossipHandlers,
  ): Promise<TopicValidatorResult> {
    let txs: Transaction[]
    try {
      txs = decodeTxBatch(data, this.#init.chainId, this.#init.params)
    } catch (e) {
      const code = isGovchainError(e) ? e.code : P2pErrorCode.MALFORMED_FRAME
      this.#count('tx', code)
      this.#log.debug({ peer, origin, topic: 'tx', code }, 'gossip message rejected')
      this.#penalise(peer, Penalty.severe, code)
      return TopicValidatorResult.Reject
    }
    this.#init.metrics?.gossipTxsPerMessage.observe(txs.length)
    if (txs.length > 1 && !this.#limiters.tx.take(peer, txs.length - 1)) {
      this.#count('tx', P2pErrorCode.RATE_LIMITED)
      this.#penalise(peer, Penalty.minor, P2pErrorCode.RATE_LIMITED)
      return TopicValidatorResult.Ignore
    }
    if (handlers.beforeTxs !== undefined) await handlers.beforeTxs(txs).catch(() => {})
    const verdicts = await Promise.all(
      txs.map((tx) =>
        handlers.onTx(tx, origin).catch((e: unknown) => reject(isGovchainError(e) ? e.code : 'UNKNOWN')),
      ),
    )
    let accepted = 0
    let penalty = 0
    const codes: string[] = []
    for (const v of verdicts) {
      this.#count('tx', v.kind === 'accept' ? 'accept' : v.code)
      if (v.kind === 'accept') accepted++
      else if (v.kind === 'reject') {
        penalty += v.penalty
        codes.push(v.code)
      }
    }
    if (codes.length > 0) {
      this.#log.debug({ peer, origin, topic: 'tx', codes, txs: txs.length }, 'gossip message rejected')
      this.#penalise(peer, penalty, codes[0]!)
      return TopicValidatorResult.Reject
    }
    return accepted > 0 ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  async #decodeAndHandle(
    kind: GossipTopicKind,
    data: Uint8Array,
    origin: string,
    handlers: GossipHandlers,
  ): Promise<Verdict> {
    const { chainId, params } = this.#init
    if (kind === 'vote') {
      const vote = createVoteFromBytes(data)
      if (vote.chainId !== chainId) return reject(P2pErrorCode.WRONG_CHAIN, Penalty.severe)
      return handlers.onVote(vote, origin)
    }
    const { proposal, block } = decodeProposalMessage(data, chainId, params)
    return handlers.onProposal(proposal, block, origin)
  }
}
