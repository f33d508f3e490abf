/**
 * A node's home directory:
 *
 *   HOME/config.json          this file's `NodeConfig` (name, org, addresses, peers, limits, timeouts)
 *   HOME/genesis.json         the chain's genesis document
 *   HOME/node-key.json        libp2p identity: an Ed25519 key file (the secret is the key seed)
 *   HOME/validator-key.json   consensus signing key (absent on a node that only follows)
 *   HOME/data/                LevelDB: blocks, state, WAL
 *   HOME/mempool.journal      transactions acknowledged and not yet committed (mempool-journal.ts)
 *   HOME/node.log             the node's log (when `log.file` says so)
 *
 * Key files use the ledger's `{ type: "ed25519", publicKey, secretKey }` format in hex.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { keyPairFromFile, keyPairToFile, parseGenesis, type Genesis, type KeyPair } from '@govchain/ledger'
import { ConfigError, ConfigErrorCode } from './errors.js'
import { DEFAULT_TX_BATCHING } from './p2p/gossip.js'

export type ConsensusTimingConfig = {
  readonly proposeMs: number
  readonly prevoteMs: number
  readonly precommitMs: number
  readonly growth: number
  readonly capMs: number
  /** Wait after a commit before starting the next height (gathers votes and transactions). */
  readonly commitTimeoutMs: number
  /**
   * With an empty mempool after an empty block, wait up to this long for a transaction before
   * starting the next height: an idle chain makes an empty block this often.
   */
  readonly idleBlockIntervalMs: number
  /**
   * Re-broadcast the round's proposal and votes this often while consensus stays at one step
   * this long (consensus.md rule 14).
   */
  readonly rebroadcastMs: number
}

export type NodeConfig = {
  readonly name: string
  readonly org: string
  readonly p2p: {
    readonly listen: readonly string[]
    /** Multiaddrs with `/p2p/<peerId>` of the other members' nodes. */
    readonly peers: readonly string[]
    /**
     * Longest a transaction admitted through the API waits for others to share its gossip
     * message (default DEFAULT_TX_BATCHING.maxDelayMs, 100 ms; 0: every transaction alone).
     */
    readonly txBatchDelayMs: number
  }
  readonly api: { readonly host: string; readonly port: number }
  readonly consensus: ConsensusTimingConfig
  readonly mempool: {
    /**
     * Pending transactions held (default 20,000: ~40 s of what the reference machine's 4-node
     * devnet commits, enough to absorb the `bench load` spike profile — twice capacity for 30 s —
     * without refusing). Beyond it, submissions are refused with MEMPOOL_FULL. A full pool adds
     * little work per block: only `recheckTxs` of it are re-checked fully, and blocks are capped
     * by `limits.maxBlockTxs`.
     */
    readonly maxTxs: number
    readonly maxBytes: number
    readonly maxPerSender: number
    /**
     * Pending transactions fully re-checked after each commit, oldest first (default 2,000: the
     * next two blocks); the rest get only the cheap used-nonce check (mempool.ts).
     */
    readonly recheckTxs: number
  }
  readonly limits: {
    /**
     * Most transactions the proposer puts in one block (default 1,000: a block every node of the
     * reference devnet validates within round 0's timeouts even under load; 5,000-tx blocks took
     * 4–5 rounds there).
     */
    readonly maxBlockTxs: number
    /** POST /v1/txs per client address. */
    readonly apiTxsPerSecond: number
    readonly apiTxBurst: number
  }
  readonly log: { readonly level: string; readonly file: string | null }
  /** Faults this node injects into itself, for tests (absent: none; see `NodeFaults`). */
  readonly faults?: NodeFaults
}

/**
 * Fault injection, built into the node so that multi-process tests can force paths a healthy
 * network rarely takes. Never set on a production node: the node logs a warning at start.
 */
export type NodeFaults = {
  /**
   * Ignore every transaction that arrives by gossip: not admitted, not forwarded, not kept for
   * rebuilding proposals. The node then has to fetch other members' proposed blocks whole.
   */
  readonly dropTxGossip: boolean
}

export const PRODUCTION_TIMING: ConsensusTimingConfig = Object.freeze({
  proposeMs: 3000,
  prevoteMs: 1000,
  precommitMs: 1000,
  growth: 1.5,
  capMs: 60_000,
  commitTimeoutMs: 1000,
  idleBlockIntervalMs: 10_000,
  rebroadcastMs: 2000,
})

/**
 * Devnet: blocks under a second apart under load, an empty block about every 3 s when idle. The
 * propose timeout is 1.5 s: under load a 1,000-transaction proposal reached the other nodes
 * ~0.9 s after the height started (building ~0.4 s, the WAL record and gossip ~0.45 s) and nodes
 * start a height up to ~0.25 s apart, so at 1 s round 0 often failed (a lost round costs ~2.5 s);
 * at 1.5 s, four loaded runs needed no second round. The commit timeout is 250 ms: it is the
 * wait before every height that finds no full block, and at 400–500 tx/s offered it took the
 * commit latency's p50 from 0.98–1.35 s (500 ms) to 0.72–0.97 s in pairs of runs, for 1–2 % more
 * node CPU (docs/bench.md).
 */
export const DEVNET_TIMING: ConsensusTimingConfig = Object.freeze({
  proposeMs: 1500,
  prevoteMs: 500,
  precommitMs: 500,
  growth: 1.5,
  capMs: 30_000,
  commitTimeoutMs: 250,
  idleBlockIntervalMs: 3000,
  rebroadcastMs: 1000,
})

/** Defaults of a new node's config and of fields a config file leaves out (reasons at the fields). */
const DEFAULT_MEMPOOL: NodeConfig['mempool'] = Object.freeze({
  maxTxs: 20_000,
  maxBytes: 64 * 1024 * 1024,
  maxPerSender: 2000,
  recheckTxs: 2000,
})
const DEFAULT_LIMITS: NodeConfig['limits'] = Object.freeze({
  maxBlockTxs: 1000,
  apiTxsPerSecond: 2000,
  apiTxBurst: 5000,
})

export function defaultConfig(fields: {
  name: string
  org: string
  p2pPort: number
  apiPort: number
  host?: string
  peers?: string[]
  timing?: ConsensusTimingConfig
}): NodeConfig {
  const host = fields.host ?? '127.0.0.1'
  return {
    name: fields.name,
    org: fields.org,
    p2p: {
      listen: [`/ip4/${host}/tcp/${fields.p2pPort}`],
      peers: fields.peers ?? [],
      txBatchDelayMs: DEFAULT_TX_BATCHING.maxDelayMs,
    },
    api: { host, port: fields.apiPort },
    consensus: fields.timing ?? PRODUCTION_TIMING,
    mempool: DEFAULT_MEMPOOL,
    limits: DEFAULT_LIMITS,
    log: { level: 'info', file: 'node.log' },
  }
}

function fail(message: string): never {
  throw new ConfigError(ConfigErrorCode.INVALID, `config.json: ${message}`)
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${what} must be an object`)
  return v as Record<string, unknown>
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 256) fail(`${what} must be a non-empty string`)
  return v
}

function num(v: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    fail(`${what} must be a number in [${min}, ${max}]`)
  return v
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') fail(`${what} must be true or false`)
  return v
}

function strings(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || v.length > 1000) fail(`${what} must be an array of strings`)
  return v.map((x, i) => str(x, `${what}[${i}]`))
}

/** Strict parse; unknown sections fall back to defaults only where listed here. */
export function parseConfig(json: unknown): NodeConfig {
  const c = obj(json, 'config')
  const p2p = obj(c.p2p, 'p2p')
  const api = obj(c.api, 'api')
  const cons = obj(c.consensus ?? {}, 'consensus')
  const mem = obj(c.mempool ?? {}, 'mempool')
  const lim = obj(c.limits ?? {}, 'limits')
  const log = obj(c.log ?? {}, 'log')
  const t = (k: keyof ConsensusTimingConfig, min: number) =>
    cons[k] === undefined ? PRODUCTION_TIMING[k] : num(cons[k], `consensus.${k}`, min)
  const m = (k: keyof NodeConfig['mempool'], min: number) =>
    mem[k] === undefined ? DEFAULT_MEMPOOL[k] : num(mem[k], `mempool.${k}`, min)
  const l = (k: keyof NodeConfig['limits'], min: number) =>
    lim[k] === undefined ? DEFAULT_LIMITS[k] : num(lim[k], `limits.${k}`, min)
  const timing: ConsensusTimingConfig = {
    proposeMs: t('proposeMs', 1),
    prevoteMs: t('prevoteMs', 1),
    precommitMs: t('precommitMs', 1),
    growth: t('growth', 1),
    capMs: t('capMs', 1),
    commitTimeoutMs: t('commitTimeoutMs', 0),
    idleBlockIntervalMs: t('idleBlockIntervalMs', 0),
    rebroadcastMs: t('rebroadcastMs', 50),
  }
  if (timing.capMs < Math.max(timing.proposeMs, timing.prevoteMs, timing.precommitMs))
    fail('consensus.capMs must be at least every base timeout')
  const faults = c.faults === undefined ? undefined : parseFaults(obj(c.faults, 'faults'))
  return {
    name: str(c.name, 'name'),
    org: str(c.org, 'org'),
    p2p: {
      listen: strings(p2p.listen, 'p2p.listen'),
      peers: strings(p2p.peers ?? [], 'p2p.peers'),
      txBatchDelayMs:
        p2p.txBatchDelayMs === undefined
          ? DEFAULT_TX_BATCHING.maxDelayMs
          : num(p2p.txBatchDelayMs, 'p2p.txBatchDelayMs', 0, 10_000),
    },
    api: { host: str(api.host, 'api.host'), port: num(api.port, 'api.port', 0, 65535) },
    consensus: timing,
    mempool: {
      maxTxs: m('maxTxs', 1),
      maxBytes: m('maxBytes', 1024),
      maxPerSender: m('maxPerSender', 1),
      recheckTxs: m('recheckTxs', 0),
    },
    limits: {
      maxBlockTxs: l('maxBlockTxs', 1),
      apiTxsPerSecond: l('apiTxsPerSecond', 1),
      apiTxBurst: l('apiTxBurst', 1),
    },
    log: {
      level: log.level === undefined ? 'info' : str(log.level, 'log.level'),
      file: log.file === undefined || log.file === null ? null : str(log.file, 'log.file'),
    },
    ...(faults === undefined ? {} : { faults }),
  }
}

const FAULT_NAMES: readonly (keyof NodeFaults)[] = ['dropTxGossip']

/** Unknown names are refused: a misspelt fault would otherwise silently inject nothing. */
function parseFaults(f: Record<string, unknown>): NodeFaults {
  for (const k of Object.keys(f))
    if (!(FAULT_NAMES as readonly string[]).includes(k))
      fail(`faults.${k} is not a fault (known: ${FAULT_NAMES.join(', ')})`)
  return { dropTxGossip: f.dropTxGossip === undefined ? false : bool(f.dropTxGossip, 'faults.dropTxGossip') }
}

export const HomeFile = {
  config: 'config.json',
  genesis: 'genesis.json',
  nodeKey: 'node-key.json',
  validatorKey: 'validator-key.json',
  data: 'data',
  mempoolJournal: 'mempool.journal',
} as const

export type NodeHome = {
  readonly dir: string
  readonly config: NodeConfig
  readonly genesis: Genesis
  /** Seed of the libp2p identity. */
  readonly nodeKey: KeyPair
  readonly validatorKey: KeyPair | null
  readonly dataDir: string
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new ConfigError(ConfigErrorCode.MISSING, `${what} not found at ${path}`)
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new ConfigError(
      ConfigErrorCode.INVALID,
      `${what} at ${path} is not valid JSON: ${(e as Error).message}`,
    )
  }
}

export function loadHome(dir: string): NodeHome {
  const config = parseConfig(readJson(join(dir, HomeFile.config), 'config.json'))
  const genesis = parseGenesis(readJson(join(dir, HomeFile.genesis), 'genesis.json'))
  const nodeKey = keyPairFromFile(readJson(join(dir, HomeFile.nodeKey), 'node-key.json'))
  const vkPath = join(dir, HomeFile.validatorKey)
  const validatorKey = existsSync(vkPath) ? keyPairFromFile(readJson(vkPath, 'validator-key.json')) : null
  const dataDir = join(dir, HomeFile.data)
  mkdirSync(dataDir, { recursive: true })
  return { dir, config, genesis, nodeKey, validatorKey, dataDir }
}

/** Writes a JSON file atomically (temp file + rename). */
export function writeJsonFile(path: string, value: unknown, mode = 0o644): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode })
  renameSync(tmp, path)
}

export function writeHome(
  dir: string,
  files: { config: NodeConfig; genesis: unknown; nodeKey: KeyPair; validatorKey: KeyPair | null },
): void {
  mkdirSync(join(dir, HomeFile.data), { recursive: true })
  writeJsonFile(join(dir, HomeFile.config), files.config)
  writeJsonFile(join(dir, HomeFile.genesis), files.genesis)
  writeJsonFile(join(dir, HomeFile.nodeKey), keyPairToFile(files.nodeKey), 0o600)
  if (files.validatorKey)
    writeJsonFile(join(dir, HomeFile.validatorKey), keyPairToFile(files.validatorKey), 0o600)
}
