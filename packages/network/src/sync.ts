/**
 * Block sync: a node that is behind (restarted, new, or partitioned) asks its member peers for
 * their committed height and fetches the missing blocks with their commit certificates, in
 * batches, from the highest peer. Every block goes through `Chain.applyCertifiedBlock`: its
 * certificate is checked against the validator set the node trusts at that height (which
 * itself came from certified blocks, back to genesis), and the block is fully validated and
 * executed before its one atomic commit. A peer that serves an invalid block is penalised and
 * the next peer is tried.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { isGovchainError, type Block, type Chain, type CommitCertificate, type Mutex } from '@govchain/ledger'
import { P2pErrorCode } from './errors.js'
import type { Logger } from './logger.js'
import type { NodeMetrics } from './metrics.js'
import type { PriorityGate } from './priority-gate.js'
import type { Host } from './p2p/host.js'
import type { MemberGater } from './p2p/member-gater.js'
import { Penalty, type PeerScores } from './p2p/peer-scores.js'

export type BlockSyncerOptions = {
  readonly chain: Chain
  readonly host: Host
  readonly gater: MemberGater
  readonly scores: PeerScores
  /** Serialises commits from sync and from consensus. */
  readonly commitLane: Mutex
  /** Block work runs through it, ahead of transaction admission. */
  readonly gate?: PriorityGate
  /** Called after each block committed by sync (inside the commit lane). */
  readonly onApplied: (block: Block, certificate: CommitCertificate) => Promise<void>
  readonly logger: Logger
  readonly metrics?: NodeMetrics
  readonly intervalMs?: number
  readonly statusTimeoutMs?: number
}

export class BlockSyncer {
  readonly #o: BlockSyncerOptions
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #running = false
  #busy = false
  #again = false
  #syncing = false
  #bestPeerHeight = 0

  constructor(opts: BlockSyncerOptions) {
    this.#o = opts
    this.#log = opts.logger.child({ module: 'sync' })
  }

  /** True while this node is fetching blocks it is missing. */
  get syncing(): boolean {
    return this.#syncing
  }

  get bestPeerHeight(): number {
    return this.#bestPeerHeight
  }

  start(): void {
    this.#running = true
    this.#timer = setInterval(() => this.trigger(), this.#o.intervalMs ?? 1000)
    this.#timer.unref()
    this.trigger()
  }

  stop(): void {
    this.#running = false
    if (this.#timer) clearInterval(this.#timer)
  }

  /** Runs a sync round now (or right after the one in progress): e.g. a message from a future height arrived. */
  trigger(): void {
    if (!this.#running) return
    if (this.#busy) {
      this.#again = true
      return
    }
    this.#busy = true
    void this.#round()
      .catch((e: Error) => this.#log.debug({ err: e.message }, 'sync round failed'))
      .finally(() => {
        this.#busy = false
        this.#syncing = false
        this.#progress()
        if (this.#again) {
          this.#again = false
          this.trigger()
        }
      })
  }

  async #peerHeights(): Promise<{ peer: string; height: number }[]> {
    const peers = [...new Set(this.#o.host.getConnections().map((c) => c.remotePeer.toString()))].filter(
      (p) => this.#o.gater.allows(p),
    )
    const results = await Promise.all(
      peers.map(async (peer) => {
        try {
          const s = await this.#o.host.services.sync.status(
            peerIdFromString(peer),
            AbortSignal.timeout(this.#o.statusTimeoutMs ?? 2000),
          )
          return { peer, height: s.height }
        } catch (e) {
          this.#log.debug({ peer, err: (e as Error).message }, 'status request failed')
          return undefined
        }
      }),
    )
    return results.filter((r) => r !== undefined).sort((a, b) => b.height - a.height)
  }

  async #round(): Promise<void> {
    const { chain } = this.#o
    let peers = await this.#peerHeights()
    this.#bestPeerHeight = peers[0]?.height ?? 0
    this.#progress()
    while (this.#running) {
      peers = peers.filter((p) => p.height > chain.height)
      const peer = peers[0]
      if (peer === undefined) return
      this.#syncing = true
      this.#progress()
      const from = chain.height + 1
      this.#log.debug({ peer: peer.peer, from, to: peer.height }, 'fetching blocks')
      let items
      try {
        items = await this.#o.host.services.sync.blocks(
          peerIdFromString(peer.peer),
          from,
          peer.height - from + 1,
        )
      } catch (e) {
        this.#log.debug({ peer: peer.peer, from, err: (e as Error).message }, 'block request failed')
        this.#penalise(peer.peer, e)
        peers.shift()
        continue
      }
      this.#log.debug({ peer: peer.peer, from, received: items.length }, 'received blocks')
      if (items.length === 0) {
        peers.shift()
        continue
      }
      for (const { block, certificate } of items) {
        try {
          const applied = await this.#o.commitLane.run(async () => {
            if (block.height !== chain.height + 1) return false // consensus got there first
            const started = performance.now()
            const gate = this.#o.gate
            const apply = () => chain.applyCertifiedBlock(block, certificate, { onPhase: this.#onPhase })
            if (gate) await gate.run(apply)
            else await apply()
            this.#o.metrics?.blockCommitSeconds.observe((performance.now() - started) / 1000)
            await this.#o.onApplied(block, certificate)
            return true
          })
          if (applied) {
            this.#o.metrics?.syncBlocksApplied.inc()
            this.#progress()
          }
        } catch (e) {
          // A certificate that does not verify or a block that does not validate: the peer lied.
          this.#log.debug(
            { peer: peer.peer, height: block.height, err: (e as Error).message },
            'synced block refused',
          )
          this.#penalise(peer.peer, e, Penalty.severe)
          peers.shift()
          break
        }
      }
    }
  }

  readonly #onPhase = (phase: string, ms: number): void => {
    this.#o.metrics?.validationPhaseSeconds.observe({ phase }, ms / 1000)
  }

  /** Sync progress gauges: highest peer height, blocks behind it, whether fetching. */
  #progress(): void {
    const m = this.#o.metrics
    if (m === undefined) return
    const height = this.#o.chain.height
    m.syncTargetHeight.set(Math.max(this.#bestPeerHeight, height))
    m.syncBehindBlocks.set(Math.max(0, this.#bestPeerHeight - height))
    m.syncActive.set(this.#syncing ? 1 : 0)
  }

  #penalise(peer: string, e: unknown, points: number = Penalty.invalid): void {
    const code = isGovchainError(e) ? e.code : P2pErrorCode.BAD_RESPONSE
    if (code === P2pErrorCode.TIMEOUT || code === P2pErrorCode.STREAM_CLOSED) return
    this.#o.metrics?.peerPenalties.inc({ code })
    this.#o.scores.penalise(peer, points, code)
  }
}
