/**
 * Stored form of the state tree (Bucket.stateNode) and its in-memory nodes.
 *
 * Node record: the first 65 bytes are exactly the node's hash preimage (see proof.ts):
 *   leaf     = 0x00 ‖ path(32) ‖ valueHash(32)
 *   internal = 0x01 ‖ left(32) ‖ right(32) ‖ childKinds(1)
 * so a record is checked by hashing it. `childKinds` (bit 0: left is a leaf, bit 1: right is a
 * leaf) is not hashed: it lets an update collapse a lone leaf upwards without reading it.
 * Empty subtrees (32 zero bytes) are never stored.
 *
 * Page: the unit of storage, keyed by the hash of its top node. Pages start at the root and at
 * every internal node whose depth is a multiple of PAGE_DEPTH; a page holds the records of its
 * top node and of every descendant down to (excluding) the next page tops, in pre-order (left
 * before right), leaves included. A page spans up to 4 binary levels (≤ 15 internal nodes), so
 * a path through a million keys is ~6 database records instead of ~21. Internal hashes are
 * stored (in the parent records), never recomputed when reading.
 */
import { toHex } from '../bytes.js'
import { sha256 } from '../crypto/index.js'
import { HASH_LENGTH } from '../params.js'
import { StateError, StateErrorCode } from './state-error.js'

export const LEAF_RECORD_LENGTH = 1 + 2 * HASH_LENGTH
export const INTERNAL_RECORD_LENGTH = 2 + 2 * HASH_LENGTH
const HASHED_LENGTH = 1 + 2 * HASH_LENGTH
const LEAF_TAG = 0x00
const INTERNAL_TAG = 0x01

export const NodeKind = { empty: 0, leaf: 1, internal: 2 } as const
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind]

export const PAGE_DEPTH = 4

/**
 * A node held in memory: the two 32-byte halves of its record as separate arrays (≤ 64 bytes,
 * so V8 keeps them on its heap: cheap to allocate and to collect) and the kinds in `flags`.
 * `left`/`right` point to the children when they are in memory too: always for children in the
 * same page; for a child page, only while it is cached or loaded for a batch. Never mutated
 * except for those two links, so versions of the tree share nodes.
 */
export class TreeNode {
  left: TreeNode | undefined = undefined
  right: TreeNode | undefined = undefined

  private constructor(
    readonly hash: Uint8Array,
    /** Bits 0–1: own kind; bits 2–3: left child kind; bits 4–5: right child kind. */
    readonly flags: number,
    /** Leaf: path. Internal: left child hash (zeros when empty). */
    readonly a: Uint8Array,
    /** Leaf: value hash. Internal: right child hash (zeros when empty). */
    readonly b: Uint8Array,
  ) {}

  static leaf(path: Uint8Array, valueHash: Uint8Array, hash = nodeHash(LEAF_TAG, path, valueHash)): TreeNode {
    return new TreeNode(hash, NodeKind.leaf, path, valueHash)
  }

  static internal(
    left: Uint8Array,
    leftKind: NodeKind,
    right: Uint8Array,
    rightKind: NodeKind,
    hash = nodeHash(INTERNAL_TAG, left, right),
  ): TreeNode {
    return new TreeNode(hash, NodeKind.internal | (leftKind << 2) | (rightKind << 4), left, right)
  }

  get isLeaf(): boolean {
    return (this.flags & 3) === NodeKind.leaf
  }

  get kind(): NodeKind {
    return (this.flags & 3) as NodeKind
  }

  childKind(side: number): NodeKind {
    return ((this.flags >> (2 + 2 * side)) & 3) as NodeKind
  }

  childHash(side: number): Uint8Array {
    return side === 0 ? this.a : this.b
  }

  child(side: number): TreeNode | undefined {
    return side === 0 ? this.left : this.right
  }

  setChild(side: number, node: TreeNode | undefined): void {
    if (side === 0) this.left = node
    else this.right = node
  }

  /** Whether child `side` (this node at `depth`) is stored in the same page. */
  isInPageChild(side: number, depth: number): boolean {
    const k = this.childKind(side)
    return k === NodeKind.leaf || (k === NodeKind.internal && (depth + 1) % PAGE_DEPTH !== 0)
  }
}

/** Whether a node of `kind` at `depth` is the top of its own page. */
export function isPageTop(depth: number, kind: NodeKind): boolean {
  return depth === 0 || (kind === NodeKind.internal && depth % PAGE_DEPTH === 0)
}

/**
 * SHA-256 copied into a fresh 32-byte array, which V8 keeps on its own heap. node:crypto returns
 * every digest in its own native buffer; holding many of those (the tree holds ~1 hash per key)
 * fragments native memory: measured here, RSS stayed 0.5–0.7 GB above the JS heap after
 * building 200k keys, and GC time dominated a batch.
 */
export function heapHash(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_LENGTH)
  out.set(sha256(data))
  return out
}

const scratch = new Uint8Array(HASHED_LENGTH)

/** H(tag ‖ a ‖ b): the leaf / internal node hash of proof.ts, without allocating the preimage. */
export function nodeHash(tag: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  scratch[0] = tag
  scratch.set(a, 1)
  scratch.set(b, 1 + HASH_LENGTH)
  return heapHash(scratch)
}

export function isZeroHash(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false
  return true
}

/**
 * Decodes the page stored under `hash` whose top is at `depth` into linked TreeNodes and
 * returns the top. Node fields are views into `page` unless `copy` (for pages kept in the
 * cache, so that a node outliving its page does not keep the whole page alive). Throws
 * CORRUPT_NODE unless the page is exactly well formed (and, with `verifyHashes`, every record
 * hashes to the hash its parent gives for it).
 */
export function decodePage(
  hash: Uint8Array,
  page: Uint8Array,
  depth: number,
  opts: { readonly verifyHashes: boolean; readonly copy: boolean },
): TreeNode {
  let offset = 0
  const corrupt = (why: string): StateError =>
    new StateError(StateErrorCode.CORRUPT_NODE, `state page ${toHex(hash)}: ${why}`, { hash: toHex(hash) })
  const half = (start: number): Uint8Array => {
    const v = page.subarray(start, start + HASH_LENGTH)
    return opts.copy ? v.slice() : v
  }
  const parse = (h: Uint8Array, d: number, expected: NodeKind | undefined): TreeNode => {
    const tag = page[offset]
    const length = tag === LEAF_TAG ? LEAF_RECORD_LENGTH : tag === INTERNAL_TAG ? INTERNAL_RECORD_LENGTH : -1
    if (length < 0 || offset + length > page.length) throw corrupt(`bad record at offset ${offset}`)
    const a = half(offset + 1)
    const b = half(offset + 1 + HASH_LENGTH)
    let node: TreeNode
    if (tag === LEAF_TAG) {
      if (expected !== undefined && expected !== NodeKind.leaf) throw corrupt(`wrong node kind at depth ${d}`)
      node = TreeNode.leaf(a, b, h)
    } else {
      if (expected !== undefined && expected !== NodeKind.internal)
        throw corrupt(`wrong node kind at depth ${d}`)
      const kinds = page[offset + HASHED_LENGTH]!
      if ((kinds & ~3) !== 0) throw corrupt(`bad child kinds at depth ${d}`)
      const kindOf = (hh: Uint8Array, isLeaf: number): NodeKind =>
        isZeroHash(hh) ? NodeKind.empty : isLeaf ? NodeKind.leaf : NodeKind.internal
      const lk = kindOf(a, kinds & 1)
      const rk = kindOf(b, kinds & 2)
      if (lk === NodeKind.empty && rk !== NodeKind.internal) throw corrupt(`uncollapsed node at depth ${d}`)
      if (rk === NodeKind.empty && lk === NodeKind.leaf) throw corrupt(`uncollapsed node at depth ${d}`)
      node = TreeNode.internal(a, lk, b, rk, h)
    }
    if (opts.verifyHashes && !sameHash(nodeHash(tag!, a, b), h)) throw corrupt(`hash mismatch at depth ${d}`)
    offset += length
    if (node.isLeaf) return node
    for (let side = 0; side < 2; side++) {
      if (node.isInPageChild(side, d))
        node.setChild(side, parse(node.childHash(side), d + 1, node.childKind(side)))
    }
    return node
  }
  const top = parse(hash, depth, depth === 0 ? undefined : NodeKind.internal)
  if (offset !== page.length) throw corrupt('trailing bytes')
  return top
}

/**
 * Encodes the pages whose tops are given (with their depths); their in-page descendants must be
 * linked. All pages are views into one buffer: one allocation per batch instead of one per page.
 */
export function encodePages(
  tops: readonly { readonly node: TreeNode; readonly depth: number }[],
): Uint8Array[] {
  const sizes = tops.map((t) => walkPage(t.node, t.depth, undefined, 0))
  const slab = new Uint8Array(sizes.reduce((a, b) => a + b, 0))
  let offset = 0
  return tops.map((t, i) => {
    walkPage(t.node, t.depth, slab, offset)
    const page = slab.subarray(offset, offset + sizes[i]!)
    offset += sizes[i]!
    return page
  })
}

/** Size of the page under `node`; writes it at `offset` into `out` when given. */
function walkPage(node: TreeNode, depth: number, out: Uint8Array | undefined, offset: number): number {
  const start = offset
  const walk = (n: TreeNode, d: number): void => {
    if (out !== undefined) {
      out[offset] = n.isLeaf ? LEAF_TAG : INTERNAL_TAG
      out.set(n.a, offset + 1)
      out.set(n.b, offset + 1 + HASH_LENGTH)
      if (!n.isLeaf) {
        out[offset + HASHED_LENGTH] =
          (n.childKind(0) === NodeKind.leaf ? 1 : 0) | (n.childKind(1) === NodeKind.leaf ? 2 : 0)
      }
    }
    offset += n.isLeaf ? LEAF_RECORD_LENGTH : INTERNAL_RECORD_LENGTH
    if (n.isLeaf) return
    for (let side = 0; side < 2; side++) {
      if (!n.isInPageChild(side, d)) continue
      const child = n.child(side)
      if (child === undefined) {
        const hex = toHex(n.childHash(side))
        throw new StateError(StateErrorCode.MISSING_NODE, `state node ${hex} is not in memory`, { hash: hex })
      }
      walk(child, d + 1)
    }
  }
  walk(node, depth)
  return offset - start
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_LENGTH; i++) if (a[i] !== b[i]) return false
  return true
}
