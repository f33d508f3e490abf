/**
 * The transactions this node acknowledged from its API (`202`), kept on disk until they commit
 * or the mempool lets them go. A node killed with -9 admits them again at its next start and
 * offers them to its peers, so an acknowledged transaction is not lost with the process that
 * acknowledged it, and the sender's later transactions, held by the other nodes, do not wait
 * behind a nonce that nobody has any more. Only API admissions are recorded: gossiped
 * transactions are journaled by the node that acknowledged them.
 *
 * An append-only file (`HOME/mempool.journal`) written with a plain synchronous `write()`: once it
 * returns, the record is the kernel's and survives the process (kill -9, a crash), though not the
 * machine (no fsync: a synced write per acknowledgement would cost tens of milliseconds under
 * load). Not a LevelDB bucket: there every answer would wait for an asynchronous write through
 * libuv's thread pool, queued behind the block commits' synced batches, where this costs a few
 * microseconds on the calling thread (a first version did; single-request runs on the 2-core
 * devnet could not tell the two apart from their noise: docs/bench.md, stop 23).
 *
 * Records: `[kind u8][length u32 BE][payload]`, kind 1 a transaction's bytes, kind 2 the hash of
 * one that left. Reopening keeps the live transactions and rewrites the file with them alone (a
 * temp file renamed over it); so does the node when the file grows to four times its live bytes
 * (at least 8 MiB). A record cut short at the end (power loss) is ignored.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { createTxFromBytes, toHex, type Transaction } from '@govchain/ledger'
import { ApiError, ApiErrorCode } from './errors.js'

const KIND_TX = 1
const KIND_GONE = 2
const HEADER_BYTES = 5
const HASH_BYTES = 32
const MIN_COMPACT_BYTES = 8 * 1024 * 1024

export type JournalReplay = {
  /** The live transactions, each sender's in nonce order (the order the mempool admits them). */
  readonly txs: Transaction[]
  /** Records that did not decode (a damaged file, a larger `maxTxBytes` then): dropped. */
  readonly unreadable: number
}

export class MempoolJournal {
  readonly #path: string
  #fd: number
  /** Live records: hex hash → transaction bytes. */
  readonly #live = new Map<string, Uint8Array>()
  #liveBytes = 0
  #fileBytes = 0
  #gone: Uint8Array[] = []
  #flushScheduled = false

  private constructor(path: string, fd: number) {
    this.#path = path
    this.#fd = fd
  }

  /**
   * Opens the journal at `path` (created if missing), reads what it holds and rewrites it with the
   * live transactions alone.
   */
  static open(path: string, maxTxBytes: number): { journal: MempoolJournal; replay: JournalReplay } {
    const { live, unreadable } = readRecords(path, maxTxBytes)
    const journal = new MempoolJournal(path, -1)
    for (const tx of live.values()) journal.#keep(tx)
    journal.#fd = journal.#rewrite()
    const keyed = [...live.values()].map((tx) => ({ tx, sender: toHex(tx.sender) }))
    keyed.sort((a, b) => (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : a.tx.nonce - b.tx.nonce))
    return { journal, replay: { txs: keyed.map((k) => k.tx), unreadable } }
  }

  /** Transactions recorded and not forgotten. */
  get size(): number {
    return this.#live.size
  }

  /** Records admitted transactions: on return, a kill -9 no longer loses them. */
  record(txs: readonly Transaction[]): void {
    if (txs.length === 0) return
    const parts: Uint8Array[] = []
    for (const tx of txs) {
      if (this.#live.has(tx.hashHex())) continue
      this.#keep(tx)
      parts.push(frame(KIND_TX, tx.serialize()))
    }
    this.#append(parts)
  }

  /**
   * A transaction left the mempool (committed, refused on a re-check, dropped): marked gone if it
   * was recorded, with the others that left in the same turn of the event loop, in one write.
   */
  forget(tx: Transaction): void {
    const bytes = this.#live.get(tx.hashHex())
    if (bytes === undefined) return
    this.#live.delete(tx.hashHex())
    this.#liveBytes -= HEADER_BYTES + bytes.length
    this.#gone.push(tx.hash())
    if (this.#flushScheduled) return
    this.#flushScheduled = true
    setImmediate(() => this.flush())
  }

  /** Writes the pending marks of transactions gone; compacts the file when it has grown. */
  flush(): void {
    this.#flushScheduled = false
    if (this.#fd < 0 || this.#gone.length === 0) return
    const gone = this.#gone
    this.#gone = []
    this.#append(gone.map((hash) => frame(KIND_GONE, hash)))
    if (this.#fileBytes > Math.max(MIN_COMPACT_BYTES, 4 * this.#liveBytes)) {
      // The new file first: if writing it fails, the old one stays open and complete.
      const fd = this.#rewrite()
      closeSync(this.#fd)
      this.#fd = fd
    }
  }

  close(): void {
    if (this.#fd < 0) return
    this.flush()
    closeSync(this.#fd)
    this.#fd = -1
  }

  #keep(tx: Transaction): void {
    const bytes = tx.serialize()
    this.#live.set(tx.hashHex(), bytes)
    this.#liveBytes += HEADER_BYTES + bytes.length
  }

  #append(parts: readonly Uint8Array[]): void {
    if (parts.length === 0) return
    if (this.#fd < 0)
      throw new ApiError(ApiErrorCode.UNAVAILABLE, 'node is stopping: its mempool journal is closed')
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    writeAll(this.#fd, buf)
    this.#fileBytes += buf.length
  }

  /** Writes the live records to a temp file, renames it over the journal; returns an append fd. */
  #rewrite(): number {
    const tmp = `${this.#path}.tmp`
    const buf = Buffer.concat([...this.#live.values()].map((bytes) => frame(KIND_TX, bytes)))
    const fd = openSync(tmp, 'w')
    try {
      writeAll(fd, buf)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.#path)
    const appendFd = openSync(this.#path, 'a')
    this.#fileBytes = buf.length
    return appendFd
  }
}

/** `writeSync` until all of `buf` is written (a write may take only part of it). */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
}

function frame(kind: number, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  out[0] = kind
  out.writeUInt32BE(payload.length, 1)
  out.set(payload, HEADER_BYTES)
  return out
}

/** The journal's live transactions by hex hash, and how many records did not decode. */
function readRecords(
  path: string,
  maxTxBytes: number,
): { live: Map<string, Transaction>; unreadable: number } {
  const live = new Map<string, Transaction>()
  let unreadable = 0
  if (!existsSync(path)) return { live, unreadable }
  const buf = readFileSync(path)
  let off = 0
  while (off + HEADER_BYTES <= buf.length) {
    const kind = buf[off]!
    const length = buf.readUInt32BE(off + 1)
    const end = off + HEADER_BYTES + length
    if (end > buf.length) break // cut short: the write that was under way when power went
    const payload = buf.subarray(off + HEADER_BYTES, end)
    off = end
    if (kind === KIND_GONE && length === HASH_BYTES) {
      live.delete(toHex(payload))
      continue
    }
    if (kind !== KIND_TX) {
      unreadable++
      continue
    }
    try {
      // A copy: the transaction keeps views into its bytes, and the file's buffer is large.
      const tx = createTxFromBytes(new Uint8Array(payload), maxTxBytes)
      live.set(tx.hashHex(), tx)
    } catch {
      unreadable++
    }
  }
  return { live, unreadable }
}
