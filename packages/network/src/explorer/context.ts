/**
 * What the views share: live state, the trust root for proofs (the genesis, pinned in this
 * browser on first use), and names for keys (validators, accounts and their organisations).
 */
import { api } from './api.js'
import { isObject, short } from './format.js'
import type { Live } from './live.js'
import { trustRootFromGenesis, type TrustRoot } from './verdict.js'

export type TrustState =
  | { readonly ok: true; readonly root: TrustRoot; readonly pinned: 'new' | 'same' }
  /** The node's genesis differs from the one this browser pinned for the chain id. */
  | { readonly ok: false; readonly reason: string; readonly root?: TrustRoot; readonly pinnedHash?: string }

export type Account = { readonly member: string | null; readonly name: string | null }

const PIN_PREFIX = 'govchain.genesis.'

export class Context {
  readonly live: Live
  #trust: Promise<TrustState> | undefined
  #genesisAccounts: Map<string, Account> | undefined
  readonly #accounts = new Map<string, Promise<Account | null>>()

  constructor(live: Live) {
    this.live = live
  }

  /** The trust root: this node's genesis, checked against the hash pinned in this browser. */
  trust(): Promise<TrustState> {
    this.#trust ??= this.#loadTrust()
    return this.#trust
  }

  async #loadTrust(): Promise<TrustState> {
    const r = await api.genesis()
    if (!r.ok) {
      this.#trust = undefined
      return { ok: false, reason: `the node did not send its genesis (${r.code})` }
    }
    let root: TrustRoot
    try {
      root = trustRootFromGenesis(r.body)
    } catch (e) {
      return { ok: false, reason: `the node's genesis is not valid (${(e as Error).message})` }
    }
    this.#genesisAccounts = new Map()
    const accounts = isObject(r.body) && Array.isArray(r.body.accounts) ? r.body.accounts : []
    for (const a of accounts)
      if (isObject(a) && typeof a.publicKey === 'string')
        this.#genesisAccounts.set(a.publicKey, {
          member: typeof a.member === 'string' ? a.member : null,
          name: typeof a.name === 'string' ? a.name : null,
        })
    const key = PIN_PREFIX + root.chainId
    const pinned = readPin(key)
    if (pinned === null) {
      writePin(key, root.genesisHash)
      return { ok: true, root, pinned: 'new' }
    }
    if (pinned !== root.genesisHash)
      return {
        ok: false,
        reason: `this node's genesis (${short(root.genesisHash)}) differs from the one this browser pinned for ${root.chainId} (${short(pinned)})`,
        root,
        pinnedHash: pinned,
      }
    return { ok: true, root, pinned: 'same' }
  }

  /** Replaces the pinned genesis with this node's (after a deliberate chain reset). */
  repin(root: TrustRoot): void {
    writePin(PIN_PREFIX + root.chainId, root.genesisHash)
    this.#trust = Promise.resolve({ ok: true, root, pinned: 'new' })
  }

  validatorName(publicKey: string): string {
    const v = this.live.status?.validators.find((x) => x.publicKey === publicKey)
    return v?.name ?? short(publicKey)
  }

  /** The organisation and name of an account: genesis first, then the application's `account` query. */
  account(publicKey: string): Promise<Account | null> {
    let p = this.#accounts.get(publicKey)
    if (p === undefined) {
      p = this.#lookupAccount(publicKey)
      this.#accounts.set(publicKey, p)
    }
    return p
  }

  async #lookupAccount(publicKey: string): Promise<Account | null> {
    await this.trust()
    const g = this.#genesisAccounts?.get(publicKey)
    if (g !== undefined) return g
    const r = await api.query('account', { publicKey })
    if (!r.ok || !isObject(r.body.value)) return null
    const v = r.body.value
    return {
      member: typeof v.member === 'string' ? v.member : null,
      name: typeof v.name === 'string' ? v.name : null,
    }
  }
}

function readPin(key: string): string | null {
  try {
    return localStorage.getItem(key)
  } catch {
    return null
  }
}

function writePin(key: string, value: string): void {
  try {
    localStorage.setItem(key, value)
  } catch {
    // storage disabled: nothing is pinned, the node's genesis is used each time
  }
}
