/**
 * Copy-on-write views of the state used while executing a block: a block overlay over the
 * committed state, a child overlay per transaction (merged on success, dropped on failure),
 * and the application's namespaced view.
 */
import { byteString as keyId, compareBytes } from '../bytes.js'
import type { StateWriter } from '../application.js'
import type { StateChange, StateReader } from './types.js'

export class StateOverlay implements StateWriter {
  readonly #base: StateReader
  readonly #writes = new Map<string, StateChange>()
  /** Reads from the base (settled promises, handed out again as they are), when cached. */
  readonly #reads: Map<string, Promise<Uint8Array | undefined>> | undefined

  /**
   * `cacheReads`: remember what the base returned, so that a key read by many transactions of a
   * block (an account, a member, the config) costs one database read. The base must not change
   * while the overlay is in use (true of the committed state during one block's execution).
   */
  constructor(base: StateReader, opts: { readonly cacheReads?: boolean } = {}) {
    this.#base = base
    this.#reads = opts.cacheReads ? new Map() : undefined
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#get(keyId(key), key)
  }

  #get(id: string, key: Uint8Array): Promise<Uint8Array | undefined> {
    const w = this.#writes.get(id)
    if (w !== undefined) return Promise.resolve(w.value ?? undefined)
    const base = this.#base
    if (base instanceof StateOverlay) return base.#get(id, key)
    const reads = this.#reads
    if (reads === undefined) return base.get(key)
    let read = reads.get(id)
    if (read === undefined) {
      read = base.get(key)
      reads.set(id, read)
      // A failed read is not remembered (the next caller tries again).
      read.catch(() => reads.delete(id))
    }
    return read
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#writes.set(keyId(key), { key, value })
  }

  delete(key: Uint8Array): void {
    this.#writes.set(keyId(key), { key, value: null })
  }

  /** A child overlay whose writes reach this one only through `merge`. */
  child(): StateOverlay {
    return new StateOverlay(this)
  }

  /** Applies a child's writes to this overlay. */
  merge(child: StateOverlay): void {
    for (const [k, v] of child.#writes) this.#writes.set(k, v)
  }

  get size(): number {
    return this.#writes.size
  }

  /** All writes, sorted by key (what the state tree takes as one batch). */
  changes(): StateChange[] {
    return [...this.#writes.values()].sort((a, b) => compareBytes(a.key, b.key))
  }
}

/** A view of a writer with every key prefixed (e.g. the application's namespace). */
export function prefixedWriter(inner: StateWriter, prefix: Uint8Array): StateWriter {
  const full = (key: Uint8Array) => {
    const out = new Uint8Array(prefix.length + key.length)
    out.set(prefix)
    out.set(key, prefix.length)
    return out
  }
  return {
    get: (key) => inner.get(full(key)),
    set: (key, value) => inner.set(full(key), value),
    delete: (key) => inner.delete(full(key)),
  }
}

export function prefixedReader(inner: StateReader, prefix: Uint8Array): StateReader {
  return {
    get: (key) => {
      const out = new Uint8Array(prefix.length + key.length)
      out.set(prefix)
      out.set(key, prefix.length)
      return inner.get(out)
    },
  }
}
