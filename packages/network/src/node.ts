/**
 * GovchainNode: one member node — chain (LevelDB), mempool, libp2p host with member gater,
 * gossip, sync, consensus driver and HTTP API — composed from options and modules (the
 * application and the state tree are given, never imported: network imports no app).
 * `start()` brings the parts up in dependency order; `stop()` takes them down in reverse, with
 * one AbortController for everything in flight (modelled on lodestar's BeaconNode).
 */
import './polyfill.js'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import {
  Chain,
  Mutex,
  jsonSafe,
  openLevelStore,
  receiptToJSON,
  stateProofBundleToJSON,
  genesisHash,
  genesisToJSON,
  toBase64,
  toHex,
  isGovchainError,
  type Application,
  type Block,
  type CommitCertificate,
  type Encodable,
  type GovchainError,
  type KvStore,
  type StateTree,
  type Transaction,
  type ValidatorSet,
} from '@govchain/ledger'
import { CachedKvStore } from './cached-store.js'
import { HomeFile, type NodeHome } from './config.js'
import { ConsensusDriver, systemClock, type Clock } from './consensus-driver.js'
import { ApiError, ApiErrorCode, MempoolErrorCode, P2pErrorCode } from './errors.js'
import { NodeEvents } from './events.js'
import { createHttpServer } from './http/server.js'
import { largeBlockCollection } from './large-block-collection.js'
import {
  submitEach,
  type AccountJson,
  type ApiBackend,
  type BlockTxsJson,
  type QueryJson,
  type StatusJson,
  type TxStatusJson,
} from './http/routes.js'
import { createLogger, type Logger } from './logger.js'
import { Mempool } from './mempool.js'
import { MempoolJournal, type JournalReplay } from './mempool-journal.js'
import { PriorityGate } from './priority-gate.js'
import { ProposalBlocks } from './proposal-blocks.js'
import { createMetrics, type NodeMetrics } from './metrics.js'
import { ACCEPT, Gossip, ignore, maxProposalMessageBytes, reject, type Verdict } from './p2p/gossip.js'
import { createHost, MemberDialer, nodePrivateKey, parsePeerAddress, type Host } from './p2p/host.js'
import { MemberGater } from './p2p/member-gater.js'
import { Penalty, PeerScores } from './p2p/peer-scores.js'
import { BlockSyncer } from './sync.js'
import { GossipWatchdog, gossipPeersOf } from './p2p/gossip-watchdog.js'
import { Wal } from './wal.js'

const RECENT_COMMITS = 256
/** A connected member peer missing from gossip this long is hung up and redialled. */
const GOSSIP_WATCHDOG_GRACE_MS = 10_000
const GOSSIP_WATCHDOG_INTERVAL_MS = 2_000
/** Pending transactions waiting this long are offered to peers again, at most MAX per interval. */
const REGOSSIP_AFTER_MS = 10_000
const REGOSSIP_INTERVAL_MS = 5_000
const REGOSSIP_MAX = 512

export type NodeModules = {
  readonly app: Application
  readonly openStateTree: (store: KvStore, root: Uint8Array) => Promise<StateTree>
  /** HTTP status of the application's error codes, if it defines them (default: by name, else 400). */
  readonly appStatusOf?: (code: string) => number | undefined
}

export type NodeOptions = {
  readonly home: NodeHome
  readonly logger?: Logger
  readonly clock?: Clock
  /** Collect process metrics too (one node per process). */
  readonly processMetrics?: boolean
}

export class GovchainNode implements ApiBackend {
  readonly events = new NodeEvents()
  readonly metrics: NodeMetrics
  /** The root logger; every module logs through a child (`{ module }`). */
  readonly logger: Logger
  /** This class's own lines (`module: node`). */
  readonly #log: Logger
  readonly #opts: NodeOptions
  readonly #genesisHash: string
  readonly #modules: NodeModules
  readonly #controller = new AbortController()
  readonly #commitLane = new Mutex()
  readonly #gate = new PriorityGate()
  #store: KvStore | undefined
  #chain: Chain | undefined
  #mempool: Mempool | undefined
  #host: Host | undefined
  #gater: MemberGater | undefined
  #gossip: Gossip | undefined
  #dialer: MemberDialer | undefined
  #gossipWatchdog: NodeJS.Timeout | undefined
  #regossip: NodeJS.Timeout | undefined
  #syncer: BlockSyncer | undefined
  #driver: ConsensusDriver | undefined
  #proposalBlocks: ProposalBlocks | undefined
  #journal: MempoolJournal | undefined
  #http: FastifyInstance | undefined
  #peerId = ''
  #lastBlockAt = 0
  /** Commit time and latency of the latest blocks (for the explorer's charts); bounded. */
  readonly #commits = new Map<number, { atMs: number; latencyMs: number | null }>()
  #started = false

  constructor(opts: NodeOptions, modules: NodeModules) {
    this.#opts = opts
    this.#modules = modules
    const { config, dir } = opts.home
    this.logger =
      opts.logger ??
      createLogger({
        level: config.log.level,
        ...(config.log.file === null ? {} : { file: `${dir}/${config.log.file}` }),
        name: config.name,
      })
    this.#log = this.logger.child({ module: 'node' })
    this.metrics = createMetrics({ defaultMetrics: opts.processMetrics ?? false })
    this.#genesisHash = toHex(genesisHash(opts.home.genesis))
  }

  get chain(): Chain {
    if (this.#chain === undefined) throw new ApiError(ApiErrorCode.UNAVAILABLE, 'node not started')
    return this.#chain
  }

  get chainId(): string {
    return this.#opts.home.genesis.chainId
  }

  get params() {
    return this.#opts.home.genesis.params
  }

  get peerId(): string {
    return this.#peerId
  }

  get host(): Host | undefined {
    return this.#host
  }

  get apiUrl(): string {
    const addr = this.#http?.server.address()
    if (addr === null || addr === undefined || typeof addr === 'string') return ''
    return `http://${addr.address}:${addr.port}`
  }

  get p2pAddresses(): string[] {
    return this.#host?.getMultiaddrs().map((a) => a.toString()) ?? []
  }

  get mempool(): Mempool {
    if (this.#mempool === undefined) throw new ApiError(ApiErrorCode.UNAVAILABLE, 'node not started')
    return this.#mempool
  }

  async start(): Promise<void> {
    const { home } = this.#opts
    const { config, genesis } = home
    // Components take the root logger and make their own `{ module }` child.
    const log = this.logger
    const own = this.#log
    const signal = this.#controller.signal

    const store = new CachedKvStore(await openLevelStore(home.dataDir))
    this.#store = store
    this.metrics.setStorageSource({
      property: (name) => store.property(name),
      writtenBytes: () => store.writtenBytes,
    })
    const chain = await Chain.open({
      store: this.#store,
      genesis,
      app: this.#modules.app,
      openStateTree: this.#modules.openStateTree,
      largeBlockCollection: largeBlockCollection(),
    })
    this.#chain = chain
    this.metrics.chainHeight.set(chain.height)
    own.info(
      { height: chain.height, hash: toHex(chain.head.hash), app: this.#modules.app.name },
      'chain opened',
    )

    const { journal, replay } = MempoolJournal.open(
      join(home.dir, HomeFile.mempoolJournal),
      chain.params.maxTxBytes,
    )
    this.#journal = journal
    this.#mempool = new Mempool(
      {
        idle: () => this.#gate.idle(),
        checkTx: (tx, o) => chain.checkTx(tx, o),
        nonceOf: (s) => chain.nonceOf(s),
        isCommitted: async (h) => (await chain.blocks.getTxLocation(h)) !== undefined,
      },
      config.mempool,
      {
        // After admission: a re-check or our block building dropped it.
        onRejected: (hash, error) => {
          this.metrics.txsRejected.inc({ source: 'mempool', code: error.code })
          this.events.emit('tx', { hash, status: 'rejected', error: codeOf(error) })
        },
        onRemoved: (entry) => journal.forget(entry.tx),
      },
    )
    const restored = await this.#replayJournal(journal, replay)

    const privateKey = await nodePrivateKey(home.nodeKey.secretKey)
    this.#peerId = peerIdFromPrivateKey(privateKey).toString()
    const scores = new PeerScores((peer, reason) => {
      this.metrics.peerDisconnects.inc()
      // Our verdict about an authenticated member peer (its id, our reason code), once per ban.
      own.warn({ peer, reason }, 'disconnecting misbehaving peer')
      void this.#host?.hangUp(peerIdFromString(peer)).catch(() => {})
    })
    const gater = new MemberGater(
      this.#peerId,
      (p) => scores.isBanned(p),
      (p) => {
        this.metrics.peersRefused.inc()
        own.debug({ peer: p }, 'refused a peer that is not a member')
      },
    )
    gater.setMembers(chain.members)
    this.#gater = gater
    const maxGossip = maxProposalMessageBytes(genesis.params)
    const host = await createHost({
      privateKey,
      listen: config.p2p.listen,
      gater,
      maxGossipBytes: maxGossip,
      sync: {
        chainId: chain.chainId,
        params: chain.params,
        scores,
        logger: log,
        metrics: this.metrics,
        source: {
          height: () => chain.height,
          headHash: () => chain.head.hash,
          candidateBlock: (hash) => this.#driver?.candidateBlock(hash)?.serialize(),
          blockWithCertificate: async (h) => {
            const [b, c] = await Promise.all([chain.blocks.getBlockBytes(h), chain.blocks.getCertificate(h)])
            return b === undefined || c === undefined ? undefined : [b, c.serialize()]
          },
        },
      },
    })
    this.#host = host
    host.addEventListener('connection:open', () => this.metrics.peers.set(this.#memberPeerCount()))
    host.addEventListener('connection:close', () => this.metrics.peers.set(this.#memberPeerCount()))

    const gossip = new Gossip({
      chainId: chain.chainId,
      params: chain.params,
      pubsub: host.services.pubsub,
      scores,
      allows: (p) => gater.allows(p),
      logger: log,
      metrics: this.metrics,
      txBatching: { maxDelayMs: config.p2p.txBatchDelayMs },
    })
    this.#gossip = gossip

    this.#syncer = new BlockSyncer({
      chain,
      host,
      gater,
      scores,
      commitLane: this.#commitLane,
      gate: this.#gate,
      onApplied: async (block, cert) => {
        await this.#afterCommit(block, cert, 'sync', null)
        this.#driver?.onExternalCommit()
      },
      logger: log,
      metrics: this.metrics,
    })

    const wal = new Wal(this.#store)
    this.#driver = new ConsensusDriver({
      chain,
      mempool: this.#mempool,
      gossip,
      wal,
      validatorKey: home.validatorKey,
      timing: config.consensus,
      maxBlockTxs: config.limits.maxBlockTxs,
      clock: this.#opts.clock ?? systemClock,
      commitLane: this.#commitLane,
      gate: this.#gate,
      onCommitted: (block, cert, info) => this.#afterCommit(block, cert, 'consensus', info.latencyMs),
      requestSync: () => this.#syncer?.trigger(),
      fetchBlock: (hash) => this.#fetchCandidate(hash),
      logger: log,
      metrics: this.metrics,
    })
    const proposalBlocks = new ProposalBlocks(
      {},
      {
        pending: (hash) => this.#mempool?.get(hash)?.tx,
        fetch: (hash, proposer) => this.#fetchCandidate(hash, proposer),
        metrics: this.metrics,
      },
    )
    this.#proposalBlocks = proposalBlocks

    await host.start()
    if (signal.aborted) return
    const dropTxGossip = config.faults?.dropTxGossip === true
    if (dropTxGossip)
      own.warn({ fault: 'dropTxGossip' }, 'fault injection: ignoring every gossiped transaction')
    gossip.start({
      // A batch's signatures in one go on the verifier's threads; admission then finds them
      // cached. Not for what the mempool would refuse first (pending already, or no room).
      beforeTxs: dropTxGossip
        ? undefined
        : (txs) => {
            proposalBlocks.remember(txs)
            return this.#preverify(txs)
          },
      onTx: dropTxGossip
        ? () => Promise.resolve(ignore(P2pErrorCode.FAULT_INJECTED))
        : (tx, from) => this.#onGossipTx(tx, from),
      onProposal: (p, compact, from) =>
        this.#driver!.onProposal(p, () => proposalBlocks.assemble(compact, from), from),
      onVote: (v, from) => this.#driver!.onVote(v, from),
    })
    // Peers may never have seen them: the node may have died before its batch left. A batch that
    // leaves before any peer has connected reaches none; the re-offer of pending transactions
    // (#regossipPending, after 10 s) sends them again.
    for (const tx of restored) void gossip.publishTx(tx).catch(() => {})
    const peers = config.p2p.peers.map(parsePeerAddress)
    this.#dialer = new MemberDialer(
      host,
      peers.map((p) => ({ peerId: p.peerId, addrs: [p.addr] })),
      (p) => gater.allows(p),
      log,
    )
    await this.#dialer.start()
    const watchdog = new GossipWatchdog({
      connected: () => this.#memberPeers().filter((p) => gater.allows(p)),
      gossipPeers: () => gossipPeersOf(host, gossip.topics.vote),
      hangUp: (p) => host.hangUp(peerIdFromString(p)),
      graceMs: GOSSIP_WATCHDOG_GRACE_MS,
      now: () => Date.now(),
      logger: own,
      onReset: () => this.metrics.gossipResets.inc(),
    })
    this.#gossipWatchdog = setInterval(() => watchdog.tick(), GOSSIP_WATCHDOG_INTERVAL_MS)
    this.#gossipWatchdog.unref()
    this.#regossip = setInterval(() => this.#regossipPending(), REGOSSIP_INTERVAL_MS)
    this.#regossip.unref()
    this.#syncer.start()
    await this.#driver.start()

    this.#http = await createHttpServer(this, {
      logger: log,
      apiTxsPerSecond: config.limits.apiTxsPerSecond,
      apiTxBurst: config.limits.apiTxBurst,
      ...(this.#modules.appStatusOf === undefined ? {} : { appStatusOf: this.#modules.appStatusOf }),
    })
    await this.#http.listen({ host: config.api.host, port: config.api.port })
    this.#started = true
    own.info(
      {
        peerId: this.#peerId,
        api: this.apiUrl,
        p2p: this.p2pAddresses,
        validator: home.validatorKey !== null,
      },
      'node started',
    )
  }

  async stop(): Promise<void> {
    this.#controller.abort()
    const log = this.#log
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn()
      } catch (e) {
        log.warn({ err: (e as Error).message }, `stopping ${what} failed`)
      }
    }
    await step('http', () => this.#http?.close())
    await step('consensus', () => this.#driver?.stop())
    await step('sync', () => this.#syncer?.stop())
    await step('dialer', () => this.#dialer?.stop())
    if (this.#gossipWatchdog) clearInterval(this.#gossipWatchdog)
    if (this.#regossip) clearInterval(this.#regossip)
    await step('gossip', () => this.#gossip?.stop())
    await step('libp2p', () => this.#host?.stop())
    // Wait for a commit in flight: its batch is synced before the store closes.
    await step('commit lane', () => this.#commitLane.run(async () => {}))
    await step('mempool journal', () => this.#journal?.close())
    await step('store', () => this.#store?.close())
    if (this.#started) log.info('node stopped')
    this.#started = false
    this.logger.flush?.()
  }

  #memberPeerCount(): number {
    return this.#memberPeers().length
  }

  /** Peer ids of the connected members, sorted. */
  #memberPeers(): string[] {
    const gater = this.#gater
    if (this.#host === undefined || gater === undefined) return []
    return [
      ...new Set(
        this.#host
          .getConnections()
          .map((c) => c.remotePeer.toString())
          .filter((p) => gater.isMember(p)),
      ),
    ].sort()
  }

  /** After any commit (consensus or sync), inside the commit lane: metrics, events, mempool, gater. */
  async #afterCommit(
    block: Block,
    certificate: CommitCertificate,
    source: 'consensus' | 'sync',
    latencyMs: number | null,
  ): Promise<void> {
    const chain = this.chain
    const now = Date.now()
    const validators = chain.validatorSets.current
    this.metrics.chainHeight.set(chain.height)
    this.metrics.blocksCommitted.inc({ source })
    this.metrics.txsCommitted.inc(block.txs.length)
    if (this.#lastBlockAt > 0) this.metrics.blockIntervalSeconds.observe((now - this.#lastBlockAt) / 1000)
    this.#lastBlockAt = now
    this.#commits.set(block.height, { atMs: now, latencyMs })
    if (this.#commits.size > RECENT_COMMITS) this.#commits.delete(block.height - RECENT_COMMITS)
    const mempool = this.mempool
    block.txs.forEach((tx, index) => {
      const hash = tx.hashHex()
      const entry = mempool.get(hash)
      if (entry !== undefined && entry.source === 'api')
        this.metrics.txCommitSeconds.observe((now - entry.admittedAtMs) / 1000)
      this.events.emit('tx', { hash, status: 'committed', height: block.height, index })
    })
    this.events.emit('block', {
      height: block.height,
      hash: block.hashHex(),
      stateRoot: toHex(block.header.stateRoot),
      timeMs: block.header.timeMs,
      round: certificate.round,
      txs: block.txs.map((t) => t.hashHex()),
      signers: signersOf(certificate, validators),
      proposer: toHex(block.header.proposer),
      committedAtMs: now,
      latencyMs,
      source,
    })
    const removed = this.#gater?.setMembers(chain.members) ?? []
    for (const peer of removed) void this.#host?.hangUp(peerIdFromString(peer)).catch(() => {})
    mempool.removeCommitted(block.txs)
    this.#proposalBlocks?.forget(block.txs)
    // The re-check reads state per pending transaction: never on the consensus path.
    void mempool.recheck().catch((e: Error) => this.#log.warn({ err: e.message }, 'mempool re-check failed'))
    this.metrics.mempoolSize.set(mempool.size)
    this.metrics.mempoolBytes.set(mempool.bytes)
  }

  /** Asks member peers, one after the other (`first` first), for a proposed block we do not hold. */
  async #fetchCandidate(hash: Uint8Array, first?: string): Promise<Block | undefined> {
    const host = this.#host
    const gater = this.#gater
    if (host === undefined || gater === undefined) return undefined
    const connected = new Set(host.getConnections().map((c) => c.remotePeer.toString()))
    const peers = [...connected].filter((p) => gater.allows(p))
    if (first !== undefined && connected.has(first)) peers.sort((a, b) => +(b === first) - +(a === first))
    for (const peer of peers) {
      try {
        const block = await host.services.sync.candidate(
          peerIdFromString(peer),
          hash,
          AbortSignal.timeout(2000),
        )
        if (block !== undefined) return block
      } catch (e) {
        this.#log.debug({ peer, err: (e as Error).message }, 'candidate request failed')
      }
    }
    return undefined
  }

  /** Offers long-pending transactions to peers again (in the ordinary tx batches). */
  #regossipPending(): void {
    const gossip = this.#gossip
    if (gossip === undefined) return
    const txs = this.mempool.dueForRegossip(REGOSSIP_AFTER_MS, REGOSSIP_MAX)
    if (txs.length === 0) return
    this.metrics.txsRegossiped.inc(txs.length)
    for (const tx of txs) void gossip.publishTx(tx).catch(() => {})
  }

  async #onGossipTx(tx: Transaction, _from: string): Promise<Verdict> {
    try {
      await this.mempool.add(tx, 'gossip')
      this.metrics.txsAccepted.inc({ source: 'gossip' })
      this.metrics.mempoolSize.set(this.mempool.size)
      return ACCEPT
    } catch (e) {
      const code = isGovchainError(e) ? e.code : 'UNKNOWN'
      this.metrics.txsRejected.inc({ source: 'gossip', code })
      switch (code) {
        case 'TX_BAD_SIGNATURE':
          return reject(code, Penalty.severe)
        case MempoolErrorCode.DUPLICATE:
        case MempoolErrorCode.ALREADY_COMMITTED:
        case MempoolErrorCode.FULL:
        case MempoolErrorCode.SENDER_FULL:
        case MempoolErrorCode.NONCE_TAKEN:
        case MempoolErrorCode.NONCE_TOO_FAR:
        case 'TX_BAD_NONCE':
        case 'TX_EXPIRED':
          return ignore(code)
        default:
          // Passed the sender's own admission but not ours: states may differ by a block.
          return reject(code, Penalty.minor)
      }
    }
  }

  // ---- ApiBackend ----

  async submitTx(tx: Transaction): Promise<void> {
    if (!this.#started) throw new ApiError(ApiErrorCode.UNAVAILABLE, 'node is starting')
    await this.#admitFromApi(tx)
    // Acknowledged only once it would survive this process (mempool-journal.ts).
    this.#journal!.record([tx])
  }

  /** Admission of one API transaction and what follows it, except the journal. */
  async #admitFromApi(tx: Transaction): Promise<void> {
    try {
      await this.mempool.add(tx, 'api')
    } catch (e) {
      this.metrics.txsRejected.inc({ source: 'api', code: isGovchainError(e) ? e.code : 'UNKNOWN' })
      throw e
    }
    this.metrics.txsAccepted.inc({ source: 'api' })
    this.metrics.mempoolSize.set(this.mempool.size)
    this.events.emit('tx', { hash: tx.hashHex(), status: 'pending' })
    // Not awaited: the batch leaves up to its delay later, and a client that submits one
    // transaction after another should not wait for it each time. The node holds the
    // transaction either way, and re-offers it if it stays pending (#regossipPending).
    void this.#gossip?.publishTx(tx).catch(() => {})
  }

  /**
   * Verifies a batch's signatures in one go on the verifier's threads, caching the valid ones: of
   * the transactions the mempool would not refuse first (pending already, or no room).
   */
  async #preverify(txs: readonly Transaction[]): Promise<void> {
    const { verified } = await this.chain.preverifySignatures(this.mempool.admissible(txs))
    this.metrics.txsPreverified.inc(verified)
  }

  async submitTxs(txs: readonly Transaction[]): Promise<readonly unknown[]> {
    if (!this.#started) throw new ApiError(ApiErrorCode.UNAVAILABLE, 'node is starting')
    // As for a gossip batch: the signatures in one go on the verifier's threads, then admission
    // one by one finds them cached (each submission alone is verified on this thread). If the
    // batch fails, admission verifies each signature itself.
    try {
      await this.#preverify(txs)
    } catch (e) {
      this.#log.debug({ err: (e as Error).message }, 'batch signature preverification failed')
    }
    const admitted: Transaction[] = []
    const outcomes = await submitEach(
      {
        submitTx: async (tx) => {
          await this.#admitFromApi(tx)
          admitted.push(tx)
        },
      },
      txs,
    )
    // One journal write for the batch, before any of it is acknowledged.
    this.#journal!.record(admitted)
    return outcomes
  }

  /**
   * Admits again the transactions this node had acknowledged and not yet seen leave its mempool
   * when it last stopped, or died (mempool-journal.ts); returns those admitted, to be offered to
   * the peers. What the chain refuses now (committed meanwhile, or invalid) is deleted.
   */
  async #replayJournal(journal: MempoolJournal, { txs, unreadable }: JournalReplay): Promise<Transaction[]> {
    if (txs.length === 0 && unreadable === 0) return []
    await this.#preverify(txs).catch(() => {})
    const admitted: Transaction[] = []
    for (const tx of txs) {
      try {
        await this.mempool.add(tx, 'journal')
        this.metrics.txsAccepted.inc({ source: 'journal' })
        admitted.push(tx)
      } catch {
        journal.forget(tx)
      }
    }
    this.metrics.mempoolSize.set(this.mempool.size)
    this.#log.info(
      { restored: admitted.length, dropped: txs.length - admitted.length, unreadable },
      'mempool journal replayed',
    )
    return admitted
  }

  async txStatus(hash: Uint8Array): Promise<TxStatusJson | undefined> {
    const hex = toHex(hash)
    const chain = this.chain
    const loc = await chain.blocks.getTxLocation(hash)
    if (loc !== undefined) {
      const [receipt, tx] = await Promise.all([
        chain.blocks.getReceipt(loc.height, loc.index),
        chain.blocks.getTx(loc.height, loc.index, chain.params),
      ])
      return {
        hash: hex,
        status: 'committed',
        height: loc.height,
        index: loc.index,
        ...(receipt === undefined ? {} : { receipt: receiptToJSON(receipt) }),
        ...(tx === undefined ? {} : { tx: txDetail(tx) }),
      }
    }
    const pending = this.mempool.get(hex)
    if (pending !== undefined) return { hash: hex, status: 'pending', tx: txDetail(pending.tx) }
    const rejected = this.mempool.rejected(hex)
    if (rejected !== undefined) return { hash: hex, status: 'rejected', error: rejected.error }
    return undefined
  }

  async block(which: number | 'latest'): Promise<unknown> {
    const chain = this.chain
    const height = which === 'latest' ? chain.height : which
    if (height < 1 || height > chain.height) return undefined
    const [block, cert, validators] = await Promise.all([
      chain.blocks.getBlock(height, chain.params),
      chain.blocks.getCertificate(height),
      chain.validatorSetAt(height),
    ])
    if (block === undefined || cert === undefined) return undefined
    const commit = this.#commits.get(height)
    return {
      height,
      hash: block.hashHex(),
      header: block.header.toJSON(),
      txs: block.txs.map((t) => t.hashHex()),
      evidence: block.evidence.map((e) => e.toJSON()),
      certificate: cert.toJSON(),
      signers: validators === undefined ? [] : signersOf(cert, validators),
      ...(commit === undefined ? {} : { committedAtMs: commit.atMs, latencyMs: commit.latencyMs }),
    }
  }

  async blockTxs(height: number, from: number, limit: number): Promise<BlockTxsJson | undefined> {
    const chain = this.chain
    if (height < 1 || height > chain.height) return undefined
    // Only the page's transactions are decoded (blocks hold up to thousands).
    const page = await chain.blocks.getTxs(height, from, limit, chain.params)
    if (page === undefined) return undefined
    return {
      height,
      total: page.total,
      from,
      txs: page.txs.map((tx, i) => ({
        index: from + i,
        hash: tx.hashHex(),
        ...txSummary(tx),
      })),
    }
  }

  genesis(): { genesis: unknown; hash: string } {
    return { genesis: genesisToJSON(this.#opts.home.genesis), hash: this.#genesisHash }
  }

  async status(): Promise<StatusJson> {
    const chain = this.chain
    const { config, genesis } = this.#opts.home
    const names = new Map(genesis.validators.map((v) => [toHex(v.publicKey), v]))
    const memberOfPeer = new Map(chain.members.flatMap((m) => m.peerIds.map((p) => [p, m.id] as const)))
    const syncTarget = Math.max(this.#syncer?.bestPeerHeight ?? 0, chain.height)
    return {
      chainId: chain.chainId,
      genesisHash: this.#genesisHash,
      node: { name: config.name, org: config.org, peerId: this.#peerId },
      height: chain.height,
      blockHash: toHex(chain.head.hash),
      stateRoot: toHex(chain.head.stateRoot),
      timeMs: chain.head.timeMs,
      validators: chain.nextValidators.validators.map((v) => {
        const g = names.get(toHex(v.publicKey))
        return {
          publicKey: toHex(v.publicKey),
          power: v.power,
          name: g?.name ?? null,
          member: g?.member ?? null,
        }
      }),
      peers: this.#memberPeerCount(),
      peerList: this.#memberPeers().map((peerId) => ({ peerId, member: memberOfPeer.get(peerId) ?? null })),
      syncing: this.#syncer?.syncing ?? false,
      sync: { targetHeight: syncTarget, behind: syncTarget - chain.height },
      consensus: {
        height: this.#driver?.height ?? 0,
        round: this.#driver?.round ?? 0,
        step: this.#driver?.step ?? 'idle',
      },
      mempool: { txs: this.mempool.size, bytes: this.mempool.bytes },
    }
  }

  async record(id: string, prove: boolean): Promise<unknown> {
    const chain = this.chain
    const result = await chain.query('record', { id }, { prove: prove && chain.height > 0 })
    if (result.value === null) return undefined
    return {
      id,
      height: result.height,
      record: jsonSafe(result.value as Encodable),
      ...(result.proof === undefined ? {} : { proof: stateProofBundleToJSON(result.proof) }),
    }
  }

  async account(publicKey: Uint8Array): Promise<AccountJson> {
    const nonce = await this.chain.nonceOf(publicKey)
    const hex = toHex(publicKey)
    return { publicKey: hex, nonce, pendingNonce: Math.max(nonce, this.mempool.pendingNonce(hex) ?? 0) }
  }

  async query(path: string, params: Readonly<Record<string, string>>, prove: boolean): Promise<QueryJson> {
    const chain = this.chain
    const result = await chain.query(path, params, { prove: prove && chain.height > 0 })
    return {
      path,
      height: result.height,
      value: result.value === null ? null : jsonSafe(result.value as Encodable),
      ...(result.proof === undefined ? {} : { proof: stateProofBundleToJSON(result.proof) }),
    }
  }
}

function codeOf(e: GovchainError): { code: string; message: string } {
  return { code: e.code, message: e.message }
}

/** Hex public keys of a certificate's signers, in validator order. */
function signersOf(cert: CommitCertificate, validators: ValidatorSet): string[] {
  return cert.signatures.flatMap((s) => {
    const v = validators.at(s.validatorIndex)
    return v === undefined ? [] : [toHex(v.publicKey)]
  })
}

/** What a block listing shows of a transaction. */
function txSummary(tx: Transaction) {
  return {
    type: tx.type,
    sender: toHex(tx.sender),
    nonce: tx.nonce,
    expiryHeight: tx.expiryHeight,
    size: tx.serialize().length,
  }
}

/** The transaction page's view: the summary and the payload (base64; on chain, so public). */
function txDetail(tx: Transaction) {
  return { ...txSummary(tx), payload: toBase64(tx.payload) }
}
