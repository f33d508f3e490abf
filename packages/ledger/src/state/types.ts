/**
 * The authenticated key-value state: its root is in every header, and it proves both that a
 * key holds a value (inclusion) and that a key holds nothing (non-inclusion).
 */
import type { StateProof } from './proof.js'

export type StateChange = { readonly key: Uint8Array; readonly value: Uint8Array | null }

export interface StateReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  /**
   * Optional: the value of `key` without waiting when it is at hand (a write, a cached read, a
   * synchronous store), else the promise `get` returns. Always agrees with `get`; block
   * execution uses it to skip a promise and a microtask per read (most reads are at hand).
   */
  getNow?(key: Uint8Array): StateRead
}

/** A state read that may complete without waiting (see `StateReader.getNow`). */
export type StateRead = Uint8Array | undefined | Promise<Uint8Array | undefined>

/** `state.getNow(key)` when the reader has it, else `state.get(key)`. */
export function readNow(state: StateReader, key: Uint8Array): StateRead {
  return state.getNow !== undefined ? state.getNow(key) : state.get(key)
}

/** Whether a read is still to complete (anything but bytes or undefined: also a foreign thenable). */
export function isPending(read: StateRead): read is Promise<Uint8Array | undefined> {
  return read !== undefined && !(read instanceof Uint8Array)
}

/** A raw write to the node's key-value database, part of a block's atomic commit batch. */
export type KvWrite =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array }

/**
 * A batch of writes as stores take it: iterable (more than once) with a known length — an array,
 * or a `KvWriteList` (storage/write-list.ts), which holds a large batch compactly.
 */
export type KvWrites = Iterable<KvWrite> & { readonly length: number }

/** The result of applying a block's state changes to the tree, not yet persisted. */
export type PreparedStateUpdate = {
  readonly baseRoot: Uint8Array
  readonly root: Uint8Array
  /**
   * Database writes that make `root` the committed state, for the batch that commits the block:
   * flat values and deletions of replaced pages (new pages are written by `prepare` itself,
   * unreachable until this batch; see sparse-merkle-tree.ts).
   */
  readonly writes: KvWrites
}

/** The committed authenticated state (implemented by the sparse Merkle tree). */
export interface StateTree extends StateReader {
  /** Root of the committed state. */
  root(): Uint8Array
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>
  /** Proof for `key` against the committed root (inclusion or non-inclusion). */
  prove(key: Uint8Array): Promise<StateProof>
  /**
   * Applies a block's changes (sorted, unique keys) as one batch. Nothing readable changes: new
   * tree pages may be written, but nothing reaches them until the update is committed.
   */
  prepare(changes: readonly StateChange[]): Promise<PreparedStateUpdate>
  /**
   * Writes for the batch that commits `committing`: deletions of what other prepared updates
   * wrote early (they can never be committed after it).
   */
  abandonedWrites?(committing: PreparedStateUpdate): KvWrite[]
  /** Makes a prepared update the committed state once its writes are in the database. */
  commit(update: PreparedStateUpdate): void
}
