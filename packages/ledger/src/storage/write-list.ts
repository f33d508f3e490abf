/**
 * Database writes held compactly until they are written. A block's state update waits for its
 * commit certificate with ~140,000 writes at 50,000 transactions; as `KvWrite` objects each one
 * is an object and a key view (~150 bytes) besides its bytes. Here every key — and the value of
 * a `putCopy` — is copied back to back into one growing buffer, with two numbers per write to
 * find it. A `put` value is kept by reference to its buffer, its offset and length, not as a view
 * (it usually lives on anyway, in a buffer shared with the block's other values and receipts);
 * one of 64 bytes or less is copied (V8 may keep such an array on its heap, and asking for its
 * buffer would move it). Iterating makes one `KvWrite` at a time, which dies young.
 */
import type { KvWrite, KvWrites } from '../state/types.js'

const INITIAL_BYTES = 4096

export class KvWriteList implements Iterable<KvWrite> {
  #bytes = new Uint8Array(INITIAL_BYTES)
  #used = 0
  /** Per write: the end of its key, and the end of its copied value (= key end otherwise). */
  readonly #ends: number[] = []
  /** Per write: the buffer of a `put` value, null for a delete, undefined for a copied value. */
  readonly #values: (ArrayBufferLike | null | undefined)[] = []
  /** Per value kept by reference, in order: its offset in its buffer and its length. */
  readonly #refs: number[] = []
  /** Bit k set: a put whose key starts with byte k (a bucket) is in the list. */
  readonly #putFirstBytes = new Uint32Array(8)

  get length(): number {
    return this.#values.length
  }

  /** Whether a put of a key starting with `byte` (a bucket's keys) is in the list. */
  hasPutsStartingWith(byte: number): boolean {
    return (this.#putFirstBytes[byte >> 5]! & (1 << (byte & 31))) !== 0
  }

  /** A put of `value` (by reference if larger than 64 bytes) under `prefix ‖ key`. */
  put(key: Uint8Array, value: Uint8Array, prefix?: number): void {
    if (value.length <= 64) return this.putCopy(key, value, prefix)
    this.#markPut(key, prefix)
    this.#key(key, prefix)
    this.#ends.push(this.#used)
    this.#values.push(value.buffer)
    this.#refs.push(value.byteOffset, value.length)
  }

  /** A put whose value is copied too (for small values made only for this write). */
  putCopy(key: Uint8Array, value: Uint8Array, prefix?: number): void {
    this.#markPut(key, prefix)
    this.#key(key, prefix)
    this.#room(value.length)
    this.#bytes.set(value, this.#used)
    this.#used += value.length
    this.#ends.push(this.#used)
    this.#values.push(undefined)
  }

  /** A delete of `prefix ‖ key`. */
  del(key: Uint8Array, prefix?: number): void {
    this.#key(key, prefix)
    this.#ends.push(this.#used)
    this.#values.push(null)
  }

  /** Adds `w` (its key copied, a put's value by reference). */
  push(w: KvWrite): void {
    if (w.type === 'put') this.put(w.key, w.value)
    else this.del(w.key)
  }

  /** Adds each of `writes`, as `push`. */
  add(writes: Iterable<KvWrite>): void {
    for (const w of writes) this.push(w)
  }

  *[Symbol.iterator](): Iterator<KvWrite> {
    const ends = this.#ends
    const refs = this.#refs
    let start = 0
    let ref = 0
    for (let i = 0; i < this.#values.length; i++) {
      // Read on each step: the list may have grown (and moved) since the last one.
      const bytes = this.#bytes
      const keyEnd = ends[2 * i]!
      const end = ends[2 * i + 1]!
      const buffer = this.#values[i]
      const key = bytes.subarray(start, keyEnd)
      start = end
      if (buffer === null) yield { type: 'del', key }
      else if (buffer === undefined) yield { type: 'put', key, value: bytes.subarray(keyEnd, end) }
      else {
        yield { type: 'put', key, value: new Uint8Array(buffer, refs[ref]!, refs[ref + 1]!) }
        ref += 2
      }
    }
  }

  #markPut(key: Uint8Array, prefix: number | undefined): void {
    const first = prefix ?? key[0]
    if (first !== undefined) this.#putFirstBytes[first >> 5]! |= 1 << (first & 31)
  }

  #key(key: Uint8Array, prefix: number | undefined): void {
    const n = key.length + (prefix === undefined ? 0 : 1)
    this.#room(n)
    if (prefix !== undefined) this.#bytes[this.#used++] = prefix
    this.#bytes.set(key, this.#used)
    this.#used += key.length
    this.#ends.push(this.#used)
  }

  #room(n: number): void {
    if (this.#used + n <= this.#bytes.length) return
    const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#used + n))
    grown.set(this.#bytes.subarray(0, this.#used))
    this.#bytes = grown
  }
}

/** Several batches of writes as one, in order (no copy). */
export function joinWrites(...parts: readonly KvWrites[]): KvWrites {
  return {
    length: parts.reduce((n, p) => n + p.length, 0),
    *[Symbol.iterator]() {
      for (const part of parts) yield* part
    },
  }
}
