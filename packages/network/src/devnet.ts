/**
 * Local network generation (used by `scripts/devnet.ts` and the multi-process tests): node
 * identities, validator keys, account keys and genesis, one home directory per node, and
 * `network.json` (interfaces.md). The accounts and the application's genesis state are
 * pluggable (`DevnetGenesisHooks`), so an application can bring its demo genesis.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  generateKeyPair,
  genesisToJSON,
  keyPairToFile,
  parseGenesis,
  toHex,
  DEFAULT_CHAIN_PARAMS,
  type Encodable,
  type KeyPair,
  type MemberRole,
} from '@govchain/ledger'
import {
  defaultConfig,
  DEVNET_TIMING,
  writeHome,
  writeJsonFile,
  type ConsensusTimingConfig,
} from './config.js'
import { peerIdOfSeed } from './p2p/host.js'
import { compiledEntry } from './compiled-sources.js'
import { withMallocTunables } from './malloc-tunables.js'

export type DevnetOrg = { readonly id: string; readonly name: string; readonly roles: readonly MemberRole[] }

export const DEVNET_ORGS: readonly DevnetOrg[] = [
  { id: 'interior-ministry', name: 'Ministry of the Interior', roles: ['agency'] },
  { id: 'national-bank', name: 'National Bank', roles: ['bank'] },
  { id: 'financial-regulator', name: 'Financial Regulator', roles: ['regulator'] },
  { id: 'audit-office', name: 'National Audit Office', roles: ['auditor'] },
  { id: 'health-agency', name: 'Health Agency', roles: ['agency'] },
  { id: 'land-registry', name: 'Land Registry', roles: ['agency'] },
  { id: 'commercial-bank', name: 'Commercial Bank', roles: ['bank'] },
]

export function devnetOrg(i: number): DevnetOrg {
  return DEVNET_ORGS[i] ?? { id: `org-${i}`, name: `Organisation ${i}`, roles: ['agency'] }
}

export type DevnetAccountSpec = {
  readonly name: string
  readonly org: string
  readonly roles: readonly string[]
}

/** What the devnet gives a full-genesis hook: the generated identities. */
export type DevnetGenesisContext = {
  readonly chainId: string
  readonly genesisTime: string
  readonly nodes: readonly { readonly peerId: string; readonly validatorPublicKey: Uint8Array }[]
  /** Public keys generated for the accounts named by the `accounts` hook. */
  readonly accountKeys: Readonly<Record<string, Uint8Array>>
}

/** What an application plugs into devnet generation. */
export type DevnetGenesisHooks = {
  /**
   * The whole genesis JSON (members, validators, accounts, appState), e.g. an application's demo
   * alliance; `nodes[i]` names node i and its owning member. Takes precedence over the default
   * one-organisation-per-node genesis (and over `appState`).
   */
  readonly genesis?: (ctx: DevnetGenesisContext) => {
    readonly genesis: Record<string, unknown>
    readonly nodes: readonly { readonly name: string; readonly member: string }[]
  }
  /** Accounts to create (keys are generated); default: one `<org>-clerk` per organisation. */
  readonly accounts?: (orgs: readonly DevnetOrg[]) => DevnetAccountSpec[]
  /** The genesis `appState`, knowing the generated accounts' public keys. */
  readonly appState?: (ctx: {
    orgs: readonly DevnetOrg[]
    accounts: readonly (DevnetAccountSpec & { publicKey: string })[]
  }) => Encodable
}

export type DevnetOptions = {
  readonly nodes: number
  readonly dir: string
  readonly basePort: number
  readonly chainId?: string
  readonly timing?: ConsensusTimingConfig
  readonly hooks?: DevnetGenesisHooks
  readonly logLevel?: string
  /** IPv4 address of each node (default 127.0.0.1 for all): e.g. one per network namespace. */
  readonly hosts?: readonly string[]
}

export type NetworkNode = {
  name: string
  org: string
  peerId: string
  api: string
  p2p: string
  pid: number | null
  home: string
}

export type NetworkJson = {
  chainId: string
  nodes: NetworkNode[]
  accounts: { name: string; org: string; roles: string[]; keyFile: string }[]
}

export function apiPort(basePort: number, i: number): number {
  return basePort + i
}

export function p2pPort(basePort: number, i: number): number {
  return basePort + 100 + i
}

/** Generates a fresh network under `dir` (which should be empty) and returns its network.json. */
export async function generateDevnet(opts: DevnetOptions): Promise<NetworkJson> {
  const dir = resolve(opts.dir)
  mkdirSync(join(dir, 'keys'), { recursive: true })
  const chainId = opts.chainId ?? 'govchain-devnet'
  const orgs = Array.from({ length: opts.nodes }, (_, i) => devnetOrg(i))
  const nodes = await Promise.all(
    orgs.map(async (org, i) => {
      const nodeKey = generateKeyPair()
      const validatorKey = generateKeyPair()
      return {
        org,
        i,
        nodeKey,
        validatorKey,
        peerId: await peerIdOfSeed(nodeKey.secretKey),
        name: `node-${i}`,
      }
    }),
  )
  const specs =
    opts.hooks?.accounts?.(orgs) ?? orgs.map((o) => ({ name: `${o.id}-clerk`, org: o.id, roles: ['clerk'] }))
  const accounts = specs.map((s) => ({ ...s, key: generateKeyPair() as KeyPair }))
  for (const a of accounts) writeJsonFile(join(dir, 'keys', `${a.name}.json`), keyPairToFile(a.key), 0o600)
  const appState =
    opts.hooks?.appState?.({
      orgs,
      accounts: accounts.map((a) => ({
        name: a.name,
        org: a.org,
        roles: a.roles,
        publicKey: toHex(a.key.publicKey),
      })),
    }) ?? {}
  const genesisJson = {
    chainId,
    genesisTime: new Date().toISOString(),
    params: { ...DEFAULT_CHAIN_PARAMS },
    members: nodes.map((n) => ({
      id: n.org.id,
      name: n.org.name,
      roles: [...n.org.roles],
      peerIds: [n.peerId],
    })),
    validators: nodes.map((n) => ({
      publicKey: toHex(n.validatorKey.publicKey),
      power: 1,
      member: n.org.id,
      name: n.name,
    })),
    accounts: accounts.map((a) => ({
      publicKey: toHex(a.key.publicKey),
      member: a.org,
      roles: [...a.roles],
      name: a.name,
    })),
    appState,
  }
  const custom = opts.hooks?.genesis?.({
    chainId,
    genesisTime: genesisJson.genesisTime,
    nodes: nodes.map((n) => ({ peerId: n.peerId, validatorPublicKey: n.validatorKey.publicKey })),
    accountKeys: Object.fromEntries(accounts.map((a) => [a.name, a.key.publicKey])),
  })
  if (custom !== undefined) {
    custom.nodes.forEach((c, i) => {
      const n = nodes[i]
      if (n === undefined) return
      n.name = c.name
      n.org = { id: c.member, name: c.member, roles: [] }
    })
  }
  // Validates, and writes the canonical JSON form.
  const genesis = genesisToJSON(parseGenesis(custom?.genesis ?? genesisJson))
  writeJsonFile(join(dir, 'genesis.json'), genesis)
  const hostOf = (i: number) => opts.hosts?.[i] ?? '127.0.0.1'
  const addr = (n: (typeof nodes)[number]) =>
    `/ip4/${hostOf(n.i)}/tcp/${p2pPort(opts.basePort, n.i)}/p2p/${n.peerId}`
  const network: NetworkJson = {
    chainId,
    nodes: nodes.map((n) => {
      const home = join(dir, 'nodes', n.name)
      const config = defaultConfig({
        name: n.name,
        org: n.org.id,
        p2pPort: p2pPort(opts.basePort, n.i),
        apiPort: apiPort(opts.basePort, n.i),
        host: hostOf(n.i),
        peers: nodes.filter((m) => m !== n).map(addr),
        timing: opts.timing ?? DEVNET_TIMING,
      })
      writeHome(home, {
        config: { ...config, log: { level: opts.logLevel ?? 'info', file: 'node.log' } },
        genesis,
        nodeKey: n.nodeKey,
        validatorKey: n.validatorKey,
      })
      return {
        name: n.name,
        org: n.org.id,
        peerId: n.peerId,
        api: `http://${hostOf(n.i)}:${apiPort(opts.basePort, n.i)}`,
        p2p: addr(n),
        pid: null,
        home,
      }
    }),
    accounts: accounts.map((a) => ({
      name: a.name,
      org: a.org,
      roles: [...a.roles],
      keyFile: join(dir, 'keys', `${a.name}.json`),
    })),
  }
  writeJsonFile(join(dir, 'network.json'), network)
  return network
}

export function readNetworkJson(dir: string): NetworkJson | undefined {
  const path = join(resolve(dir), 'network.json')
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as NetworkJson
}

export function writeNetworkJson(dir: string, network: NetworkJson): void {
  writeJsonFile(join(resolve(dir), 'network.json'), network)
}

/**
 * The command that runs one node process (`govchain node start --home DIR`) from the compiled
 * sources (compiled-sources.ts; compiles them first). `entry` is the CLI script that composes
 * the node with its application (default: this package's entry with the built-in key-value
 * application), as a source path.
 */
export function nodeCommand(
  home: string,
  entry: string = fileURLToPath(new URL('./bin/node.ts', import.meta.url)),
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  const compiled = compiledEntry(entry)
  return {
    command: process.execPath,
    args: [...compiled.execArgv, compiled.path, 'node', 'start', '--home', home],
    // Synced writes (WAL, block commits) each hold a libuv thread for a whole fsync; with the
    // default 4 threads, state reads and signature checks queue behind them.
    env: withMallocTunables({ ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' }),
  }
}
