/**
 * An in-memory chain for the application's tests, running blocks through the ledger's own
 * `executeBlock` (execution.ts): envelope checks (chain id, per-sender nonce), the app's state
 * namespace, a copy-on-write overlay per transaction (a throwing transaction leaves no writes),
 * endBlock with validator-set rotation and member updates in the system keys, receipts hashed
 * into the result root. Consensus, signatures (checked in batch by validation.ts) and the state
 * tree are not involved: the committed state is a map of its changes.
 *
 * Transactions are signed for real. Like a client that re-signs after a refusal, `block()`
 * assigns each transaction the sender's next nonce given the earlier transactions of the block
 * (a refused transaction does not use its nonce).
 */
import {
  APP_NAMESPACE,
  decodeReceipt,
  encodeMembers,
  executeBlock,
  fromHex,
  genesisValidatorSet,
  keyPairFromSeed,
  parseGenesis,
  prefixedReader,
  prefixedWriter,
  readNonce,
  StateOverlay,
  SystemKey,
  toHex,
  type Application,
  type BlockExecution,
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

/** The committed state: full key space (system and application namespaces). */
export class MemState implements StateWriter {
  readonly entries = new Map<string, Uint8Array>()
  /** With `syncReads`, also the optional `getNow` (values at hand, as a synchronous store has them). */
  readonly getNow?: (key: Uint8Array) => Uint8Array | undefined

  constructor(opts: { readonly syncReads?: boolean } = {}) {
    if (opts.syncReads) this.getNow = (key) => this.entries.get(toHex(key))
  }

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

export type TxOutcome =
  | { readonly ok: true; readonly receipt: Receipt; readonly tx: Transaction }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly tx: Transaction }

export type BlockOutcome = {
  readonly height: number
  readonly results: TxOutcome[]
  readonly end: EndBlockResult
  readonly resultRoot: Uint8Array
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

type Signed = { readonly keyPair: KeyPair; readonly draft: TxDraft }

export class TestChain {
  readonly app: Application
  readonly genesis: Genesis
  readonly state: MemState
  height = 0
  /** Next nonce per sender for transactions signed ahead of a block. */
  readonly #nonces = new Map<string, number>()
  readonly #signed = new WeakMap<Transaction, Signed>()

  private constructor(genesis: Genesis, app: Application, state: MemState) {
    this.genesis = genesis
    this.app = app
    this.state = state
  }

  /** Genesis as the ledger's Chain writes it: validator sets, members, then the app's initGenesis. */
  static async create(
    genesisJson: unknown = demoGenesisJson(),
    app = createGovApplication(),
    opts: { readonly syncReads?: boolean } = {},
  ): Promise<TestChain> {
    const chain = new TestChain(parseGenesis(genesisJson), app, new MemState(opts))
    const overlay = new StateOverlay(chain.state)
    const set = genesisValidatorSet(chain.genesis).serialize()
    overlay.set(SystemKey.validatorsCurrent, set)
    overlay.set(SystemKey.validatorsNext, set)
    overlay.set(SystemKey.validatorsAfterNext, set)
    overlay.set(SystemKey.members, encodeMembers(chain.genesis.members))
    await app.initGenesis(chain.genesis, prefixedWriter(overlay, APP_NAMESPACE))
    chain.#apply(overlay.changes())
    return chain
  }

  #apply(changes: readonly { key: Uint8Array; value: Uint8Array | null }[]): void {
    for (const c of changes) {
      if (c.value === null) this.state.delete(c.key)
      else this.state.set(c.key, c.value)
    }
  }

  /** The application's view of the committed state. */
  get appState(): StateReader {
    return prefixedReader(this.state, APP_NAMESPACE)
  }

  #sign(keyPair: KeyPair, draft: TxDraft, nonce: number): Transaction {
    const tx = signTx(draft, { chainId: CHAIN_ID, keyPair, nonce })
    this.#signed.set(tx, { keyPair, draft })
    return tx
  }

  /** Signs a draft as `signer` (a demo account name or any seed) with its next nonce. */
  tx(signer: string | KeyPair, draft: TxDraft): Transaction {
    const keyPair = typeof signer === 'string' ? key(signer) : signer
    const id = toHex(keyPair.publicKey)
    const nonce = this.#nonces.get(id) ?? 0
    this.#nonces.set(id, nonce + 1)
    return this.#sign(keyPair, draft, nonce)
  }

  async #execute(txs: readonly Transaction[], ctx: Parameters<Application['deliverTx']>[1]) {
    let end: EndBlockResult = {}
    const app: Application = {
      ...this.app,
      endBlock: async (c, s) => (end = (await this.app.endBlock?.(c, s)) ?? {}),
    }
    const execution = await executeBlock({ app, state: this.state, ctx, txs, evidence: [], mode: 'build' })
    return { execution, end }
  }

  async block(input: readonly Transaction[]): Promise<BlockOutcome> {
    const height = this.height + 1
    const ctx = {
      chainId: CHAIN_ID,
      height,
      timeMs: GENESIS_TIME_MS + height * 1000,
      proposer: new Uint8Array(32),
    }
    // Nonces: each transaction gets its sender's next nonce after the block's earlier transactions.
    const txs: Transaction[] = []
    const expected = new Map<string, number>()
    let run: { execution: BlockExecution; end: EndBlockResult } | undefined
    for (let i = 0; i < input.length; i++) {
      const tx = input[i]!
      const sender = toHex(tx.sender)
      const nonce = expected.get(sender) ?? (await readNonce(this.state, tx.sender))
      const signed = this.#signed.get(tx)
      txs.push(
        tx.nonce === nonce || signed === undefined ? tx : this.#sign(signed.keyPair, signed.draft, nonce),
      )
      const later = input.slice(i + 1).some((t) => toHex(t.sender) === sender)
      if (!later) continue
      run = await this.#execute(txs, ctx)
      expected.set(sender, run.execution.rejected.some((r) => r.index === i) ? nonce : nonce + 1)
    }
    if (run === undefined || run.execution.rejected.length + run.execution.txs.length !== txs.length) {
      run = await this.#execute(txs, ctx)
    }
    const { execution, end } = run
    const results: TxOutcome[] = []
    let accepted = 0
    txs.forEach((tx, i) => {
      const rejection = execution.rejected.find((r) => r.index === i)
      if (rejection === undefined)
        results.push({ ok: true, receipt: decodeReceipt(execution.receiptBytes[accepted++]!).receipt, tx })
      else if (rejection.error.code === 'TX_BAD_NONCE')
        throw new Error(`harness nonce bug: ${rejection.error.message}`)
      else results.push({ ok: false, code: rejection.error.code, message: rejection.error.message, tx })
    })
    this.#apply(execution.changes)
    this.height = height
    for (const id of this.#nonces.keys()) this.#nonces.set(id, await readNonce(this.state, fromHex(id)))
    return { height, results, end, resultRoot: execution.resultRoot }
  }

  /** One transaction in its own block; returns its outcome. */
  async run(signer: string | KeyPair, draft: TxDraft): Promise<TxOutcome> {
    return (await this.block([this.tx(signer, draft)])).results[0]!
  }

  /** Runs and expects success; returns the receipt. */
  async ok(signer: string | KeyPair, draft: TxDraft): Promise<Receipt> {
    const r = await this.run(signer, draft)
    if (!r.ok) throw new Error(`${draft.type} failed: ${r.code} ${r.message}`)
    return r.receipt
  }

  /** Runs and returns the error code ('ok' on success). */
  async code(signer: string | KeyPair, draft: TxDraft): Promise<string> {
    const r = await this.run(signer, draft)
    return r.ok ? 'ok' : r.code
  }

  /** The application's checkTx against the committed state (the nonce is not used up). */
  async check(signer: string | KeyPair, draft: TxDraft): Promise<string> {
    const keyPair = typeof signer === 'string' ? key(signer) : signer
    const tx = this.#sign(keyPair, draft, await readNonce(this.state, keyPair.publicKey))
    try {
      // as the ledger's Chain.checkTx: the height of the next block
      await this.app.checkTx(tx, this.appState, { chainId: CHAIN_ID, height: this.height + 1 })
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
    const state = this.appState
    return this.app.query(path, params, {
      height: this.height,
      get: (k) => state.get(k),
      prove: () => Promise.reject(new Error('proofs come from the state tree; not used by these tests')),
    })
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async record(id: string): Promise<any> {
    const r = await this.query('record', { id, historyLimit: '1000' })
    return r.value
  }
}
