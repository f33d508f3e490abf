/**
 * Rebuilds a gossiped proposal's block (`CompactBlock`: its transactions by hash) from the
 * transactions this node holds: its mempool, and the transactions of recent gossip batches —
 * which include those still being admitted and those the mempool refused (a full pool, a nonce
 * gap). What is missing may still be on its way (a proposal can overtake the batch that carries
 * its newest transactions: both are validated concurrently), so the node waits for it briefly;
 * then it asks peers for the whole block, the proposer first. The consensus driver asks for a
 * block only for a proposal that passed its own checks (signature, proposer, height, round).
 *
 * A rebuilt block is validated like any other: its transactions are the ones its hashes name,
 * and block validation checks those hashes against the header's tx root.
 */
import { Block, toHex, type Transaction } from '@govchain/ledger'
import type { NodeMetrics } from './metrics.js'
import type { CompactBlock } from './p2p/gossip.js'

export type ProposalBlockOptions = {
  /** How long missing transactions may take to arrive before the block is fetched whole. */
  readonly waitMs: number
  /** Transactions of recent gossip batches kept by hash (the oldest are dropped first). */
  readonly maxRecentTxs: number
}

export const DEFAULT_PROPOSAL_BLOCK_OPTIONS: ProposalBlockOptions = Object.freeze({
  waitMs: 200,
  maxRecentTxs: 8192,
})

export type ProposalBlockModules = {
  /** A pending transaction by hash (the mempool). */
  pending(hashHex: string): Transaction | undefined
  /** The whole block by hash from a peer, the proposer first; undefined when none has it. */
  fetch(hash: Uint8Array, proposer: string): Promise<Block | undefined>
  readonly metrics?: NodeMetrics
}

/** How a proposal's block was obtained (the label of `govchain_proposal_blocks_total`). */
export type ProposalBlockSource = 'local' | 'waited' | 'fetched' | 'unavailable'

type Wait = { readonly missing: Set<string>; readonly done: (arrived: boolean) => void }

export class ProposalBlocks {
  readonly #opts: ProposalBlockOptions
  readonly #modules: ProposalBlockModules
  readonly #recent = new Map<string, Transaction>()
  readonly #waits = new Set<Wait>()

  constructor(opts: Partial<ProposalBlockOptions>, modules: ProposalBlockModules) {
    this.#opts = { ...DEFAULT_PROPOSAL_BLOCK_OPTIONS, ...opts }
    this.#modules = modules
  }

  /** Keeps the transactions of a gossip batch, as soon as it is decoded. */
  remember(txs: readonly Transaction[]): void {
    for (const tx of txs) {
      const hash = tx.hashHex()
      if (this.#recent.has(hash)) continue
      this.#recent.set(hash, tx)
      if (this.#recent.size > this.#opts.maxRecentTxs) {
        const oldest = this.#recent.keys().next().value
        if (oldest !== undefined) this.#recent.delete(oldest)
      }
      for (const wait of this.#waits) {
        if (wait.missing.delete(hash) && wait.missing.size === 0) wait.done(true)
      }
    }
  }

  /** Drops committed transactions (no valid proposal names them again). */
  forget(txs: readonly Transaction[]): void {
    if (this.#recent.size === 0) return
    for (const tx of txs) this.#recent.delete(tx.hashHex())
  }

  /** The block, or undefined when it could be neither rebuilt nor fetched. */
  async assemble(compact: CompactBlock, proposer: string): Promise<Block | undefined> {
    const { txHashes } = compact
    const txs = new Array<Transaction | undefined>(txHashes.length)
    const missing = new Map<string, number>()
    for (let i = 0; i < txHashes.length; i++) {
      const hash = toHex(txHashes[i]!)
      const tx = this.#find(hash)
      if (tx === undefined) missing.set(hash, i)
      else txs[i] = tx
    }
    if (missing.size === 0) return this.#built(compact, txs as Transaction[], 'local')
    this.#modules.metrics?.proposalTxsMissing.inc(missing.size)
    if (await this.#arrival(new Set(missing.keys()))) {
      for (const [hash, i] of missing) txs[i] = this.#find(hash)
      // An arrival that was dropped again at once (a tiny recent cache) is fetched like the rest.
      if (txs.every((t) => t !== undefined)) return this.#built(compact, txs as Transaction[], 'waited')
    }
    const block = await this.#modules.fetch(compact.header.hash(), proposer)
    return this.#count(block === undefined ? 'unavailable' : 'fetched', block)
  }

  #find(hash: string): Transaction | undefined {
    return this.#modules.pending(hash) ?? this.#recent.get(hash)
  }

  /** Resolves true once every hash of `missing` was remembered, false after `waitMs`. */
  #arrival(missing: Set<string>): Promise<boolean> {
    return new Promise((resolve) => {
      const wait: Wait = {
        missing,
        done: (arrived) => {
          clearTimeout(timer)
          this.#waits.delete(wait)
          resolve(arrived)
        },
      }
      const timer = setTimeout(() => wait.done(false), this.#opts.waitMs)
      timer.unref()
      this.#waits.add(wait)
    })
  }

  #built(compact: CompactBlock, txs: Transaction[], source: ProposalBlockSource): Block {
    return this.#count(source, new Block(compact.header, txs, compact.evidence))
  }

  #count<T>(source: ProposalBlockSource, result: T): T {
    this.#modules.metrics?.proposalBlocks.inc({ source })
    return result
  }
}
