/**
 * A `SignatureBatchVerifier` that spreads a batch over a pool of worker threads (Node only).
 *
 * The main thread runs the pinned rule's cheap checks (lengths, R, S, acceptable public key:
 * crypto/verify.ts), cuts the remaining items into chunks and hands chunks to the least busy
 * worker, at most two in flight per worker so that a worker slowed by other load gets less. A
 * chunk is packed into one transferable buffer when it is sent, so only the chunks in flight hold
 * copies of their items (a 50,000-signature batch: ~4 of 16 chunks, not all ~17 MB). Workers
 * (crypto/verify-worker.js) make the OpenSSL call with their own cached key objects and send back
 * one byte per item. Verdicts come back in input order.
 *
 * Unlike node:crypto's callback `verify` on libuv's pool (`threadPoolVerifier`), this leaves
 * libuv's threads to LevelDB and keeps the main thread free while a block's signatures are
 * checked, so block validation can execute the block in the meantime (chain.ts).
 *
 * A worker that dies fails every batch it had work of (coded error `VERIFY_POOL_WORKER_FAILED`);
 * the next batch starts a replacement. `close()` ends the workers and fails what is pending.
 * Idle workers do not keep the process alive.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { passesChecksBeforeOpenssl, verify } from './crypto/verify.js'
import { GovchainError } from './errors.js'
import type { SignatureBatchVerifier, SignedItem } from './signatures.js'

export const VerifyPoolErrorCode = {
  WORKER_FAILED: 'VERIFY_POOL_WORKER_FAILED',
  CLOSED: 'VERIFY_POOL_CLOSED',
} as const
export type VerifyPoolErrorCode = (typeof VerifyPoolErrorCode)[keyof typeof VerifyPoolErrorCode]
export class VerifyPoolError extends GovchainError<VerifyPoolErrorCode> {}

export type VerifyPoolOptions = {
  /** Worker threads; default: the number of cores (`os.availableParallelism()`). */
  readonly threads?: number
  /** Batches this small are verified on the calling thread (a message round trip costs more). */
  readonly inlineBelow?: number
  /** Smallest chunk handed to one worker. */
  readonly minChunk?: number
  /**
   * Nice value of the worker threads (Linux; default 0, normal priority). A positive value makes
   * them yield the CPU to the validating thread, whose execution and state-root work is the
   * critical path of a block (about 5–10 % faster on an otherwise idle machine, measured), but on
   * a machine shared with other busy processes it starves them: one measurement under a load
   * average of 10 saw a 50,000-signature batch take 2.5× longer at nice 10.
   */
  readonly nice?: number
  /** The worker script (tests substitute a failing one). */
  readonly workerUrl?: URL
}

const DEFAULT_WORKER_URL = new URL('./crypto/verify-worker.js', import.meta.url)
const MAX_IN_FLIGHT = 2

type Batch = {
  readonly verdicts: boolean[]
  pending: number
  settled: boolean
  readonly resolve: (v: boolean[]) => void
  readonly reject: (e: Error) => void
}

/** Packed when sent (the caller keeps `items` unchanged until the batch settles). */
type Chunk = { readonly batch: Batch; readonly indices: Int32Array; readonly items: readonly SignedItem[] }

type Slot = {
  readonly worker: Worker
  /** Chunks sent and not answered, by message id. */
  readonly inFlight: Map<number, Chunk>
  dead: boolean
}

export class WorkerPoolVerifier implements SignatureBatchVerifier {
  readonly threads: number
  readonly #inlineBelow: number
  readonly #minChunk: number
  readonly #workerUrl: URL
  readonly #nice: number
  readonly #slots: Slot[] = []
  readonly #queue: Chunk[] = []
  #nextId = 0
  #closed = false

  constructor(opts: VerifyPoolOptions = {}) {
    this.threads = Math.max(1, opts.threads ?? availableParallelism())
    this.#inlineBelow = opts.inlineBelow ?? 8
    this.#minChunk = Math.max(1, opts.minChunk ?? 64)
    this.#workerUrl = opts.workerUrl ?? DEFAULT_WORKER_URL
    this.#nice = opts.nice ?? 0
  }

  /** Starts the workers now (otherwise on the first batch); a worker takes 30–45 ms to start. */
  warmUp(): void {
    if (!this.#closed) this.#fill()
  }

  verifyBatch(items: readonly SignedItem[]): Promise<boolean[]> {
    if (this.#closed) return Promise.reject(closedError())
    const verdicts = new Array<boolean>(items.length).fill(false)
    const todo: number[] = []
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!
      if (passesChecksBeforeOpenssl(it.publicKey, it.signature)) todo.push(i)
    }
    if (todo.length === 0) return Promise.resolve(verdicts)
    if (todo.length < this.#inlineBelow) {
      for (const i of todo) verdicts[i] = verify(items[i]!.publicKey, items[i]!.message, items[i]!.signature)
      return Promise.resolve(verdicts)
    }
    return new Promise<boolean[]>((resolve, reject) => {
      const batch: Batch = { verdicts, pending: 0, settled: false, resolve, reject }
      const size = Math.max(this.#minChunk, Math.ceil(todo.length / (this.threads * 8)))
      for (let start = 0; start < todo.length; start += size) {
        const indices = Int32Array.from(todo.slice(start, start + size))
        this.#queue.push({ batch, indices, items })
        batch.pending++
      }
      this.#fill()
      this.#dispatch()
    })
  }

  /** Ends the workers; pending and later batches fail with `VERIFY_POOL_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const error = closedError()
    for (const c of this.#queue.splice(0)) fail(c.batch, error)
    const slots = this.#slots.splice(0)
    for (const s of slots) {
      s.dead = true
      for (const c of s.inFlight.values()) fail(c.batch, error)
      s.inFlight.clear()
    }
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  /** Starts workers until there are `threads` live ones. */
  #fill(): void {
    while (this.#slots.length < this.threads) this.#slots.push(this.#spawn())
  }

  #spawn(): Slot {
    // Plain JavaScript: no loader flags (and none of the parent's, which may not apply to a worker).
    const worker = new Worker(this.#workerUrl, { execArgv: [], workerData: { nice: this.#nice } })
    const slot: Slot = { worker, inFlight: new Map(), dead: false }
    worker.unref()
    // The message also carries the chunk's buffer back (verify-worker.js); dropping it here lets
    // this thread's collector free it.
    worker.on('message', (msg: { id: number; verdicts: Uint8Array }) => this.#onResult(slot, msg))
    worker.on('error', (e) => this.#onDeath(slot, `signature worker failed: ${e.message}`))
    worker.on('exit', (code) => this.#onDeath(slot, `signature worker exited with code ${code}`))
    return slot
  }

  #onResult(slot: Slot, msg: { id: number; verdicts: Uint8Array }): void {
    const chunk = slot.inFlight.get(msg.id)
    if (chunk === undefined) return
    slot.inFlight.delete(msg.id)
    if (slot.inFlight.size === 0) slot.worker.unref()
    const { batch, indices } = chunk
    if (!batch.settled) {
      for (let k = 0; k < indices.length; k++) batch.verdicts[indices[k]!] = msg.verdicts[k] === 1
      if (--batch.pending === 0) {
        batch.settled = true
        batch.resolve(batch.verdicts)
      }
    }
    this.#dispatch()
  }

  #onDeath(slot: Slot, message: string): void {
    if (slot.dead) return
    slot.dead = true
    const i = this.#slots.indexOf(slot)
    if (i >= 0) this.#slots.splice(i, 1)
    const error = new VerifyPoolError(VerifyPoolErrorCode.WORKER_FAILED, message)
    for (const c of slot.inFlight.values()) fail(c.batch, error)
    slot.inFlight.clear()
    // Queued chunks of the failed batches are dropped; the others go to the live workers.
    for (let k = this.#queue.length - 1; k >= 0; k--)
      if (this.#queue[k]!.batch.settled) this.#queue.splice(k, 1)
    void slot.worker.terminate()
    if (this.#queue.length > 0 && !this.#closed) {
      this.#fill()
      this.#dispatch()
    }
  }

  /** Hands queued chunks to the least busy live workers. */
  #dispatch(): void {
    while (this.#queue.length > 0) {
      let best: Slot | undefined
      for (const s of this.#slots) {
        if (
          !s.dead &&
          s.inFlight.size < MAX_IN_FLIGHT &&
          (best === undefined || s.inFlight.size < best.inFlight.size)
        )
          best = s
      }
      if (best === undefined) return
      const chunk = this.#queue.shift()!
      if (chunk.batch.settled) continue
      const id = this.#nextId++
      best.inFlight.set(id, chunk)
      best.worker.ref()
      const buf = packSignedItems(chunk.items, chunk.indices)
      best.worker.postMessage({ id, buf, count: chunk.indices.length }, [buf])
    }
  }
}

function closedError(): VerifyPoolError {
  return new VerifyPoolError(VerifyPoolErrorCode.CLOSED, 'the signature pool is closed')
}

function fail(batch: Batch, error: Error): void {
  if (batch.settled) return
  batch.settled = true
  batch.reject(error)
}

/**
 * Items `indices` of `items` as one chunk for a worker (crypto/verify-batch.js): publicKey ‖
 * signature ‖ u32 LE message length ‖ message, per item, in one buffer.
 */
export function packSignedItems(items: readonly SignedItem[], indices: Int32Array): ArrayBuffer {
  let size = 0
  for (const i of indices) size += 100 + items[i]!.message.length
  const buf = new ArrayBuffer(size)
  const bytes = new Uint8Array(buf)
  const view = new DataView(buf)
  let at = 0
  for (const i of indices) {
    const it = items[i]!
    bytes.set(it.publicKey, at)
    bytes.set(it.signature, at + 32)
    view.setUint32(at + 96, it.message.length, true)
    bytes.set(it.message, at + 100)
    at += 100 + it.message.length
  }
  return buf
}

let shared: WorkerPoolVerifier | undefined

/**
 * The process-wide pool (one worker per core, started on the first batch of 8 or more
 * signatures), used by `Chain` unless it is given a verifier. Its idle workers do not keep the
 * process alive, so it needs no closing.
 */
export function sharedVerifyPool(): WorkerPoolVerifier {
  return (shared ??= new WorkerPoolVerifier())
}
