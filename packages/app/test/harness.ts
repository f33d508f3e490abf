/**
 * A small in-memory chain for the application's tests, following the semantics of
 * packages/ledger/src/application.ts: initGenesis, then per block beginBlock → deliverTx per
 * transaction against its own overlay (a throwing transaction's writes are discarded) →
 * endBlock, then the block's writes are committed. Envelope checks (signature, nonce) are the
 * ledger's; here transactions are signed for real and nonces counted per sender.
 */
import {
  keyPairFromSeed,
  parseGenesis,
  toHex,
  fromHex,
  type Application,
  type EndBlockResult,
  type Genesis,
  type KeyPair,
  type QueryResult,
  type Receipt,
  type StateReader,
  type StateWriter,
  type Transaction,
} from '@govchain/ledger'
import { buildDemoGenesis, createGovApplication, DEMO_ACCOUNTS, signTx, type TxDraft } from '../src/index.js'

export class MemState implements StateWriter {
  readonly entries = new Map<string, Uint8Array>()
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.entries.get(toHex(key))
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.entries.set(toHex(key), value)
  }
  delete(key: Uint8Array): void {
    this.entries.delete(toHex(key))
  }
  /** Sorted `key=value` hex lines: equal snapshots ⇔ equal states. */
  snapshot(): string[] {
    return [...this.entries].map(([k, v]) => `${k}=${toHex(v)}`).sort()
  }
}

/** Buffered writes over a parent; `commitTo` applies them. */
export class Overlay implements StateWriter {
  readonly writes = new Map<string, Uint8Array | null>()
  constructor(private readonly parent: StateReader) {}
  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const k = toHex(key)
    if (this.writes.has(k)) return this.writes.get(k) ?? undefined
    return this.parent.get(key)
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(toHex(key), value)
  }
  delete(key: Uint8Array): void {
    this.writes.set(toHex(key), null)
  }
  commitTo(target: StateWriter): void {
    for (const [k, v] of this.writes) {
      if (v === null) target.delete(fromHex(k))
      else target.set(fromHex(k), v)
    }
  }
}

export type TxOutcome =
  | { readonly ok: true; readonly receipt: Receipt; readonly tx: Transaction }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly tx: Transaction }

export type BlockOutcome = {
  readonly height: number
  readonly results: TxOutcome[]
  readonly end: EndBlockResult
}

export const CHAIN_ID = 'govchain-test'
export const GENESIS_TIME_MS = Date.parse('2025-01-01T00:00:00.000Z')

export function key(name: string): KeyPair {
  return keyPairFromSeed(name)
}

/** The demo alliance with `nodes` validators and every demo account keyed by `keyPairFromSeed(name)`. */
export function demoGenesisJson(nodes = 4): Record<string, unknown> {
  const accountKeys = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.name, key(a.name).publicKey]))
  return buildDemoGenesis({
    chainId: CHAIN_ID,
    genesisTime: new Date(GENESIS_TIME_MS).toISOString(),
    nodes: Array.from({ length: nodes }, (_, i) => ({
      peerId: `12D3KooWTestPeer${i}`,
      validatorPublicKey: key(`validator-${i}`).publicKey,
    })),
    accountKeys,
  }).genesis
}

export class TestChain {
  readonly app: Application
  readonly genesis: Genesis
  readonly state = new MemState()
  height = 0
  readonly #nonces = new Map<string, number>()

  private constructor(genesis: Genesis, app: Application) {
    this.genesis = genesis
    this.app = app
  }

  static async create(
    genesisJson: unknown = demoGenesisJson(),
    app = createGovApplication(),
  ): Promise<TestChain> {
    const chain = new TestChain(parseGenesis(genesisJson), app)
    const overlay = new Overlay(chain.state)
    await app.initGenesis(chain.genesis, overlay)
    overlay.commitTo(chain.state)
    return chain
  }

  /** Signs a draft as `signer` (a demo account name or any seed) with its next nonce. */
  tx(signer: string | KeyPair, draft: TxDraft): Transaction {
    const keyPair = typeof signer === 'string' ? key(signer) : signer
    const id = toHex(keyPair.publicKey)
    const nonce = this.#nonces.get(id) ?? 0
    this.#nonces.set(id, nonce + 1)
    return signTx(draft, { chainId: CHAIN_ID, keyPair, nonce })
  }

  async block(txs: readonly Transaction[]): Promise<BlockOutcome> {
    const height = this.height + 1
    const ctx = {
      chainId: CHAIN_ID,
      height,
      timeMs: GENESIS_TIME_MS + height * 1000,
      proposer: new Uint8Array(32),
    }
    const blockState = new Overlay(this.state)
    await this.app.beginBlock?.(ctx, blockState)
    const results: TxOutcome[] = []
    for (const tx of txs) {
      const txState = new Overlay(blockState)
      try {
        const receipt = await this.app.deliverTx(tx, ctx, txState)
        txState.commitTo(blockState)
        results.push({ ok: true, receipt, tx })
      } catch (e) {
        const err = e as { code?: string; message: string }
        if (typeof err.code !== 'string') throw e
        results.push({ ok: false, code: err.code, message: err.message, tx })
      }
    }
    const end = (await this.app.endBlock?.(ctx, blockState)) ?? {}
    blockState.commitTo(this.state)
    this.height = height
    return { height, results, end }
  }

  /** One transaction in its own block; returns its outcome. */
  async run(signer: string | KeyPair, draft: TxDraft): Promise<TxOutcome> {
    return (await this.block([this.tx(signer, draft)])).results[0]!
  }

  /** Runs and expects success; returns the receipt. */
  async ok(signer: string | KeyPair, draft: TxDraft): Promise<Receipt> {
    const r = await this.run(signer, draft)
    if (!r.ok)
      throw new Error(
        `${draft.type} by ${String(typeof signer === 'string' ? signer : 'key')} failed: ${r.code} ${r.message}`,
      )
    return r.receipt
  }

  /** Runs and returns the error code ('ok' on success). */
  async code(signer: string | KeyPair, draft: TxDraft): Promise<string> {
    const r = await this.run(signer, draft)
    return r.ok ? 'ok' : r.code
  }

  async check(signer: string | KeyPair, draft: TxDraft): Promise<string> {
    try {
      await this.app.checkTx(this.tx(signer, draft), this.state, { chainId: CHAIN_ID, height: this.height })
      return 'ok'
    } catch (e) {
      return (e as { code: string }).code
    }
  }

  async emptyBlocks(n: number): Promise<BlockOutcome[]> {
    const out = []
    for (let i = 0; i < n; i++) out.push(await this.block([]))
    return out
  }

  query(path: string, params: Record<string, string> = {}): Promise<QueryResult> {
    const state = this.state
    return this.app.query(path, params, {
      height: this.height,
      get: (k) => state.get(k),
      prove: () => Promise.reject(new Error('proofs are the ledger’s; not used by these tests')),
    })
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async record(id: string): Promise<any> {
    const r = await this.query('record', { id, historyLimit: '1000' })
    return r.value
  }
}
