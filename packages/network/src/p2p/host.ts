/**
 * The libp2p host of an alliance member: TCP + Noise + yamux + identify + ping + gossipsub + the
 * sync protocol, a persistent Ed25519 identity, static member addresses (no DHT, no mDNS), the
 * member gater, and a dialer that keeps every member connected: member peers are tagged
 * keep-alive and re-dialled at a fixed interval without limit (stack.md pitfall 7).
 */
import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { KEEP_ALIVE, type Libp2p, type PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { ConfigError, ConfigErrorCode } from '../errors.js'
import type { Logger } from '../logger.js'
import { fastGossipMessageId } from './gossip.js'
import type { MemberGater } from './member-gater.js'
import { syncProtocol, type SyncProtocol, type SyncProtocolInit } from './sync-protocol.js'

export type HostServices = {
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
  pubsub: GossipSub
  sync: SyncProtocol
}

export type Host = Libp2p<HostServices>

export type StaticPeer = { readonly peerId: string; readonly addrs: readonly Multiaddr[] }

export type HostOptions = {
  readonly privateKey: PrivateKey
  readonly listen: readonly string[]
  readonly gater: MemberGater
  readonly sync: SyncProtocolInit
  /** Largest gossip message accepted (a proposal carries its block). */
  readonly maxGossipBytes: number
}

/** The libp2p key of a node from the 32-byte seed kept in node-key.json. */
export async function nodePrivateKey(seed: Uint8Array): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', seed)
}

export async function peerIdOfSeed(seed: Uint8Array): Promise<string> {
  return peerIdFromPrivateKey(await nodePrivateKey(seed)).toString()
}

/** `/ip4/…/tcp/…/p2p/<peerId>` → the peer id and the transport address (pitfall 5). */
export function parsePeerAddress(address: string): { peerId: string; addr: Multiaddr } {
  let ma: Multiaddr
  try {
    ma = multiaddr(address)
  } catch (e) {
    throw new ConfigError(ConfigErrorCode.INVALID, `bad multiaddr ${address}: ${(e as Error).message}`)
  }
  const components = ma.getComponents()
  const p2p = components.find((c) => c.name === 'p2p')
  if (p2p?.value === undefined)
    throw new ConfigError(ConfigErrorCode.INVALID, `multiaddr ${address} has no /p2p/ peer id`)
  try {
    peerIdFromString(p2p.value)
  } catch {
    throw new ConfigError(ConfigErrorCode.INVALID, `multiaddr ${address} has an invalid peer id`)
  }
  const transport = multiaddr(
    components
      .filter((c) => c.name !== 'p2p')
      .map((c) => `/${c.name}${c.value === undefined ? '' : `/${c.value}`}`)
      .join(''),
  )
  return { peerId: p2p.value, addr: transport }
}

export async function createHost(opts: HostOptions): Promise<Host> {
  return createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: [...opts.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: opts.gater.gater(),
    connectionManager: {
      maxConnections: 300,
      // All members of a devnet share 127.0.0.1: the default of 5 per second per host is too low.
      inboundConnectionThreshold: 100,
      reconnectRetries: Infinity,
      reconnectRetryInterval: 1000,
      reconnectBackoffFactor: 1,
      dialTimeout: 5000,
    },
    start: false,
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        floodPublish: true,
        doPX: false,
        maxInboundDataLength: opts.maxGossipBytes + 64 * 1024,
        maxOutboundBufferSize: Math.max(16 * 1024 * 1024, opts.maxGossipBytes * 4),
        messageProcessingConcurrency: 32,
        fastMsgIdFn: fastGossipMessageId,
      }),
      sync: syncProtocol(opts.sync),
    },
  })
}

/**
 * Keeps connections to every member peer with a configured address: dials the missing ones
 * every `intervalMs`, forever. libp2p's own reconnect covers drops; this covers first dials and
 * peers that were down when we started.
 */
export class MemberDialer {
  readonly #host: Host
  readonly #peers: Map<string, StaticPeer>
  readonly #allows: (peerId: string) => boolean
  readonly #intervalMs: number
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #running = false
  #dialing = new Set<string>()

  constructor(
    host: Host,
    peers: readonly StaticPeer[],
    allows: (peerId: string) => boolean,
    log: Logger,
    intervalMs = 1000,
  ) {
    this.#host = host
    this.#peers = new Map(peers.map((p) => [p.peerId, p]))
    this.#allows = allows
    this.#intervalMs = intervalMs
    this.#log = log.child({ module: 'dialer' })
  }

  async start(): Promise<void> {
    this.#running = true
    for (const p of this.#peers.values()) {
      await this.#host.peerStore.merge(peerIdFromString(p.peerId), {
        multiaddrs: [...p.addrs],
        tags: { [`${KEEP_ALIVE}-member`]: { value: 100 } },
      })
    }
    this.tick()
    this.#timer = setInterval(() => this.tick(), this.#intervalMs)
    this.#timer.unref()
  }

  stop(): void {
    this.#running = false
    if (this.#timer) clearInterval(this.#timer)
  }

  tick(): void {
    if (!this.#running) return
    const connected = new Set(this.#host.getConnections().map((c) => c.remotePeer.toString()))
    for (const p of this.#peers.values()) {
      if (connected.has(p.peerId) || this.#dialing.has(p.peerId) || !this.#allows(p.peerId)) continue
      this.#dialing.add(p.peerId)
      this.#host
        .dial(peerIdFromString(p.peerId), { signal: AbortSignal.timeout(5000) })
        .then(() => this.#log.debug({ peer: p.peerId }, 'connected to member'))
        .catch((e: Error) => this.#log.debug({ peer: p.peerId, err: e.message }, 'dial failed'))
        .finally(() => this.#dialing.delete(p.peerId))
    }
  }
}
