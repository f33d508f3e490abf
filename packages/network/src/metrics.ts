/**
 * Prometheus metrics of a node, as one typed object (modelled on lodestar's reqresp metrics):
 * every metric is created here, with its unit in its name (`_seconds`, `_bytes`, `_total`,
 * `_blocks`). Each node has its own registry, so several nodes can run in one process (tests).
 *
 * What an operator watches (README "Metrics"): height, rounds per height, commit latency,
 * mempool size, transactions accepted / rejected by code, peers, sync progress and the
 * validation phase timings.
 */
import { parseLevelDbStats, type LevelDbStats } from '@govchain/ledger'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type NodeMetrics = ReturnType<typeof createMetrics>

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const register = new Registry()
  if (opts.defaultMetrics) collectDefaultMetrics({ register, prefix: 'govchain_' })
  const registers = [register]
  const storage = storageCollectors(registers)
  return {
    register,
    /** Where the storage metrics read the database engine's properties (the node's store). */
    setStorageSource: storage.setSource,
    chainHeight: new Gauge({
      name: 'govchain_chain_height',
      help: 'Height of the last committed block',
      registers,
    }),
    blocksCommitted: new Counter({
      name: 'govchain_blocks_committed_total',
      help: 'Blocks committed, by how they arrived',
      labelNames: ['source'] as const,
      registers,
    }),
    txsCommitted: new Counter({
      name: 'govchain_txs_committed_total',
      help: 'Transactions committed',
      registers,
    }),
    blockCommitSeconds: new Histogram({
      name: 'govchain_block_commit_seconds',
      help: 'Time to validate and commit a block (one synced batch)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    blockIntervalSeconds: new Histogram({
      name: 'govchain_block_interval_seconds',
      help: 'Time between two committed blocks on this node',
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    }),
    roundsPerHeight: new Histogram({
      name: 'govchain_consensus_rounds_per_height',
      help: 'Rounds consensus needed to decide a height (1 = decided in round 0)',
      buckets: [1, 2, 3, 4, 6, 10],
      registers,
    }),
    commitLatencySeconds: new Histogram({
      name: 'govchain_consensus_commit_latency_seconds',
      help: 'From the start of a height on this node to the commit of its block (consensus commits)',
      buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    }),
    validationPhaseSeconds: new Histogram({
      name: 'govchain_block_validation_phase_seconds',
      help: 'Time spent in each phase of full block validation (structure, signatures, execution, stateRoot)',
      labelNames: ['phase'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    consensusRound: new Gauge({
      name: 'govchain_consensus_round',
      help: 'Current consensus round',
      registers,
    }),
    proposeTimeoutsDeferred: new Counter({
      name: 'govchain_consensus_propose_timeouts_deferred_total',
      help: "Propose timeouts that waited for the validation of the round's proposal",
      registers,
    }),
    consensusMessages: new Counter({
      name: 'govchain_consensus_messages_total',
      help: 'Consensus messages received, by kind and verdict',
      labelNames: ['kind', 'verdict'] as const,
      registers,
    }),
    walWriteSeconds: new Histogram({
      name: 'govchain_wal_write_seconds',
      help: 'Time to sync one WAL record before a signed message leaves',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05],
      registers,
    }),
    mempoolSize: new Gauge({
      name: 'govchain_mempool_txs',
      help: 'Transactions waiting in the mempool',
      registers,
    }),
    mempoolBytes: new Gauge({
      name: 'govchain_mempool_bytes',
      help: 'Bytes of transactions in the mempool',
      registers,
    }),
    txsAccepted: new Counter({
      name: 'govchain_txs_accepted_total',
      help: 'Transactions admitted to the mempool, by source (api, gossip)',
      labelNames: ['source'] as const,
      registers,
    }),
    txsRejected: new Counter({
      name: 'govchain_txs_rejected_total',
      help: 'Transactions refused, by source (api, gossip at admission; mempool when a re-check or block building drops one) and error code',
      labelNames: ['source', 'code'] as const,
      registers,
    }),
    peers: new Gauge({ name: 'govchain_p2p_peers', help: 'Connected member peers', registers }),
    peerPenalties: new Counter({
      name: 'govchain_p2p_penalties_total',
      help: 'Penalties given to peers, by reason code',
      labelNames: ['code'] as const,
      registers,
    }),
    peersRefused: new Counter({
      name: 'govchain_p2p_refused_total',
      help: 'Connections and dials refused by the member gater (not a member, or banned)',
      registers,
    }),
    peerDisconnects: new Counter({
      name: 'govchain_p2p_penalty_disconnects_total',
      help: 'Peers disconnected for misbehaviour',
      registers,
    }),
    txsPreverified: new Counter({
      name: 'govchain_txs_preverified_total',
      help: "Transaction signatures verified ahead of admission, a batch at a time (gossip, POST /v1/txs/batch) on the verifier's threads",
      registers,
    }),
    txsRegossiped: new Counter({
      name: 'govchain_txs_regossiped_total',
      help: 'Pending transactions offered to peers again after waiting (transaction gossip is fire-once)',
      registers,
    }),
    gossipResets: new Counter({
      name: 'govchain_p2p_gossip_resets_total',
      help: 'Connections to member peers closed because gossip with them had stopped (redialled)',
      registers,
    }),
    gossipTxsPerMessage: new Histogram({
      name: 'govchain_gossip_txs_per_message',
      help: 'Transactions per tx gossip message received and decoded (count: messages, sum: transactions)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    proposalBlocks: new Counter({
      name: 'govchain_proposal_blocks_total',
      help: "Gossiped proposals' blocks, by how this node got them: rebuilt from its own transactions (local), after waiting for some (waited), fetched whole (fetched), or not at all (unavailable)",
      labelNames: ['source'] as const,
      registers,
    }),
    proposalTxsMissing: new Counter({
      name: 'govchain_proposal_txs_missing_total',
      help: "Transactions of gossiped proposals' blocks this node did not hold when the proposal arrived",
      registers,
    }),
    gossipMessages: new Counter({
      name: 'govchain_gossip_messages_total',
      help: 'Gossip messages received, by topic kind and verdict (tx topic: one per transaction)',
      labelNames: ['topic', 'verdict'] as const,
      registers,
    }),
    syncRequestsServed: new Counter({
      name: 'govchain_sync_requests_served_total',
      help: 'Sync requests answered, by kind and result',
      labelNames: ['kind', 'result'] as const,
      registers,
    }),
    syncBlocksApplied: new Counter({
      name: 'govchain_sync_blocks_applied_total',
      help: 'Blocks applied from sync',
      registers,
    }),
    syncTargetHeight: new Gauge({
      name: 'govchain_sync_target_height',
      help: 'Highest committed height reported by a member peer at the last sync round',
      registers,
    }),
    syncBehindBlocks: new Gauge({
      name: 'govchain_sync_behind_blocks',
      help: 'Blocks this node is behind the highest peer (0 when caught up)',
      registers,
    }),
    syncActive: new Gauge({
      name: 'govchain_sync_active',
      help: '1 while this node is fetching blocks it is missing, else 0',
      registers,
    }),
    httpRequests: new Counter({
      name: 'govchain_http_requests_total',
      help: 'HTTP requests, by route and status',
      labelNames: ['route', 'status'] as const,
      registers,
    }),
    httpRequestSeconds: new Histogram({
      name: 'govchain_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    txCommitSeconds: new Histogram({
      name: 'govchain_tx_commit_seconds',
      help: 'From admission on this node to commit (transactions submitted here)',
      buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    }),
  }
}

/** The node's store, as the storage metrics read it. */
export type StorageSource = {
  /** A database engine property (`KvStore.property`). */
  readonly property: (name: string) => string | undefined
  /** Bytes of keys and values the node has written to the store. */
  readonly writtenBytes: () => number
}

/**
 * LevelDB's compaction statistics and memtable size, read from the store at each scrape
 * (`leveldb.stats`, cumulated since the database opened): what the database does on its own
 * threads, which the node's other metrics do not show.
 */
function storageCollectors(registers: Registry[]) {
  let source: StorageSource | undefined
  let cached: { atMs: number; stats: LevelDbStats | undefined } | undefined
  const stats = (): LevelDbStats | undefined => {
    const now = performance.now()
    // One read per scrape, shared by the metrics below.
    if (cached === undefined || now - cached.atMs > 100) {
      const text = source?.property('leveldb.stats')
      cached = { atMs: now, stats: text === undefined ? undefined : parseLevelDbStats(text) }
    }
    return cached.stats
  }
  /** A counter that follows a running total read at each scrape (LevelDB's, or the store's). */
  const cumulative = (name: string, help: string, read: () => number | undefined) => {
    let published = 0
    return new Counter({
      name,
      help,
      registers,
      collect() {
        const value = read()
        if (value !== undefined && value > published) {
          this.inc(value - published)
          published = value
        }
      },
    })
  }
  const level = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read()
        if (value !== undefined) this.set(value)
      },
    })
  cumulative(
    'govchain_leveldb_written_bytes_total',
    'Bytes LevelDB wrote to table files, flushes and compactions (MB resolution); ÷ store written = write amplification',
    () => stats()?.writtenBytes,
  )
  cumulative(
    'govchain_leveldb_compaction_read_bytes_total',
    'Bytes LevelDB compactions read (MB resolution)',
    () => stats()?.compactionReadBytes,
  )
  cumulative(
    'govchain_leveldb_compaction_seconds_total',
    'Time LevelDB spent compacting (whole seconds)',
    () => stats()?.compactionSeconds,
  )
  cumulative(
    'govchain_store_written_bytes_total',
    'Bytes of keys and values the node wrote to its database',
    () => source?.writtenBytes(),
  )
  level('govchain_leveldb_files', 'Table files in the database', () => stats()?.files)
  level('govchain_leveldb_size_bytes', 'Size of the table files (MB resolution)', () => stats()?.sizeBytes)
  level('govchain_leveldb_memtable_bytes', 'Memory of the memtables', () => {
    const v = Number(source?.property('leveldb.approximate-memory-usage'))
    return Number.isFinite(v) ? v : undefined
  })
  return {
    setSource: (s: StorageSource | undefined) => {
      source = s
      cached = undefined
    },
  }
}
