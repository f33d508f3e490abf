/**
 * The transactions this node acknowledged from its API (`202`), kept in its database
 * (`Bucket.mempool`) until they commit or the mempool lets them go. A node killed with -9 admits
 * them again at its next start and offers them to its peers, so an acknowledged transaction is
 * not lost with the process that acknowledged it, and the sender's later transactions, held by
 * the other nodes, do not wait behind a nonce that nobody has any more.
 *
 * Written without fsync: LevelDB hands every write to the OS before it resolves, so the journal
 * survives the process (kill -9, a crash) but not the machine (power loss). A synced write per
 * acknowledgement would cost a node tens of milliseconds each under load (the WAL's figures).
 * Only API admissions are recorded: gossiped transactions are journaled by the node that
 * acknowledged them.
 */
import {
  Bucket,
  bucketEnd,
  bucketKey,
  createTxFromBytes,
  toHex,
  type KvStore,
  type Transaction,
} from '@govchain/ledger'

export class MempoolJournal {
  readonly #store: KvStore
  /** Hex hashes of the transactions recorded and not forgotten since. */
  readonly #recorded = new Set<string>()
  #forgetting: Uint8Array[] = []
  #flushing: Promise<void> | undefined

  constructor(store: KvStore) {
    this.#store = store
  }

  get size(): number {
    return this.#recorded.size
  }

  /** Records admitted transactions; resolves once the OS has the write. */
  async record(txs: readonly Transaction[]): Promise<void> {
    if (txs.length === 0) return
    // Known before the write: one that leaves the mempool meanwhile is forgotten, not kept.
    for (const tx of txs) this.#recorded.add(tx.hashHex())
    try {
      await this.#store.write(
        txs.map((tx) => ({ type: 'put', key: bucketKey(Bucket.mempool, tx.hash()), value: tx.serialize() })),
      )
    } catch (e) {
      for (const tx of txs) this.#recorded.delete(tx.hashHex())
      throw e
    }
  }

  /**
   * A transaction left the mempool (committed, refused on a re-check, dropped): deleted if it was
   * recorded, with the others that left in the same turn of the event loop, in one write.
   */
  forget(tx: Transaction): void {
    if (!this.#recorded.delete(tx.hashHex())) return
    this.#forgetting.push(bucketKey(Bucket.mempool, tx.hash()))
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush())
  }

  /** Resolves when the deletes asked for so far are written (for stop and tests). */
  async settled(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing
  }

  async #flush(): Promise<void> {
    const keys = this.#forgetting
    this.#forgetting = []
    try {
      await this.#store.write(keys.map((key) => ({ type: 'del', key })))
    } catch {
      // Left on disk: at the next start it is refused as committed or invalid and deleted then.
    } finally {
      this.#flushing = undefined
      if (this.#forgetting.length > 0)
        this.#flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush())
    }
  }

  /**
   * Every recorded transaction, by sender and nonce (the order the mempool admits them in).
   * Entries that do not decode (a damaged record, a larger `maxTxBytes` then) are deleted and
   * counted in `unreadable`.
   */
  async load(maxTxBytes: number): Promise<{ txs: Transaction[]; unreadable: number }> {
    const txs: Transaction[] = []
    const bad: Uint8Array[] = []
    for await (const [key, value] of this.#store.range({
      gte: bucketKey(Bucket.mempool, new Uint8Array(0)),
      lt: bucketEnd(Bucket.mempool),
    })) {
      try {
        txs.push(createTxFromBytes(value, maxTxBytes))
      } catch {
        bad.push(key)
      }
    }
    if (bad.length > 0) await this.#store.write(bad.map((key) => ({ type: 'del', key })))
    for (const tx of txs) this.#recorded.add(tx.hashHex())
    const keyed = txs.map((tx) => ({ tx, sender: toHex(tx.sender) }))
    keyed.sort((a, b) => (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : a.tx.nonce - b.tx.nonce))
    return { txs: keyed.map((k) => k.tx), unreadable: bad.length }
  }
}
