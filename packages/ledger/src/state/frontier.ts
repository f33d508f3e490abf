/**
 * The frontier: how the state tree stores its levels above the frontier depth (the top of the
 * tree, always in memory). They are not stored as pages. Every block rewrote most of them, and
 * measured on LevelDB (300,000 changes in blocks of 200, 420,000 keys) those pages were 65 % of
 * the bytes the tree wrote. Instead there is one record per non-empty position at the frontier
 * depth, that is per path prefix of `depth` bits:
 *
 *   key   = Bucket.stateFrontier ‖ depth (1 byte) ‖ the prefix (⌈depth / 8⌉ bytes, low bits zero)
 *   value = 0x00 ‖ path(32) ‖ valueHash(32)  one key under the prefix: its leaf (the leaf record,
 *                                             wherever the leaf sits above the frontier)
 *         | 0x01 ‖ hash(32)                  two or more: the internal node at the frontier
 *                                             depth, the top of a stored page (node-codec.ts)
 *
 * A position's record depends only on the keys under its prefix, so a block rewrites exactly
 * the positions its changes fall in, in its commit batch. Opening the tree reads the records
 * and rebuilds the levels above (one hash per internal node), which also checks them against
 * the committed root.
 */
import { HASH_LENGTH } from '../params.js'
import { Bucket, bucketEnd } from '../storage/buckets.js'
import type { KvStore } from '../storage/kv.js'
import { collapsedSide, EMPTY_SIDE, LEAF_RECORD_LENGTH, NodeKind, TreeNode, type Side } from './node-codec.js'
import { pathBit } from './proof.js'
import { StateError, StateErrorCode } from './state-error.js'

const LEAF_TAG = 0x00
const INTERNAL_TAG = 0x01
export const INTERNAL_VALUE_LENGTH = 1 + HASH_LENGTH

/** One frontier record: a leaf (path, value hash) or the hash of an internal node. */
export type FrontierEntry =
  | { readonly kind: typeof NodeKind.leaf; readonly path: Uint8Array; readonly valueHash: Uint8Array }
  | { readonly kind: typeof NodeKind.internal; readonly path: Uint8Array; readonly hash: Uint8Array }

function prefixLength(depth: number): number {
  return (depth + 7) >> 3
}

/** Bytes of a frontier key at `depth`: bucket, depth, path prefix. */
export function frontierKeyLength(depth: number): number {
  return 2 + prefixLength(depth)
}

/** Writes the key of the position of `path` (any path under it) at `depth` into `key`. */
export function frontierKeyInto(key: Uint8Array, depth: number, path: Uint8Array): Uint8Array {
  const n = prefixLength(depth)
  key[0] = Bucket.stateFrontier
  key[1] = depth
  for (let i = 0; i < n; i++) key[2 + i] = path[i]!
  const spare = n * 8 - depth
  if (spare > 0) key[1 + n]! &= 0xff << spare
  return key
}

/** Whether `path` lies under the position of frontier key `key`. */
export function isUnderKey(path: Uint8Array, key: Uint8Array): boolean {
  const depth = key[1]!
  for (let i = 0; i < depth >> 3; i++) if (path[i] !== key[2 + i]) return false
  const spare = depth & 7
  if (spare === 0) return true
  const mask = 0xff << (8 - spare)
  return (path[depth >> 3]! & mask) === key[2 + (depth >> 3)]
}

/** Writes a leaf record into `out` (LEAF_RECORD_LENGTH bytes). */
export function leafRecordInto(out: Uint8Array, path: Uint8Array, valueHash: Uint8Array): Uint8Array {
  out[0] = LEAF_TAG
  out.set(path, 1)
  out.set(valueHash, 1 + HASH_LENGTH)
  return out
}

/** Writes an internal record into `out` (INTERNAL_VALUE_LENGTH bytes). */
export function internalRecordInto(out: Uint8Array, hash: Uint8Array): Uint8Array {
  out[0] = INTERNAL_TAG
  out.set(hash, 1)
  return out
}

function corrupt(why: string): StateError {
  return new StateError(StateErrorCode.CORRUPT_NODE, `state frontier: ${why}`)
}

/**
 * Reads every frontier record, in position order, and their depth (undefined when there are
 * none: the empty tree). Throws CORRUPT_NODE for a record that is not exactly well formed.
 */
export async function readFrontier(
  store: KvStore,
): Promise<{ depth: number | undefined; entries: FrontierEntry[] }> {
  const entries: FrontierEntry[] = []
  let depth: number | undefined
  const range = { gte: new Uint8Array([Bucket.stateFrontier]), lt: bucketEnd(Bucket.stateFrontier) }
  for await (const [key, value] of store.range(range)) {
    const d = key[1]
    if (d === undefined || d === 0 || d > 8 * HASH_LENGTH || key.length !== 2 + prefixLength(d))
      throw corrupt(`bad key of ${key.length} bytes`)
    if (depth === undefined) depth = d
    else if (d !== depth) throw corrupt(`records at depths ${depth} and ${d}`)
    const prefix = key.subarray(2)
    const spare = prefix.length * 8 - d
    if (spare > 0 && (prefix[prefix.length - 1]! & ((1 << spare) - 1)) !== 0)
      throw corrupt('key bits below its depth')
    if (value[0] === LEAF_TAG && value.length === LEAF_RECORD_LENGTH) {
      const path = value.slice(1, 1 + HASH_LENGTH)
      if (!isUnderKey(path, key)) throw corrupt('a leaf outside its position')
      entries.push({ kind: NodeKind.leaf, path, valueHash: value.slice(1 + HASH_LENGTH) })
    } else if (value[0] === INTERNAL_TAG && value.length === INTERNAL_VALUE_LENGTH) {
      const path = new Uint8Array(HASH_LENGTH)
      path.set(prefix)
      entries.push({ kind: NodeKind.internal, path, hash: value.slice(1) })
    } else {
      throw corrupt(`bad record of ${value.length} bytes`)
    }
  }
  return { depth, entries }
}

/**
 * The levels above `depth` built from its frontier records (sorted by position, as read): the
 * root, null for no records. Internal nodes at `depth` are left to be read (their parents hold
 * only their hashes); leaves are in memory, collapsed upwards as far as they are alone.
 */
export function buildTop(entries: readonly FrontierEntry[], depth: number): TreeNode | null {
  const root = build(entries, 0, entries.length, 0, depth)
  return root.kind === NodeKind.empty ? null : root.node!
}

function build(entries: readonly FrontierEntry[], lo: number, hi: number, d: number, depth: number): Side {
  if (lo === hi) return EMPTY_SIDE
  const first = entries[lo]!
  if (hi - lo === 1 && first.kind === NodeKind.leaf) {
    const node = TreeNode.leaf(first.path, first.valueHash)
    return { hash: node.hash, kind: NodeKind.leaf, node }
  }
  if (d === depth) {
    // Positions are distinct keys, so only one record reaches a position.
    if (first.kind !== NodeKind.internal) throw corrupt('two records at one position')
    return { hash: first.hash, kind: NodeKind.internal, node: undefined }
  }
  let split = lo
  let end = hi
  while (split < end) {
    const mid = (split + end) >>> 1
    if (pathBit(entries[mid]!.path, d) === 0) split = mid + 1
    else end = mid
  }
  const left = build(entries, lo, split, d + 1, depth)
  const right = build(entries, split, hi, d + 1, depth)
  const lone = collapsedSide(left, right)
  if (lone !== undefined) return lone
  const node = TreeNode.internal(left.hash, left.kind, right.hash, right.kind)
  node.left = left.node
  node.right = right.node
  return { hash: node.hash, kind: NodeKind.internal, node }
}
