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
 *   tx topic        canonical signed transaction bytes
 *   proposal topic  ["govchain/gossip-proposal", 1, proposalBytes, blockBytes]
 *   vote topic      canonical vote bytes
 */
import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import {
  createBlockFromBytes,
  createProposalFromBytes,
  createTxFromBytes,
  createVoteFromBytes,
  decode,
  encode,
  isGovchainError,
  readEnvelope,
  readVarBytes,
  MAX_VOTE_BYTES,
  type Block,
  type ChainParams,
  type Proposal,
  type Transaction,
  type Vote,
} from '@govchain/ledger'
import { P2pErrorCode } from '../errors.js'
import type { Logger } from '../logger.js'
import type { NodeMetrics } from '../metrics.js'
import { Penalty, type PeerScores } from './peer-scores.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'

export const GOSSIP_PROPOSAL_DOMAIN = 'govchain/gossip-proposal'

export type GossipTopicKind = 'tx' | 'proposal' | 'vote'

export function gossipTopic(chainId: string, kind: GossipTopicKind): string {
  return `/govchain/${chainId}/${kind}/1`
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
  onTx(tx: Transaction, from: string): Promise<Verdict>
  onProposal(proposal: Proposal, block: Block, from: string): Promise<Verdict>
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
}

const DEFAULT_LIMITS: Record<GossipTopicKind, RateLimit> = {
  tx: { perSecond: 5000, burst: 10_000 },
  proposal: { perSecond: 20, burst: 50 },
  vote: { perSecond: 400, burst: 800 },
}

/** Largest proposal message on the wire: a block plus the proposal and framing. */
export function maxProposalMessageBytes(params: ChainParams): number {
  return params.maxBlockBytes + MAX_VOTE_BYTES + 64
}

export class Gossip {
  readonly topics: Record<GossipTopicKind, string>
  readonly #init: GossipInit
  readonly #limiters: Record<GossipTopicKind, RateLimiter>
  readonly #log: Logger
  #handlers: GossipHandlers | undefined

  constructor(init: GossipInit) {
    this.#init = init
    this.#log = init.logger.child({ module: 'gossip' })
    this.topics = {
      tx: gossipTopic(init.chainId, 'tx'),
      proposal: gossipTopic(init.chainId, 'proposal'),
      vote: gossipTopic(init.chainId, 'vote'),
    }
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

  async publishTx(tx: Transaction): Promise<void> {
    await this.#publish(this.topics.tx, tx.serialize())
  }

  async publishProposal(proposal: Proposal, block: Block): Promise<void> {
    await this.#publish(
      this.topics.proposal,
      encode([GOSSIP_PROPOSAL_DOMAIN, 1, proposal.serialize(), block.serialize()]),
    )
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
    if (!this.#limiters[kind].take(peer)) {
      this.#count(kind, P2pErrorCode.RATE_LIMITED)
      this.#penalise(peer, Penalty.minor, P2pErrorCode.RATE_LIMITED)
      return TopicValidatorResult.Ignore
    }
    const handlers = this.#handlers
    if (handlers === undefined) return TopicValidatorResult.Ignore
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

  async #decodeAndHandle(
    kind: GossipTopicKind,
    data: Uint8Array,
    origin: string,
    handlers: GossipHandlers,
  ): Promise<Verdict> {
    const { chainId, params } = this.#init
    if (kind === 'tx') {
      const tx = createTxFromBytes(data, params.maxTxBytes)
      if (tx.chainId !== chainId) return reject(P2pErrorCode.WRONG_CHAIN, Penalty.severe)
      return handlers.onTx(tx, origin)
    }
    if (kind === 'vote') {
      const vote = createVoteFromBytes(data)
      if (vote.chainId !== chainId) return reject(P2pErrorCode.WRONG_CHAIN, Penalty.severe)
      return handlers.onVote(vote, origin)
    }
    const [p, b] = readEnvelope(
      decode(data, maxProposalMessageBytes(params), 'gossip proposal'),
      GOSSIP_PROPOSAL_DOMAIN,
      1,
      2,
    )
    const proposal = createProposalFromBytes(readVarBytes(p, 'gossip.proposal', MAX_VOTE_BYTES))
    if (proposal.chainId !== chainId) return reject(P2pErrorCode.WRONG_CHAIN, Penalty.severe)
    const block = createBlockFromBytes(readVarBytes(b, 'gossip.block', params.maxBlockBytes), params)
    if (block.header.chainId !== chainId) return reject(P2pErrorCode.WRONG_CHAIN, Penalty.severe)
    return handlers.onProposal(proposal, block, origin)
  }
}
