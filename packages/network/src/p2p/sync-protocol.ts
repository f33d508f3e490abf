/**
 * Block sync request/response protocol `/govchain/<chainId>/sync/1`, shaped as a js-libp2p
 * service: `syncProtocol(init) → (components) → SyncProtocol` with `start/stop`.
 *
 * One request per stream, as length-prefixed frames of canonical CBOR:
 *   request  ["govchain/sync-req", 1, chainId, kind, from, count, hash | null]
 *            kind 0 = status, 1 = blocks, 2 = candidate (a proposed block of the height in
 *            progress, by hash: for a node that has a proposal's value but lost its block, or
 *            that could not rebuild a gossiped compact block from its own transactions)
 *   status   → [height, headHash]
 *   blocks   → [n], then n frames [blockBytes, certificateBytes] for heights from … from+n−1
 *   candidate → [blockBytes | null]
 * Requests are rate limited per peer; a malformed or wrong-chain request costs the peer a
 * penalty. The client checks the shape of what it receives; `BlockSyncer` checks the content.
 */
import type { ComponentLogger, PeerId, Stream, Connection } from '@libp2p/interface'
import type { ConnectionManager, Registrar } from '@libp2p/interface-internal'
import {
  createBlockFromBytes,
  createCommitCertificateFromBytes,
  equalBytes,
  isGovchainError,
  readBytes,
  readEnvelope,
  readIdent,
  readOptional,
  readTuple,
  readUint,
  readVarBytes,
  HASH_LENGTH,
  MAX_IDENT_LENGTH,
  type Block,
  type ChainParams,
  type CommitCertificate,
} from '@govchain/ledger'
import { P2pError, P2pErrorCode } from '../errors.js'
import type { Logger } from '../logger.js'
import type { NodeMetrics } from '../metrics.js'
import { asFrameError, frameStream, MISBEHAVIOUR_CODES } from './frames.js'
import { Penalty, type PeerScores } from './peer-scores.js'
import { RateLimiter, type RateLimit } from './rate-limiter.js'

export const SYNC_REQUEST_DOMAIN = 'govchain/sync-req'
export const SYNC_VERSION = 1
export const SyncRequestKind = { STATUS: 0, BLOCKS: 1, CANDIDATE: 2 } as const
/** Requests are tiny: anything bigger is refused before it is buffered. */
export const MAX_SYNC_REQUEST_BYTES = 256

export function syncProtocolId(chainId: string): string {
  return `/govchain/${chainId}/sync/1`
}

/** What the node serves from: its committed chain. */
export type SyncSource = {
  height(): number
  headHash(): Uint8Array
  /** Canonical block bytes and certificate bytes of a committed height. */
  blockWithCertificate(height: number): Promise<[Uint8Array, Uint8Array] | undefined>
  /** A proposed (not yet committed) block this node holds, by hash. */
  candidateBlock?(hash: Uint8Array): Uint8Array | undefined
}

export type SyncProtocolInit = {
  readonly chainId: string
  readonly params: ChainParams
  readonly source: SyncSource
  readonly scores: PeerScores
  readonly logger: Logger
  readonly metrics?: NodeMetrics
  readonly rateLimit?: RateLimit
  readonly maxBlocksPerRequest?: number
  /** Largest response frame (a block with its certificate). */
  readonly maxFrameBytes?: number
  readonly timeoutMs?: number
}

export type SyncProtocolComponents = {
  readonly registrar: Registrar
  readonly connectionManager: ConnectionManager
  readonly logger: ComponentLogger
}

export type PeerStatus = { readonly height: number; readonly headHash: Uint8Array }
export type CertifiedBlock = { readonly block: Block; readonly certificate: CommitCertificate }

export class SyncProtocol {
  readonly protocol: string
  readonly maxBlocksPerRequest: number
  readonly #init: SyncProtocolInit
  readonly #components: SyncProtocolComponents
  readonly #limiter: RateLimiter
  readonly #maxFrameBytes: number
  readonly #timeoutMs: number
  readonly #log: Logger
  #started = false

  constructor(components: SyncProtocolComponents, init: SyncProtocolInit) {
    this.#components = components
    this.#init = init
    this.protocol = syncProtocolId(init.chainId)
    this.maxBlocksPerRequest = init.maxBlocksPerRequest ?? 64
    this.#limiter = new RateLimiter(init.rateLimit ?? { perSecond: 50, burst: 100 })
    this.#maxFrameBytes = init.maxFrameBytes ?? init.params.maxBlockBytes + 256 * 1024
    this.#timeoutMs = init.timeoutMs ?? 10_000
    this.#log = init.logger.child({ module: 'sync-protocol' })
  }

  readonly [Symbol.toStringTag] = '@govchain/sync'

  async start(): Promise<void> {
    await this.#components.registrar.handle(
      this.protocol,
      (stream, connection) => this.#serve(stream, connection),
      {
        maxInboundStreams: 8,
        maxOutboundStreams: 8,
      },
    )
    this.#started = true
  }

  async stop(): Promise<void> {
    await this.#components.registrar.unhandle(this.protocol)
    this.#started = false
  }

  isStarted(): boolean {
    return this.#started
  }

  #penalise(peer: string, points: number, code: string): void {
    this.#init.metrics?.peerPenalties.inc({ code })
    this.#init.scores.penalise(peer, points, code)
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(this.#timeoutMs)
    const served = (kind: string, result: string) =>
      this.#init.metrics?.syncRequestsServed.inc({ kind, result })
    if (!this.#limiter.take(peer)) {
      served('any', 'rate-limited')
      this.#penalise(peer, Penalty.minor, P2pErrorCode.RATE_LIMITED)
      stream.abort(new P2pError(P2pErrorCode.RATE_LIMITED, 'too many sync requests'))
      return
    }
    // Reads requests (tiny), writes responses (up to a block with its certificate).
    const request = frameStream(stream, MAX_SYNC_REQUEST_BYTES, this.#maxFrameBytes)
    let kind: number
    let from: number
    let count: number
    let hash: Uint8Array | null
    try {
      const f = readEnvelope(
        await request.readValue('sync request', signal),
        SYNC_REQUEST_DOMAIN,
        SYNC_VERSION,
        5,
      )
      const chainId = readIdent(f[0], 'sync.chainId', MAX_IDENT_LENGTH)
      if (chainId !== this.#init.chainId)
        throw new P2pError(P2pErrorCode.WRONG_CHAIN, `sync request for chain ${chainId}`)
      kind = readUint(f[1], 'sync.kind')
      from = readUint(f[2], 'sync.from')
      count = readUint(f[3], 'sync.count')
      hash = readOptional(f[4], (v) => readBytes(v, 'sync.hash', HASH_LENGTH))
      if (kind === SyncRequestKind.CANDIDATE && hash === null)
        throw new P2pError(P2pErrorCode.MALFORMED_FRAME, 'a candidate request needs a hash')
      if (
        kind !== SyncRequestKind.STATUS &&
        kind !== SyncRequestKind.BLOCKS &&
        kind !== SyncRequestKind.CANDIDATE
      )
        throw new P2pError(P2pErrorCode.MALFORMED_FRAME, `unknown sync request kind ${kind}`)
      if (kind === SyncRequestKind.BLOCKS && (from < 1 || count < 1 || count > this.maxBlocksPerRequest))
        throw new P2pError(P2pErrorCode.MALFORMED_FRAME, `bad block range ${from} + ${count}`)
    } catch (e) {
      const err = asFrameError(e, MAX_SYNC_REQUEST_BYTES)
      served('any', err.code)
      if (MISBEHAVIOUR_CODES.has(err.code)) this.#penalise(peer, Penalty.severe, err.code)
      this.#log.debug({ peer, code: err.code, err: err.message }, 'bad sync request')
      stream.abort(err)
      return
    }
    try {
      const response = request
      if (kind === SyncRequestKind.STATUS) {
        await response.writeValue([this.#init.source.height(), this.#init.source.headHash()], signal)
        served('status', 'ok')
      } else if (kind === SyncRequestKind.CANDIDATE) {
        await response.writeValue([this.#init.source.candidateBlock?.(hash!) ?? null], signal)
        served('candidate', 'ok')
      } else {
        const last = Math.min(from + count - 1, this.#init.source.height())
        const n = Math.max(0, last - from + 1)
        await response.writeValue([n], signal)
        for (let h = from; h <= last; h++) {
          const item = await this.#init.source.blockWithCertificate(h)
          if (item === undefined) throw new P2pError(P2pErrorCode.BAD_RESPONSE, `block ${h} is not available`)
          await response.writeValue([item[0], item[1]], signal)
        }
        served('blocks', 'ok')
      }
      await stream.close({ signal })
    } catch (e) {
      served(['status', 'blocks', 'candidate'][kind] ?? 'any', 'error')
      this.#log.debug({ peer, err: (e as Error).message }, 'sync response failed')
      stream.abort(e as Error)
    }
  }

  async #request(
    peer: PeerId,
    kind: number,
    from: number,
    count: number,
    signal?: AbortSignal,
    hash: Uint8Array | null = null,
  ) {
    const sig = signal ?? AbortSignal.timeout(this.#timeoutMs)
    const stream = await this.#components.connectionManager.openStream(peer, this.protocol, { signal: sig })
    // Writes the request, reads the response frames (one wrapper: it buffers all that arrives).
    const res = frameStream(stream, this.#maxFrameBytes, MAX_SYNC_REQUEST_BYTES)
    await res.writeValue(
      [SYNC_REQUEST_DOMAIN, SYNC_VERSION, this.#init.chainId, kind, from, count, hash],
      sig,
    )
    return { res, stream, signal: sig }
  }

  /** Asks a peer for a proposed block of the height in progress, by hash (undefined if it has none). */
  async candidate(peer: PeerId, hash: Uint8Array, signal?: AbortSignal): Promise<Block | undefined> {
    const {
      res,
      stream,
      signal: sig,
    } = await this.#request(peer, SyncRequestKind.CANDIDATE, 0, 0, signal, hash)
    try {
      const [bytes] = readTuple(await res.readValue('sync candidate', sig), 'sync candidate', 1)
      if (bytes === null) return undefined
      const block = createBlockFromBytes(
        readVarBytes(bytes, 'sync.candidate', this.#maxFrameBytes),
        this.#init.params,
      )
      if (!equalBytes(block.hash(), hash))
        throw new P2pError(P2pErrorCode.BAD_RESPONSE, 'candidate block has another hash')
      return block
    } catch (e) {
      stream.abort(e as Error)
      if (e instanceof P2pError) throw e
      throw isGovchainError(e)
        ? new P2pError(P2pErrorCode.BAD_RESPONSE, e.message, { cause: e.code })
        : asFrameError(e, this.#maxFrameBytes)
    } finally {
      if (stream.status === 'open') await stream.close().catch(() => {})
    }
  }

  /** Asks a peer for its committed height and head hash. */
  async status(peer: PeerId, signal?: AbortSignal): Promise<PeerStatus> {
    const { res, stream, signal: sig } = await this.#request(peer, SyncRequestKind.STATUS, 0, 0, signal)
    try {
      const [height, hash] = readTuple(await res.readValue('sync status', sig), 'sync status', 2)
      return {
        height: readUint(height, 'status.height'),
        headHash: readBytes(hash, 'status.headHash', HASH_LENGTH),
      }
    } catch (e) {
      stream.abort(e as Error)
      throw isGovchainError(e)
        ? new P2pError(P2pErrorCode.BAD_RESPONSE, e.message, { cause: e.code })
        : asFrameError(e, this.#maxFrameBytes)
    } finally {
      if (stream.status === 'open') await stream.close().catch(() => {})
    }
  }

  /**
   * Fetches committed blocks `from`… (at most `count`) with their certificates. Checks the shape:
   * strict decoding, consecutive heights, each certificate names its block. Not the signatures.
   */
  async blocks(peer: PeerId, from: number, count: number, signal?: AbortSignal): Promise<CertifiedBlock[]> {
    const n = Math.min(count, this.maxBlocksPerRequest)
    const { res, stream, signal: sig } = await this.#request(peer, SyncRequestKind.BLOCKS, from, n, signal)
    try {
      const [len] = readTuple(await res.readValue('sync blocks header', sig), 'sync blocks header', 1)
      const total = readUint(len, 'sync.count')
      if (total > n)
        throw new P2pError(P2pErrorCode.BAD_RESPONSE, `peer sent ${total} blocks, asked for ${n}`)
      const out: CertifiedBlock[] = []
      for (let i = 0; i < total; i++) {
        const [b, c] = readTuple(await res.readValue('sync block', sig), 'sync block', 2)
        const block = createBlockFromBytes(
          readVarBytes(b, 'sync.block', this.#maxFrameBytes),
          this.#init.params,
        )
        const certificate = createCommitCertificateFromBytes(readVarBytes(c, 'sync.certificate', 128 * 1024))
        if (block.height !== from + i)
          throw new P2pError(P2pErrorCode.BAD_RESPONSE, `expected block ${from + i}, got ${block.height}`)
        if (certificate.height !== block.height || !equalBytes(certificate.blockHash, block.hash()))
          throw new P2pError(P2pErrorCode.BAD_RESPONSE, `certificate does not name block ${block.height}`)
        out.push({ block, certificate })
      }
      return out
    } catch (e) {
      stream.abort(e as Error)
      if (e instanceof P2pError) throw e
      throw isGovchainError(e)
        ? new P2pError(P2pErrorCode.BAD_RESPONSE, e.message, { cause: e.code })
        : asFrameError(e, this.#maxFrameBytes)
    } finally {
      if (stream.status === 'open') await stream.close().catch(() => {})
    }
  }
}

export function syncProtocol(init: SyncProtocolInit): (components: SyncProtocolComponents) => SyncProtocol {
  return (components) => new SyncProtocol(components, init)
}
