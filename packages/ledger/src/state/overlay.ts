/**
 * Copy-on-write views of the state used while executing a block: a block overlay over the
 * committed state whose writes of one transaction can be undone (`begin` / `keep` / `rollback`:
 * kept on success, undone on failure), child overlays, and the application's namespaced view.
 */
import { byteString, Slab } from '../bytes.js'
import type { StateWriter } from '../application.js'
import { isPending, readNow, type StateChange, type StateRead, type StateReader } from './types.js'

const NO_PREFIX = new Uint8Array(0)

/**
 * Map ids of keys (one char per byte of `prefix ‖ key`), reused when a key was seen recently: a
 * block reads the same accounts, members, nonces and config again and again, and a hit (checked
 * byte by byte) allocates nothing. Any equal string is the same id, so reuse changes no result.
 */
const ID_MAX = 128
const ID_SLOTS = 8192
const ids: string[] = new Array<string>(ID_SLOTS).fill('')
const idCodes = new Uint16Array(ID_MAX)
const idViews = Array.from({ length: ID_MAX + 1 }, (_, n) => idCodes.subarray(0, n))

function keyId(prefix: Uint8Array, key: Uint8Array): string {
  const p = prefix.length
  const n = p + key.length
  if (n > ID_MAX) return byteString(p === 0 ? key : prefixed(prefix, key))
  let hash = n
  for (let i = 0; i < p; i++) hash = Math.imul(hash ^ prefix[i]!, 0x01000193)
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key[i]!, 0x01000193)
  const slot = (hash ^ (hash >>> 15)) & (ID_SLOTS - 1)
  const known = ids[slot]!
  if (known.length === n && sameId(known, prefix, key)) return known
  for (let i = 0; i < p; i++) idCodes[i] = prefix[i]!
  for (let i = 0; i < key.length; i++) idCodes[p + i] = key[i]!
  const id = String.fromCharCode.apply(null, idViews[n] as unknown as number[])
  ids[slot] = id
  return id
}

function sameId(id: string, prefix: Uint8Array, key: Uint8Array): boolean {
  const p = prefix.length
  for (let i = 0; i < p; i++) if (id.charCodeAt(i) !== prefix[i]) return false
  for (let i = 0; i < key.length; i++) if (id.charCodeAt(p + i) !== key[i]) return false
  return true
}

export class StateOverlay implements StateWriter {
  readonly #base: StateReader
  /**
   * Written values (null: deleted) by key id. The key bytes are rebuilt from the id in
   * `changes()`: a write keeps no array and no entry object of its own (a block rewrites some
   * keys, such as senders' nonces, many times).
   */
  readonly #writes = new Map<string, Uint8Array | null>()
  /**
   * Reads from the base, when cached: the value (null: absent) once known, the promise while a
   * read is in flight (handed out again as it is).
   */
  readonly #reads: Map<string, Uint8Array | null | Promise<Uint8Array | undefined>> | undefined
  /** Since `begin()`: each written key and the entry it replaced (undefined: none), in order. */
  readonly #journal: (string | Uint8Array | null | undefined)[] = []
  /** Whether a unit is open (its writes are journaled). */
  #inUnit = false

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
    return this.getPrefixed(NO_PREFIX, key)
  }

  getNow(key: Uint8Array): StateRead {
    return this.#getNow(keyId(NO_PREFIX, key), NO_PREFIX, key)
  }

  /** `get(prefix ‖ key)`; the joined key is built only if the base has to be read. */
  getPrefixed(prefix: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      const read = this.#getNow(keyId(prefix, key), prefix, key)
      return isPending(read) ? read : Promise.resolve(read)
    } catch (e) {
      return Promise.reject(e as Error)
    }
  }

  /** `getNow(prefix ‖ key)`; the joined key is built only if the base has to be read. */
  getNowPrefixed(prefix: Uint8Array, key: Uint8Array): StateRead {
    return this.#getNow(keyId(prefix, key), prefix, key)
  }

  #getNow(id: string, prefix: Uint8Array, key: Uint8Array): StateRead {
    const w = this.#writes.get(id)
    if (w !== undefined) return w ?? undefined
    const base = this.#base
    if (base instanceof StateOverlay) return base.#getNow(id, prefix, key)
    const reads = this.#reads
    if (reads === undefined) return readNow(base, prefix.length === 0 ? key : prefixed(prefix, key))
    const known = reads.get(id)
    if (known !== undefined) return known ?? undefined
    const read = readNow(base, prefix.length === 0 ? key : prefixed(prefix, key))
    if (isPending(read)) {
      reads.set(id, read)
      Promise.resolve(read).then(
        (value) => {
          if (reads.get(id) === read) reads.set(id, value ?? null)
        },
        // A failed read is not remembered (the next caller tries again).
        () => {
          if (reads.get(id) === read) reads.delete(id)
        },
      )
    } else {
      reads.set(id, read ?? null)
    }
    return read
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#write(keyId(NO_PREFIX, key), value)
  }

  delete(key: Uint8Array): void {
    this.#write(keyId(NO_PREFIX, key), null)
  }

  /** `set(prefix ‖ key, value)` without joining the key. */
  setPrefixed(prefix: Uint8Array, key: Uint8Array, value: Uint8Array): void {
    this.#write(keyId(prefix, key), value)
  }

  /** `delete(prefix ‖ key)` without joining the key. */
  deletePrefixed(prefix: Uint8Array, key: Uint8Array): void {
    this.#write(keyId(prefix, key), null)
  }

  #write(id: string, value: Uint8Array | null): void {
    if (this.#inUnit) this.#journal.push(id, this.#writes.get(id))
    this.#writes.set(id, value)
  }

  /**
   * Starts a unit of writes (one transaction) that `rollback` undoes and `keep` keeps: what a
   * child overlay merged on success does, without copying the writes. Units do not nest.
   */
  begin(): void {
    // One journal array for all units, emptied between them (one per transaction was garbage).
    this.#journal.length = 0
    this.#inUnit = true
  }

  /** Keeps the writes made since `begin`. */
  keep(): void {
    this.#journal.length = 0
    this.#inUnit = false
  }

  /** Undoes the writes made since `begin`. */
  rollback(): void {
    if (!this.#inUnit) return
    const journal = this.#journal
    for (let i = journal.length - 2; i >= 0; i -= 2) {
      const id = journal[i] as string
      const previous = journal[i + 1] as Uint8Array | null | undefined
      if (previous === undefined) this.#writes.delete(id)
      else this.#writes.set(id, previous)
    }
    journal.length = 0
    this.#inUnit = false
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
    // By id: one char per byte, so the default (UTF-16 code unit) order of the ids is the
    // bytewise order of the keys, shorter first on a common prefix — compareBytes, done natively.
    const ids = [...this.#writes.keys()].sort()
    const out = new Array<StateChange>(ids.length)
    const keys = new Slab() // the block's keys live as long as its changes
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      const key = keys.take(id.length)
      for (let k = 0; k < id.length; k++) key[k] = id.charCodeAt(k)
      out[i] = { key, value: this.#writes.get(id)! }
    }
    return out
  }
}

/** `prefix ‖ key` in a fresh array. */
function prefixed(prefix: Uint8Array, key: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length + key.length)
  if (prefix.length === 1) out[0] = prefix[0]!
  else out.set(prefix)
  out.set(key, prefix.length)
  return out
}

/** A class rather than closures: one view per transaction is made while executing a block. */
class PrefixedWriter implements StateWriter {
  constructor(
    private readonly inner: StateWriter,
    private readonly prefix: Uint8Array,
  ) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const inner = this.inner
    if (inner instanceof StateOverlay) return inner.getPrefixed(this.prefix, key)
    return inner.get(prefixed(this.prefix, key))
  }

  getNow(key: Uint8Array): StateRead {
    const inner = this.inner
    if (inner instanceof StateOverlay) return inner.getNowPrefixed(this.prefix, key)
    return readNow(inner, prefixed(this.prefix, key))
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const inner = this.inner
    if (inner instanceof StateOverlay) inner.setPrefixed(this.prefix, key, value)
    else inner.set(prefixed(this.prefix, key), value)
  }

  delete(key: Uint8Array): void {
    const inner = this.inner
    if (inner instanceof StateOverlay) inner.deletePrefixed(this.prefix, key)
    else inner.delete(prefixed(this.prefix, key))
  }
}

class PrefixedReader implements StateReader {
  constructor(
    private readonly inner: StateReader,
    private readonly prefix: Uint8Array,
  ) {}

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.inner.get(prefixed(this.prefix, key))
  }

  getNow(key: Uint8Array): StateRead {
    return readNow(this.inner, prefixed(this.prefix, key))
  }
}

/** A view of a writer with every key prefixed (e.g. the application's namespace). */
export function prefixedWriter(inner: StateWriter, prefix: Uint8Array): StateWriter {
  return new PrefixedWriter(inner, prefix)
}

export function prefixedReader(inner: StateReader, prefix: Uint8Array): StateReader {
  return new PrefixedReader(inner, prefix)
}
