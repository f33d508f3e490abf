/**
 * Resource and metric samples of the nodes during a run: CPU time (of the process and of its
 * main thread, the one that runs JavaScript) and resident memory of each node process from /proc
 * (the pids in network.json; Linux only — elsewhere they read as null), mempool size and height from `/v1/status`, and `/metrics` scrapes whose before/after
 * difference explains where the time went (rounds per height, validation phases, commit and WAL
 * timings, rejections by code).
 */
import { readFileSync } from 'node:fs'
import { parseMetricsText } from '@govchain/network'
import { rssAnonKb } from '../anon-memory.js'
import type { NodeHttp } from './http.js'

/** USER_HZ: 100 on every Linux this runs on (procfs reports utime/stime in these ticks). */
const CLOCK_TICKS = 100

/**
 * CPU seconds (user + system) of a process, or of one of its threads when `tid` is given (the
 * main thread's tid is the pid).
 */
export function readProcCpuSeconds(pid: number, tid?: number): number | null {
  try {
    const stat = readFileSync(
      tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
      'utf8',
    )
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // rest[0] is field 3 (state): utime is field 14, stime field 15.
    return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS
  } catch {
    return null
  }
}

/**
 * Resident memory of a process (bytes), and of it the anonymous part: without the files mapped
 * in, among them LevelDB's table files, which it reads through read-only mappings (anon-memory.ts).
 */
export function readProcMemoryBytes(pid: number): { rss: number | null; anon: number | null } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status)
    const anon = rssAnonKb(status)
    return { rss: m ? Number(m[1]) * 1024 : null, anon: anon === undefined ? null : anon * 1024 }
  } catch {
    return { rss: null, anon: null }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export type NodeUsage = {
  readonly name: string
  readonly pid: number | null
  /** Mean CPU over the window, % of one core (200 % = both cores of this machine). */
  readonly cpuPercent: number | null
  readonly cpuPeakPercent: number | null
  /**
   * Mean CPU of the main thread alone (JavaScript); the rest of `cpuPercent` is the other
   * threads': LevelDB's compaction, libuv's pool, V8's helpers, the verifier workers.
   */
  readonly mainThreadCpuPercent: number | null
  readonly rssMeanMiB: number | null
  readonly rssPeakMiB: number | null
  /** Peak of the anonymous part of RSS (the process's own allocations), one-second samples. */
  readonly anonPeakMiB: number | null
  readonly mempoolPeak: number
  readonly alive: boolean
}

type Series = {
  cpu: number | null
  mainCpu: number | null
  rss: number | null
  anon: number | null
  mempool: number
  height: number
}

/** Samples every node once a second while running. */
export class UsageSampler {
  readonly #nodes: readonly { name: string; pid: number | null; http: NodeHttp }[]
  readonly #samples: Series[][]
  readonly #times: number[] = []
  #timer: NodeJS.Timeout | undefined
  /** Latest mempool size and height per node (for the progress display). */
  readonly mempool: number[]
  readonly heights: number[]

  constructor(nodes: readonly { name: string; pid: number | null; http: NodeHttp }[]) {
    this.#nodes = nodes
    this.#samples = nodes.map(() => [])
    this.mempool = nodes.map(() => 0)
    this.heights = nodes.map(() => 0)
  }

  start(): void {
    this.#sample()
    this.#timer = setInterval(() => this.#sample(), 1000)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#sample()
  }

  #sample(): void {
    const t = performance.now()
    this.#times.push(t)
    this.#nodes.forEach((n, i) => {
      const memory = n.pid === null ? { rss: null, anon: null } : readProcMemoryBytes(n.pid)
      const s: Series = {
        cpu: n.pid === null ? null : readProcCpuSeconds(n.pid),
        mainCpu: n.pid === null ? null : readProcCpuSeconds(n.pid, n.pid),
        ...memory,
        mempool: this.mempool[i]!,
        height: this.heights[i]!,
      }
      this.#samples[i]!.push(s)
      void n.http.getJson<{ height: number; mempool?: { txs: number } }>('/v1/status', 2000).then((r) => {
        if (r.body !== null && typeof r.body.height === 'number') {
          this.mempool[i] = r.body.mempool?.txs ?? 0
          this.heights[i] = r.body.height
        }
      })
    })
  }

  /**
   * Usage between two marks (`mark()`): from the sample at `fromMark` to the sample at `toMark`
   * included (default: to the last sample), so that consecutive ranges share their boundary
   * sample and CPU time between them is counted once.
   */
  usage(fromMark = 0, toMark?: number): NodeUsage[] {
    const end = toMark === undefined ? undefined : toMark + 1
    return this.#nodes.map((n, i) => {
      const s = this.#samples[i]!.slice(fromMark, end)
      const times = this.#times.slice(fromMark, end)
      let cpuPeak: number | null = null
      const first = s[0]
      const last = s[s.length - 1]
      /** Mean % of a core between the first and the last sample of CPU seconds `a` → `b`. */
      const meanPercent = (a: number | null | undefined, b: number | null | undefined): number | null =>
        a != null && b != null && s.length > 1
          ? ((b - a) / ((times[times.length - 1]! - times[0]!) / 1000)) * 100
          : null
      const cpuPercent = meanPercent(first?.cpu, last?.cpu)
      const mainThreadCpuPercent = meanPercent(first?.mainCpu, last?.mainCpu)
      if (cpuPercent !== null) {
        for (let k = 1; k < s.length; k++) {
          const a = s[k - 1]!.cpu
          const b = s[k]!.cpu
          if (a == null || b == null) continue
          const pct = ((b - a) / ((times[k]! - times[k - 1]!) / 1000)) * 100
          cpuPeak = Math.max(cpuPeak ?? 0, pct)
        }
      }
      const rss = s.map((x) => x.rss).filter((x): x is number => x !== null)
      const anon = s.map((x) => x.anon).filter((x): x is number => x !== null)
      const mib = (b: number) => b / (1024 * 1024)
      return {
        name: n.name,
        pid: n.pid,
        cpuPercent,
        cpuPeakPercent: cpuPeak,
        mainThreadCpuPercent,
        rssMeanMiB: rss.length ? mib(rss.reduce((a, b) => a + b, 0) / rss.length) : null,
        rssPeakMiB: rss.length ? mib(Math.max(...rss)) : null,
        anonPeakMiB: anon.length ? mib(Math.max(...anon)) : null,
        mempoolPeak: Math.max(0, ...s.map((x) => x.mempool)),
        alive: n.pid === null ? true : isAlive(n.pid),
      }
    })
  }

  /** Index of the next sample: pass it to `usage` to cover from now on. */
  mark(): number {
    return this.#times.length
  }
}

export type MetricsDelta = {
  /** Mean rounds per decided height (1 = every height decided in round 0). */
  readonly roundsPerHeight: number | null
  readonly heights: number
  /** Means in milliseconds over the window. */
  readonly consensusLatencyMs: number | null
  readonly blockCommitMs: number | null
  readonly blockIntervalMs: number | null
  readonly walWriteMs: number | null
  readonly walWrites: number
  readonly txCommitMs: number | null
  readonly postTxMs: number | null
  /** Mean seconds per block in each validation phase. */
  readonly validationPhaseMs: Readonly<Record<string, number>>
  readonly txsRejected: Readonly<Record<string, number>>
  readonly processCpuSeconds: number | null
  /** Tx gossip messages this node received and decoded, and their mean transactions. */
  readonly txGossipMessages: number
  readonly txsPerGossipMessage: number | null
  /**
   * MiB of keys and values the node wrote to its database, MiB its LevelDB wrote to table files
   * for them (flushes and compactions; whole MB), and LevelDB's compaction time; null when the
   * node does not report them.
   */
  readonly storeWrittenMiB: number | null
  readonly leveldbWrittenMiB: number | null
  readonly leveldbCompactionSeconds: number | null
  /**
   * Other nodes' proposals whose compact blocks this node rebuilt from its own transactions
   * (at once or after a wait), and those it fetched whole or could not get; null when the node
   * does not report them.
   */
  readonly proposalBlocks: { readonly rebuilt: number; readonly fetched: number } | null
}

function sumOf(m: Map<string, number>, prefix: string): number {
  let s = 0
  for (const [k, v] of m) if (k.startsWith(prefix)) s += v
  return s
}

/** What changed between two scrapes of one node. */
export function metricsDelta(before: Map<string, number>, after: Map<string, number>): MetricsDelta {
  const d = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0)
  const mean = (name: string, labels = '', scale = 1000) => {
    const count = d(`${name}_count${labels}`)
    return count > 0 ? (d(`${name}_sum${labels}`) / count) * scale : null
  }
  const phases: Record<string, number> = {}
  for (const key of after.keys()) {
    const m = /^govchain_block_validation_phase_seconds_sum\{phase="([^"]+)"\}$/.exec(key)
    if (m) {
      const count = d(`govchain_block_validation_phase_seconds_count{phase="${m[1]}"}`)
      if (count > 0) phases[m[1]!] = (d(key) / count) * 1000
    }
  }
  const rejected: Record<string, number> = {}
  for (const key of after.keys()) {
    if (!key.startsWith('govchain_txs_rejected_total{')) continue
    const v = d(key)
    if (v > 0) rejected[key.slice('govchain_txs_rejected_total'.length)] = v
  }
  const heights = d('govchain_consensus_rounds_per_height_count')
  const txGossipMessages = d('govchain_gossip_txs_per_message_count')
  const cpu = after.get('govchain_process_cpu_seconds_total')
  /** A counter's delta, or null when the node does not export it (older, or not on LevelDB). */
  const ifExported = (name: string, scale: number) => (after.has(name) ? d(name) / scale : null)
  return {
    roundsPerHeight: heights > 0 ? d('govchain_consensus_rounds_per_height_sum') / heights : null,
    heights,
    consensusLatencyMs: mean('govchain_consensus_commit_latency_seconds'),
    blockCommitMs: mean('govchain_block_commit_seconds'),
    blockIntervalMs: mean('govchain_block_interval_seconds'),
    walWriteMs: mean('govchain_wal_write_seconds'),
    walWrites: d('govchain_wal_write_seconds_count'),
    txCommitMs: mean('govchain_tx_commit_seconds'),
    postTxMs: (() => {
      const keys = [...after.keys()].filter(
        (k) => k.startsWith('govchain_http_request_seconds_count{') && k.includes('route="/v1/txs"'),
      )
      const count = keys.reduce((a, k) => a + d(k), 0)
      const sum = keys.reduce((a, k) => a + d(k.replace('_count{', '_sum{')), 0)
      return count > 0 ? (sum / count) * 1000 : null
    })(),
    validationPhaseMs: phases,
    txsRejected: rejected,
    processCpuSeconds:
      cpu === undefined ? null : cpu - (before.get('govchain_process_cpu_seconds_total') ?? 0),
    txGossipMessages,
    txsPerGossipMessage:
      txGossipMessages > 0 ? d('govchain_gossip_txs_per_message_sum') / txGossipMessages : null,
    storeWrittenMiB: ifExported('govchain_store_written_bytes_total', 1024 * 1024),
    leveldbWrittenMiB: ifExported('govchain_leveldb_written_bytes_total', 1024 * 1024),
    leveldbCompactionSeconds: ifExported('govchain_leveldb_compaction_seconds_total', 1),
    proposalBlocks: [...after.keys()].some((k) => k.startsWith('govchain_proposal_blocks_total{'))
      ? {
          rebuilt:
            d('govchain_proposal_blocks_total{source="local"}') +
            d('govchain_proposal_blocks_total{source="waited"}'),
          fetched:
            d('govchain_proposal_blocks_total{source="fetched"}') +
            d('govchain_proposal_blocks_total{source="unavailable"}'),
        }
      : null,
  }
}

export async function scrape(http: NodeHttp): Promise<Map<string, number>> {
  const r = await http.getText('/metrics', 10_000)
  return r.status === 200 ? parseMetricsText(r.text) : new Map()
}

export { sumOf }
