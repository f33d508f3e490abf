/**
 * Files the SDK reads and writes (Node only): key files (the ledger's Ed25519 key-file JSON,
 * as the devnet writes them), the devnet's `network.json` and the genesis that proofs are
 * checked against. Every failure is a ClientError with a `CLIENT_BAD_*` code.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import {
  generateKeyPair,
  isGovchainError,
  keyPairFromFile,
  keyPairToFile,
  toHex,
  type KeyPair,
} from '@govchain/ledger'
import { GovchainClient, type GovchainClientOptions } from './client.js'
import { ClientError, ClientErrorCode } from './errors.js'

function readJson(path: string, code: string, what: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ClientError(
      code,
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    )
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new ClientError(code, `${what} ${path} is not JSON`)
  }
}

/** Reads an Ed25519 key file (`{ type: "ed25519", publicKey, secretKey }`). */
export function readKeyFile(path: string): KeyPair {
  const json = readJson(path, ClientErrorCode.BAD_KEY_FILE, 'key file')
  try {
    return keyPairFromFile(json)
  } catch (e) {
    throw new ClientError(
      ClientErrorCode.BAD_KEY_FILE,
      `key file ${path}: ${isGovchainError(e) ? e.message : String(e)}`,
      isGovchainError(e) ? { details: { cause: e.code } } : {},
    )
  }
}

/** Writes a fresh key pair (mode 0600); refuses to overwrite unless `force`. */
export function writeNewKeyFile(path: string, opts: { force?: boolean } = {}): KeyPair {
  if (existsSync(path) && !opts.force)
    throw new ClientError(ClientErrorCode.BAD_KEY_FILE, `${path} exists; not overwriting a key file`)
  const key = generateKeyPair()
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true })
    writeFileSync(path, JSON.stringify(keyPairToFile(key), null, 2) + '\n', { mode: 0o600 })
  } catch (e) {
    throw new ClientError(ClientErrorCode.BAD_KEY_FILE, `cannot write ${path}: ${(e as Error).message}`)
  }
  return key
}

export type NetworkFileNode = {
  readonly name: string
  readonly org: string
  readonly peerId: string
  readonly api: string
  readonly p2p: string
  readonly pid: number | null
  readonly home: string
}

export type NetworkFileAccount = {
  readonly name: string
  readonly org: string
  readonly roles: readonly string[]
  readonly keyFile: string
}

/** A local network described by its `network.json` (interfaces.md), as scripts use it. */
export class LocalNetwork {
  readonly dir: string
  readonly chainId: string
  readonly nodes: readonly NetworkFileNode[]
  readonly accounts: readonly NetworkFileAccount[]
  readonly #clientOptions: GovchainClientOptions

  private constructor(path: string, json: Record<string, unknown>, opts: GovchainClientOptions) {
    this.dir = dirname(path)
    const bad = (m: string) => new ClientError(ClientErrorCode.BAD_NETWORK_FILE, `${path}: ${m}`)
    if (typeof json.chainId !== 'string') throw bad('chainId missing')
    if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw bad('nodes missing')
    if (!Array.isArray(json.accounts)) throw bad('accounts missing')
    for (const n of json.nodes as NetworkFileNode[])
      if (typeof n?.name !== 'string' || typeof n.api !== 'string') throw bad('a node lacks name / api')
    for (const a of json.accounts as NetworkFileAccount[])
      if (typeof a?.name !== 'string' || typeof a.keyFile !== 'string' || !Array.isArray(a.roles))
        throw bad('an account lacks name / roles / keyFile')
    this.chainId = json.chainId
    this.nodes = json.nodes as NetworkFileNode[]
    this.accounts = json.accounts as NetworkFileAccount[]
    this.#clientOptions = opts
  }

  /**
   * Loads `network.json` from a path or a directory; default `$GOVCHAIN_NETWORK`, else
   * `.devnet/network.json` under the current directory.
   */
  static load(pathOrDir?: string, opts: GovchainClientOptions = {}): LocalNetwork {
    let path = resolve(pathOrDir ?? process.env.GOVCHAIN_NETWORK ?? join('.devnet', 'network.json'))
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'network.json')
    const json = readJson(path, ClientErrorCode.BAD_NETWORK_FILE, 'network file')
    if (json === null || typeof json !== 'object' || Array.isArray(json))
      throw new ClientError(ClientErrorCode.BAD_NETWORK_FILE, `${path}: expected an object`)
    return new LocalNetwork(path, json as Record<string, unknown>, opts)
  }

  /** A client of node `i` (by index or name). */
  client(node: number | string = 0): GovchainClient {
    const n = typeof node === 'number' ? this.nodes[node] : this.nodes.find((x) => x.name === node)
    if (n === undefined)
      throw new ClientError(ClientErrorCode.BAD_NETWORK_FILE, `the network has no node ${String(node)}`)
    return new GovchainClient(n.api, this.#clientOptions)
  }

  /** A demo account by name, with its key pair. */
  account(name: string): NetworkFileAccount & { readonly key: KeyPair; readonly publicKey: string } {
    const a = this.accounts.find((x) => x.name === name)
    if (a === undefined)
      throw new ClientError(ClientErrorCode.BAD_NETWORK_FILE, `the network has no account ${name}`, {
        details: { accounts: this.accounts.map((x) => x.name) },
      })
    const key = readKeyFile(resolve(this.dir, a.keyFile))
    return { ...a, key, publicKey: toHex(key.publicKey) }
  }

  /** The genesis document (JSON) the nodes started from: the trust root of proofs. */
  genesis(): unknown {
    const top = join(this.dir, 'genesis.json')
    const path = existsSync(top) ? top : join(this.nodes[0]!.home, 'genesis.json')
    return readJson(path, ClientErrorCode.BAD_NETWORK_FILE, 'genesis')
  }
}
