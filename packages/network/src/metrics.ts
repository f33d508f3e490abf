/**
 * Prometheus metrics of a node, as one typed object (modelled on lodestar's reqresp metrics):
 * every metric is created here, with its unit in its name (`_seconds`, `_bytes`, `_total`).
 * Each node has its own registry, so several nodes can run in one process (tests).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type NodeMetrics = ReturnType<typeof createMetrics>

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const register = new Registry()
  if (opts.defaultMetrics) collectDefaultMetrics({ register, prefix: 'govchain_process_' })
  const registers = [register]
  return {
    register,
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
    consensusRound: new Gauge({
      name: 'govchain_consensus_round',
      help: 'Current consensus round',
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
    mempoolAdmitted: new Counter({
      name: 'govchain_mempool_admitted_total',
      help: 'Transactions admitted, by source',
      labelNames: ['source'] as const,
      registers,
    }),
    mempoolRejected: new Counter({
      name: 'govchain_mempool_rejected_total',
      help: 'Transactions refused at admission, by source and code',
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
    gossipMessages: new Counter({
      name: 'govchain_gossip_messages_total',
      help: 'Gossip messages received, by topic kind and verdict',
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
