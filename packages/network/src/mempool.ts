/**
 * The mempool: transactions admitted and waiting for a block.
 *
 * Admission (`add`): dedupe by hash (pending), capacity, then the chain's `checkTx` (chain id,
 * expiry, nonce not yet used — a future nonce is allowed —, signature via the shared
 * `SignatureCache`, the application's permission rules); a transaction refused there or for a
 * used nonce is looked up in the block store and refused as already committed if it is. Per-sender queues keep
 * transactions by nonce; a second transaction for a nonce already queued is refused, as is one
 * too far ahead of the sender's committed nonce.
 *
 * `reap` returns transactions for a block: for each sender the consecutive run starting at its
 * committed nonce, interleaved across senders in arrival order. After every commit `update`
 * removes what was committed and re-checks the rest against the new state (fully only the
 * oldest `recheckTxs`; see there).
 */
import { isGovchainError, TxError, TxErrorCode, type GovchainError, type Transaction } from '@govchain/ledger'
import { toHex } from '@govchain/ledger'
import { MempoolError, MempoolErrorCode } from './errors.js'

export type MempoolOptions = {
  readonly maxTxs: number
  readonly maxBytes: number
  /** Most queued transactions per sender. */
  readonly maxPerSender: number
  /** Highest accepted nonce is the sender's committed nonce + this. */
  readonly maxNonceGap: number
  /** Rejected transactions remembered for status queries. */
  readonly rejectedMemory: number
  /**
   * Most pending transactions fully re-checked (`checkTx`) after a commit, oldest first: those
   * the next blocks take. The others only get the cheap check (a nonce the block used). A full
   * check reads state for each transaction: over a full pool that was 20,000 checks per block on
   * every node, CPU that grew with the backlog exactly when the node was overloaded. A
   * transaction that turned invalid deeper in the pool is re-checked once it nears the front,
   * and block building drops an invalid one anyway.
   */
  readonly recheckTxs: number
}

export const DEFAULT_MEMPOOL_OPTIONS: MempoolOptions = Object.freeze({
  maxTxs: 20_000,
  maxBytes: 64 * 1024 * 1024,
  maxPerSender: 2_000,
  maxNonceGap: 2_000,
  rejectedMemory: 20_000,
  recheckTxs: 2_000,
})

/** The part of the chain the mempool needs (the real `Chain` provides it). */
export type MempoolChain = {
  /** Resolves when admission may proceed (block work first); optional. */
  idle?(): Promise<void>
  checkTx(tx: Transaction, opts: { allowFutureNonce?: boolean }): Promise<void>
  nonceOf(sender: Uint8Array): Promise<number>
  isCommitted(txHash: Uint8Array): Promise<boolean>
}

export type MempoolEntry = {
  readonly tx: Transaction
  readonly hash: string
  readonly size: number
  readonly seq: number
  readonly admittedAtMs: number
  readonly source: string
}

type SenderQueue = { nextNonce: number; readonly txs: Map<number, MempoolEntry> }

export type RejectedTx = { readonly hash: string; readonly error: { code: string; message: string } }

export type MempoolListener = {
  onRejected?(hash: string, error: GovchainError): void
  /** A pending transaction left the pool: committed, refused on a re-check, or dropped. */
  onRemoved?(entry: MempoolEntry): void
}

export class Mempool {
  readonly #chain: MempoolChain
  readonly #opts: MempoolOptions
  readonly #byHash = new Map<string, MempoolEntry>()
  readonly #bySender = new Map<string, SenderQueue>()
  readonly #rejected = new Map<string, RejectedTx>()
  /** Hash → clock time a pending transaction was last offered to peers again (`dueForRegossip`). */
  readonly #offeredAt = new Map<string, number>()
  readonly #listener: MempoolListener
  readonly #now: () => number
  #bytes = 0
  #seq = 0
  #rechecking: Promise<void> | undefined
  #recheckAgain = false

  constructor(
    chain: MempoolChain,
    opts: Partial<MempoolOptions> = {},
    listener: MempoolListener = {},
    now: () => number = () => Date.now(),
  ) {
    this.#chain = chain
    this.#opts = { ...DEFAULT_MEMPOOL_OPTIONS, ...opts }
    this.#listener = listener
    this.#now = now
  }

  get size(): number {
    return this.#byHash.size
  }

  get bytes(): number {
    return this.#bytes
  }

  has(hash: string): boolean {
    return this.#byHash.has(hash)
  }

  get(hash: string): MempoolEntry | undefined {
    return this.#byHash.get(hash)
  }

  rejected(hash: string): RejectedTx | undefined {
    return this.#rejected.get(hash)
  }

  /**
   * The sender's next nonce counting the consecutive run of its queued transactions (what a
   * client signing its next transaction should use); undefined when nothing of it is queued.
   */
  pendingNonce(senderHex: string): number | undefined {
    const queue = this.#bySender.get(senderHex)
    if (queue === undefined) return undefined
    let n = queue.nextNonce
    while (queue.txs.has(n)) n++
    return n
  }

  /** Admits a transaction or throws a coded error (nothing changes on a rejection). */
  async add(tx: Transaction, source = 'api'): Promise<MempoolEntry> {
    const hash = tx.hashHex()
    if (this.#byHash.has(hash))
      throw new MempoolError(MempoolErrorCode.DUPLICATE, `transaction ${hash} is already pending`)
    this.#checkCapacity(tx)
    await this.#chain.idle?.()
    try {
      await this.#chain.checkTx(tx, { allowFutureNonce: true })
    } catch (e) {
      await this.#throwIfCommitted(tx)
      throw e
    }
    // Re-check what may have changed while checkTx awaited.
    if (this.#byHash.has(hash))
      throw new MempoolError(MempoolErrorCode.DUPLICATE, `transaction ${hash} is already pending`)
    this.#checkCapacity(tx)
    const sender = toHex(tx.sender)
    let queue = this.#bySender.get(sender)
    if (queue === undefined) {
      queue = { nextNonce: await this.#chain.nonceOf(tx.sender), txs: new Map() }
      const again = this.#bySender.get(sender)
      if (again !== undefined) queue = again
      else this.#bySender.set(sender, queue)
    }
    if (tx.nonce < queue.nextNonce) {
      await this.#throwIfCommitted(tx)
      throw new TxError(TxErrorCode.BAD_NONCE, `nonce ${tx.nonce} already used; next is ${queue.nextNonce}`)
    }
    const taken = queue.txs.get(tx.nonce)
    // The same transaction may have arrived by gossip while this admission awaited.
    if (taken?.hash === hash)
      throw new MempoolError(MempoolErrorCode.DUPLICATE, `transaction ${hash} is already pending`)
    if (taken !== undefined)
      throw new MempoolError(
        MempoolErrorCode.NONCE_TAKEN,
        `nonce ${tx.nonce} is taken by pending transaction ${taken.hash}`,
      )
    if (tx.nonce > queue.nextNonce + this.#opts.maxNonceGap)
      throw new MempoolError(
        MempoolErrorCode.NONCE_TOO_FAR,
        `nonce ${tx.nonce} is more than ${this.#opts.maxNonceGap} ahead of ${queue.nextNonce}`,
      )
    if (queue.txs.size >= this.#opts.maxPerSender)
      throw new MempoolError(
        MempoolErrorCode.SENDER_FULL,
        `sender has ${queue.txs.size} pending transactions`,
      )
    const entry: MempoolEntry = {
      tx,
      hash,
      size: tx.serialize().length,
      seq: this.#seq++,
      admittedAtMs: this.#now(),
      source,
    }
    queue.txs.set(tx.nonce, entry)
    this.#byHash.set(hash, entry)
    this.#bytes += entry.size
    this.#rejected.delete(hash)
    return entry
  }

  /**
   * A committed transaction always fails admission (its nonce is used), so the block-store
   * lookup runs only then, to name the reason — not once per admission (it was the node's
   * largest cost per transaction under load: a LevelDB read that nearly always misses).
   */
  async #throwIfCommitted(tx: Transaction): Promise<void> {
    if (await this.#chain.isCommitted(tx.hash()))
      throw new MempoolError(
        MempoolErrorCode.ALREADY_COMMITTED,
        `transaction ${tx.hashHex()} is already committed`,
      )
  }

  /**
   * Of `txs`, those that `add` would not refuse before `checkTx`: not pending, and within the
   * pool's room (taken in order). Work done for a whole batch ahead of `add` (its signatures,
   * verified together) is then not spent on transactions about to be refused for it.
   */
  admissible(txs: readonly Transaction[]): Transaction[] {
    let room = this.#opts.maxTxs - this.#byHash.size
    let bytes = this.#opts.maxBytes - this.#bytes
    const out: Transaction[] = []
    for (const tx of txs) {
      if (this.#byHash.has(tx.hashHex())) continue
      const size = tx.serialize().length
      if (room <= 0 || size > bytes) break
      room--
      bytes -= size
      out.push(tx)
    }
    return out
  }

  #checkCapacity(tx: Transaction): void {
    if (this.#byHash.size >= this.#opts.maxTxs || this.#bytes + tx.serialize().length > this.#opts.maxBytes) {
      throw new MempoolError(
        MempoolErrorCode.FULL,
        `mempool is full (${this.#byHash.size} transactions, ${this.#bytes} bytes); retry later`,
      )
    }
  }

  /**
   * How many transactions a block could take now (what `reap` would return, without its
   * limits), counting no further than `atMost`: a transaction waiting behind a nonce gap is
   * pending but not ready.
   */
  countReady(atMost: number): number {
    let count = 0
    for (const queue of this.#bySender.values()) {
      for (let n = queue.nextNonce; count < atMost && queue.txs.has(n); n++) count++
      if (count >= atMost) break
    }
    return count
  }

  /**
   * Transactions for the next block: per sender the consecutive nonces from its committed
   * nonce, ordered by arrival (a transaction never precedes an earlier nonce of its sender).
   */
  reap(maxTxs: number, maxBytes: number): Transaction[] {
    const ready: { entry: MempoolEntry; key: number }[] = []
    for (const queue of this.#bySender.values()) {
      let key = -1
      for (let n = queue.nextNonce; ; n++) {
        const e = queue.txs.get(n)
        if (e === undefined) break
        key = Math.max(key, e.seq)
        ready.push({ entry: e, key })
      }
    }
    // Equal keys only occur within one sender's run: keep its nonce order.
    ready.sort((a, b) => a.key - b.key || a.entry.tx.nonce - b.entry.tx.nonce)
    const out: Transaction[] = []
    let bytes = 0
    for (const { entry } of ready) {
      if (out.length >= maxTxs || bytes + entry.size > maxBytes) break
      out.push(entry.tx)
      bytes += entry.size
    }
    return out
  }

  /**
   * After a commit, synchronously: drop the committed transactions and advance their senders'
   * next nonce, so that `reap` is right at once. The re-check against the new state
   * (`recheck`) runs in the background, off the consensus path.
   */
  removeCommitted(committed: readonly Transaction[]): void {
    for (const tx of committed) {
      this.#remove(tx.hashHex())
      const queue = this.#bySender.get(toHex(tx.sender))
      if (queue !== undefined && queue.nextNonce <= tx.nonce) queue.nextNonce = tx.nonce + 1
    }
  }

  /**
   * Re-checks every pending transaction against the committed state (nonce, expiry, the
   * application's rules); failures leave the pool as `rejected`. Calls made while one runs are
   * folded into one more pass.
   */
  recheck(): Promise<void> {
    if (this.#rechecking !== undefined) {
      this.#recheckAgain = true
      return this.#rechecking
    }
    this.#rechecking = (async () => {
      do {
        this.#recheckAgain = false
        await this.#recheckOnce()
      } while (this.#recheckAgain)
    })().finally(() => {
      this.#rechecking = undefined
    })
    return this.#rechecking
  }

  async #recheckOnce(): Promise<void> {
    const yielder = new Yielder()
    for (const [sender, queue] of [...this.#bySender]) {
      const first = queue.txs.values().next().value
      if (first === undefined) continue
      await yielder.maybeYield()
      const committedNonce = await this.#chain.nonceOf(first.tx.sender)
      const q = this.#bySender.get(sender)
      if (q !== undefined && q.nextNonce < committedNonce) q.nextNonce = committedNonce
    }
    let fullChecks = this.#opts.recheckTxs
    for (const entry of [...this.#byHash.values()]) {
      if (!this.#byHash.has(entry.hash)) continue
      await yielder.maybeYield()
      try {
        const queue = this.#bySender.get(toHex(entry.tx.sender))
        if (queue !== undefined && entry.tx.nonce < queue.nextNonce)
          throw new TxError(TxErrorCode.BAD_NONCE, `nonce ${entry.tx.nonce} was used by another transaction`)
        if (fullChecks <= 0) continue
        fullChecks--
        await this.#chain.idle?.()
        await this.#chain.checkTx(entry.tx, { allowFutureNonce: true })
      } catch (e) {
        if (!this.#byHash.has(entry.hash)) continue
        this.#remove(entry.hash)
        this.reject(
          entry.hash,
          isGovchainError(e) ? e : new MempoolError(MempoolErrorCode.EVICTED, String(e)),
        )
      }
    }
  }

  /** removeCommitted, then the re-check (awaited): for tests and callers off the hot path. */
  async update(committed: readonly Transaction[]): Promise<void> {
    this.removeCommitted(committed)
    await this.recheck()
  }

  /**
   * Pending transactions to offer to peers again: transaction gossip is fire-once, and a batch
   * lost under overload would leave a transaction (and every later nonce of its sender, on the
   * nodes that have those) with this node alone, never proposed by the others. Returns those
   * admitted — or last returned here — at least `afterMs` ago, in arrival order, at most `max`,
   * and marks them offered now.
   */
  dueForRegossip(afterMs: number, max: number): Transaction[] {
    const now = this.#now()
    const out: Transaction[] = []
    if (max <= 0) return out
    for (const e of this.#byHash.values()) {
      const last = this.#offeredAt.get(e.hash) ?? e.admittedAtMs
      if (now - last < afterMs) continue
      this.#offeredAt.set(e.hash, now)
      out.push(e.tx)
      if (out.length >= max) break
    }
    return out
  }

  /** Records a rejection (for status queries) and tells the listener. */
  reject(hash: string, error: GovchainError): void {
    if (this.#rejected.size >= this.#opts.rejectedMemory) {
      const oldest = this.#rejected.keys().next().value
      if (oldest !== undefined) this.#rejected.delete(oldest)
    }
    this.#rejected.set(hash, { hash, error: { code: error.code, message: error.message } })
    this.#listener.onRejected?.(hash, error)
  }

  /** Removes a transaction that a proposal of ours dropped as invalid. */
  drop(hash: string, error: GovchainError): void {
    if (!this.#byHash.has(hash)) return
    this.#remove(hash)
    this.reject(hash, error)
  }

  #remove(hash: string): void {
    const e = this.#byHash.get(hash)
    if (e === undefined) return
    this.#byHash.delete(hash)
    this.#offeredAt.delete(hash)
    this.#bytes -= e.size
    const sender = toHex(e.tx.sender)
    const queue = this.#bySender.get(sender)
    if (queue !== undefined) {
      if (queue.txs.get(e.tx.nonce)?.hash === hash) queue.txs.delete(e.tx.nonce)
      if (queue.txs.size === 0) this.#bySender.delete(sender)
    }
    this.#listener.onRemoved?.(e)
  }
}

/** Longest stretch the re-check runs without letting the event loop turn. */
const RECHECK_SLICE_MS = 5

/**
 * Lets the event loop turn every few milliseconds. The chain's reads may complete synchronously
 * (cached, or LevelDB's synchronous read): a re-check of thousands of pending transactions is
 * then one chain of microtasks that would hold votes, timers and I/O for a second or more.
 */
class Yielder {
  #since = performance.now()

  async maybeYield(): Promise<void> {
    if (performance.now() - this.#since < RECHECK_SLICE_MS) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.#since = performance.now()
  }
}
