/**
 * Gossip watchdog: a member peer that is connected but no longer a gossip peer is hung up, so
 * that it is dialled again and gossipsub starts over on the fresh connection.
 *
 * Why: gossipsub (@libp2p/gossipsub 17) drops a peer from its router when one of its streams
 * fails — a read error on the inbound stream (`handlePeerReadStreamError` → `removePeer`), an
 * outbound stream aborted when its write buffer overflows (`maxOutboundBufferSize`, e.g. a slow
 * receiver under large proposal messages) — but it opens streams again only when a connection
 * opens. The libp2p connection itself stays up (sync keeps working over it, and the dialer
 * sees the peer connected), so the node is cut off from proposals, votes and transactions for
 * good: it still follows the chain by block sync but never takes part in consensus again.
 * Observed on a devnet under overload: one validator with an empty gossipsub peer table while
 * connected to all three others.
 */
import type { Logger } from '../logger.js'
import type { Host } from './host.js'

export type GossipWatchdogOptions = {
  /** Connected peers that should be gossip peers (members the gater allows). */
  readonly connected: () => Iterable<string>
  /** Peers gossip currently works with (subscribed to our topics, with a stream to send on). */
  readonly gossipPeers: () => Iterable<string>
  /** Closes every connection to the peer (the member dialer reconnects). */
  readonly hangUp: (peer: string) => Promise<void>
  /** How long a connected peer may be missing from gossip before it is hung up. */
  readonly graceMs: number
  readonly now: () => number
  readonly logger: Logger
  readonly onReset?: (peer: string) => void
}

export class GossipWatchdog {
  readonly #o: GossipWatchdogOptions
  /** Peer → clock time it was first seen connected but not a gossip peer. */
  readonly #missingSince = new Map<string, number>()

  constructor(opts: GossipWatchdogOptions) {
    this.#o = opts
  }

  /** One check; returns the peers hung up. Call it periodically. */
  tick(): string[] {
    const { now, graceMs } = this.#o
    const t = now()
    const gossip = new Set(this.#o.gossipPeers())
    const connected = new Set(this.#o.connected())
    for (const peer of this.#missingSince.keys())
      if (!connected.has(peer) || gossip.has(peer)) this.#missingSince.delete(peer)
    const reset: string[] = []
    for (const peer of connected) {
      if (gossip.has(peer)) continue
      const since = this.#missingSince.get(peer)
      if (since === undefined) {
        this.#missingSince.set(peer, t)
        continue
      }
      if (t - since < graceMs) continue
      this.#missingSince.delete(peer)
      reset.push(peer)
      this.#o.logger.warn(
        { peer, missingMs: t - since },
        'connected member peer is not a gossip peer; reconnecting',
      )
      this.#o.onReset?.(peer)
      void this.#o.hangUp(peer).catch(() => {})
    }
    return reset
  }
}

/**
 * Peers gossip works with: subscribed to `topic` (their subscription reached us over their
 * stream) and, where gossipsub exposes it, with an outbound stream of ours to send on.
 */
export function gossipPeersOf(host: Host, topic: string): string[] {
  const pubsub = host.services.pubsub
  const outbound = (pubsub as unknown as { streamsOutbound?: Map<string, unknown> }).streamsOutbound
  return pubsub
    .getSubscribers(topic)
    .map((p) => p.toString())
    .filter((p) => outbound === undefined || outbound.has(p))
}
