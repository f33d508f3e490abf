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
import { sha256Into } from '../crypto/index.js'
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

/** Flag of a node whose arrays may be views into a buffer shared by many nodes (see TreeNode). */
const TRANSIENT = 1 << 6

/**
 * A node held in memory: the two 32-byte halves of its record as separate arrays (≤ 64 bytes,
 * so V8 keeps them on its heap: cheap to allocate and to collect) and the kinds in `flags`.
 * `left`/`right` point to the children when they are in memory too: always for children in the
 * same page; for a child page, only while it is cached or loaded for a batch. Never mutated
 * except for those two links, so versions of the tree share nodes.
 *
 * A "transient" node's arrays may be views into a buffer shared with many other nodes (a page
 * read for one batch, or a batch's slab of hashes): fine for the nodes of one batch, but a node
 * kept in the cache must not pin such a buffer, so a transient leaf that lands in the cached
 * levels is copied first (`settled`). (Only leaves move between depths.)
 */
export class TreeNode {
  left: TreeNode | undefined = undefined
  right: TreeNode | undefined = undefined
  /**
   * For a node decoded in place from a page read for one batch: that page and the extent of
   * the node's records (its own and its in-page descendants'), which `encodePages` copies as
   * they are when the node is kept unchanged in a rewritten page. Undefined otherwise.
   */
  source: Uint8Array | undefined = undefined
  sourceStart = 0
  sourceEnd = 0
  /**
   * A node decoded in place gets views of its hash and halves only when they are read: most
   * nodes of a page read for a batch are never looked at, only copied as bytes. Its own record
   * starts at `sourceStart`; its hash is at `hashAt` (in its parent's record) unless given.
   */
  private hashAt = 0

  private constructor(
    private hashField: Uint8Array | undefined,
    /** Bits 0–1: own kind; bits 2–3: left child kind; bits 4–5: right child kind; TRANSIENT. */
    readonly flags: number,
    private aField: Uint8Array | undefined,
    private bField: Uint8Array | undefined,
  ) {}

  get hash(): Uint8Array {
    if (this.hashField === undefined) this.hashField = this.sourceView(this.hashAt)
    return this.hashField
  }

  /** Leaf: path. Internal: left child hash (zeros when empty). */
  get a(): Uint8Array {
    if (this.aField === undefined) this.aField = this.sourceView(this.sourceStart + 1)
    return this.aField
  }

  /** Leaf: value hash. Internal: right child hash (zeros when empty). */
  get b(): Uint8Array {
    if (this.bField === undefined) this.bField = this.sourceView(this.sourceStart + 1 + HASH_LENGTH)
    return this.bField
  }

  private sourceView(start: number): Uint8Array {
    return this.source!.subarray(start, start + HASH_LENGTH)
  }

  /**
   * A node decoded in place (transient): its record at `start` in `page`, its hash `hash` if
   * given, else at `hashAt` in `page`. The caller sets `sourceEnd`.
   */
  static inPage(
    flags: number,
    page: Uint8Array,
    start: number,
    hash: Uint8Array | undefined,
    hashAt: number,
  ): TreeNode {
    const node = new TreeNode(hash, flags | TRANSIENT, undefined, undefined)
    node.source = page
    node.sourceStart = start
    node.hashAt = hashAt
    return node
  }

  static leaf(
    path: Uint8Array,
    valueHash: Uint8Array,
    hash = nodeHash(LEAF_TAG, path, valueHash),
    transient = false,
  ): TreeNode {
    return new TreeNode(hash, NodeKind.leaf | (transient ? TRANSIENT : 0), path, valueHash)
  }

  /** A new leaf whose hash is written into `hash` (32 bytes), e.g. a view into a slab. */
  static leafInto(path: Uint8Array, valueHash: Uint8Array, hash: Uint8Array, transient: boolean): TreeNode {
    nodeHashInto(LEAF_TAG, path, valueHash, hash)
    return TreeNode.leaf(path, valueHash, hash, transient)
  }

  static internal(
    left: Uint8Array,
    leftKind: NodeKind,
    right: Uint8Array,
    rightKind: NodeKind,
    hash = nodeHash(INTERNAL_TAG, left, right),
    transient = false,
  ): TreeNode {
    const flags = NodeKind.internal | (leftKind << 2) | (rightKind << 4) | (transient ? TRANSIENT : 0)
    return new TreeNode(hash, flags, left, right)
  }

  /** A new internal node whose hash is written into `hash` (32 bytes). */
  static internalInto(
    left: Uint8Array,
    leftKind: NodeKind,
    right: Uint8Array,
    rightKind: NodeKind,
    hash: Uint8Array,
  ): TreeNode {
    nodeHashInto(INTERNAL_TAG, left, right, hash)
    return TreeNode.internal(left, leftKind, right, rightKind, hash)
  }

  /** Whether this node's arrays may be views into a shared buffer (see the class doc). */
  get isTransient(): boolean {
    return (this.flags & TRANSIENT) !== 0
  }

  /** This node, or for a transient leaf a copy that owns its arrays (to be kept in the cache). */
  settled(): TreeNode {
    if (!this.isTransient || !this.isLeaf) return this
    return TreeNode.leaf(this.a.slice(), this.b.slice(), this.hash.slice())
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

/** One side of an internal node: its hash and kind, and the node when it is in memory. */
export type Side = { readonly hash: Uint8Array; readonly kind: NodeKind; readonly node: TreeNode | undefined }
export const EMPTY_SIDE: Side = { hash: new Uint8Array(HASH_LENGTH), kind: NodeKind.empty, node: undefined }

/**
 * The compact tree's collapse rule for a node over `left` and `right`: the side that stands for
 * it when there is no node (a lone leaf moves up; two empty sides are empty), else undefined.
 */
export function collapsedSide(left: Side, right: Side): Side | undefined {
  if (left.kind === NodeKind.empty && right.kind !== NodeKind.internal) return right
  if (right.kind === NodeKind.empty && left.kind === NodeKind.leaf) return left
  return undefined
}

/** Whether a node of `kind` at `depth` is the top of its own page. */
export function isPageTop(depth: number, kind: NodeKind): boolean {
  return depth === 0 || (kind === NodeKind.internal && depth % PAGE_DEPTH === 0)
}

const scratch = new Uint8Array(HASHED_LENGTH)

/**
 * H(tag ‖ a ‖ b): the leaf / internal node hash of proof.ts, without allocating the preimage, in
 * a 32-byte array on V8's heap. (node:crypto returns every digest in its own native buffer;
 * holding many of those — the tree holds ~1 hash per key — fragmented native memory: measured
 * here, RSS stayed 0.5–0.7 GB above the JS heap after building 200k keys, and GC time dominated
 * a batch.)
 */
export function nodeHash(tag: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_LENGTH)
  nodeHashInto(tag, a, b, out)
  return out
}

/** nodeHash written into `out` (32 bytes). */
function nodeHashInto(tag: number, a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  scratch[0] = tag
  scratch.set(a, 1)
  scratch.set(b, 1 + HASH_LENGTH)
  sha256Into(scratch, out, 0)
}

export function isZeroHash(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false
  return true
}

/**
 * Decodes the page stored under `hash` whose top is at `depth` into linked TreeNodes and
 * returns the top. Node fields are views into `page` (made when first read) unless `copy` (for
 * pages kept in the cache, so that a node outliving its page does not keep the whole page
 * alive). Throws CORRUPT_NODE unless the page is exactly well formed (and, with `verifyHashes`,
 * every record hashes to the hash its parent gives for it).
 */
export function decodePage(
  hash: Uint8Array,
  page: Uint8Array,
  depth: number,
  opts: { readonly verifyHashes: boolean; readonly copy: boolean },
): TreeNode {
  // A cursor object and module-level functions rather than closures: pages are decoded by the
  // thousand per block, and each closure costs an allocation (and a helper call under tsx).
  const cursor: PageCursor = { hash, page, offset: 0, verifyHashes: opts.verifyHashes, copy: opts.copy }
  const top = parseRecord(cursor, hash, 0, depth, depth === 0 ? undefined : NodeKind.internal)
  if (cursor.offset !== page.length) throw corruptPage(cursor, 'trailing bytes')
  return top
}

type PageCursor = {
  readonly hash: Uint8Array
  readonly page: Uint8Array
  offset: number
  readonly verifyHashes: boolean
  readonly copy: boolean
}

function corruptPage(c: PageCursor, why: string): StateError {
  const hex = toHex(c.hash)
  return new StateError(StateErrorCode.CORRUPT_NODE, `state page ${hex}: ${why}`, { hash: hex })
}

function childKindAt(page: Uint8Array, start: number, isLeaf: number): NodeKind {
  for (let i = start; i < start + HASH_LENGTH; i++) {
    if (page[i] !== 0) return isLeaf ? NodeKind.leaf : NodeKind.internal
  }
  return NodeKind.empty
}

/**
 * Parses the record at the cursor and its in-page descendants. Its hash is `h`, or (decoding
 * in place, below the top) the 32 bytes at `hashAt` in the page.
 */
function parseRecord(
  c: PageCursor,
  h: Uint8Array | undefined,
  hashAt: number,
  d: number,
  expected: NodeKind | undefined,
): TreeNode {
  const { page } = c
  const offset = c.offset
  const tag = page[offset]
  const length = tag === LEAF_TAG ? LEAF_RECORD_LENGTH : tag === INTERNAL_TAG ? INTERNAL_RECORD_LENGTH : -1
  if (length < 0 || offset + length > page.length) throw corruptPage(c, `bad record at offset ${offset}`)
  let flags: number
  if (tag === LEAF_TAG) {
    if (expected !== undefined && expected !== NodeKind.leaf)
      throw corruptPage(c, `wrong node kind at depth ${d}`)
    flags = NodeKind.leaf
  } else {
    if (expected !== undefined && expected !== NodeKind.internal)
      throw corruptPage(c, `wrong node kind at depth ${d}`)
    const kinds = page[offset + HASHED_LENGTH]!
    if ((kinds & ~3) !== 0) throw corruptPage(c, `bad child kinds at depth ${d}`)
    const lk = childKindAt(page, offset + 1, kinds & 1)
    const rk = childKindAt(page, offset + 1 + HASH_LENGTH, kinds & 2)
    if (lk === NodeKind.empty && rk !== NodeKind.internal)
      throw corruptPage(c, `uncollapsed node at depth ${d}`)
    if (rk === NodeKind.empty && lk === NodeKind.leaf) throw corruptPage(c, `uncollapsed node at depth ${d}`)
    flags = NodeKind.internal | (lk << 2) | (rk << 4)
  }
  let node: TreeNode
  if (c.copy) {
    const a = page.slice(offset + 1, offset + 1 + HASH_LENGTH)
    const b = page.slice(offset + 1 + HASH_LENGTH, offset + HASHED_LENGTH)
    node =
      tag === LEAF_TAG
        ? TreeNode.leaf(a, b, h!)
        : TreeNode.internal(a, ((flags >> 2) & 3) as NodeKind, b, ((flags >> 4) & 3) as NodeKind, h!)
  } else {
    node = TreeNode.inPage(flags, page, offset, h, hashAt)
  }
  if (c.verifyHashes && !sameHash(nodeHash(tag!, node.a, node.b), node.hash))
    throw corruptPage(c, `hash mismatch at depth ${d}`)
  c.offset = offset + length
  if (tag === INTERNAL_TAG) {
    for (let side = 0; side < 2; side++) {
      if (!node.isInPageChild(side, d)) continue
      const childHashAt = offset + 1 + side * HASH_LENGTH
      // Copies: the child's hash is the parent's half (one array); in place: read when needed.
      const childHash = c.copy ? node.childHash(side) : undefined
      node.setChild(side, parseRecord(c, childHash, childHashAt, d + 1, node.childKind(side)))
    }
  }
  // A node and its in-page descendants are one range of the page (pre-order).
  if (!c.copy) node.sourceEnd = c.offset
  return node
}

/** The largest page: 15 internal records and 16 leaves. */
const MAX_PAGE_BYTES = 15 * INTERNAL_RECORD_LENGTH + 16 * LEAF_RECORD_LENGTH
const SLAB_BYTES = 256 * 1024 // ≥ MAX_PAGE_BYTES

/**
 * Encodes the pages whose tops are given (with their depths); their in-page descendants must be
 * linked. Pages are views into shared slabs of 256 KB: a few allocations per batch instead of
 * one per page. One walk per page, straight into the slab.
 */
export function encodePages(
  tops: readonly { readonly node: TreeNode; readonly depth: number }[],
): Uint8Array[] {
  const pages: Uint8Array[] = []
  let slab = new Uint8Array(0)
  let offset = 0
  for (let i = 0; i < tops.length; i++) {
    if (offset + MAX_PAGE_BYTES > slab.length) {
      slab = new Uint8Array(Math.min(SLAB_BYTES, (tops.length - i) * MAX_PAGE_BYTES))
      offset = 0
    }
    const t = tops[i]!
    const end = writeRecord(t.node, t.depth, slab, offset)
    // Only a tree that breaks the page invariant (≤ 4 levels) could overrun the slab.
    if (end > slab.length)
      throw new StateError(StateErrorCode.CORRUPT_NODE, 'state page larger than 4 levels')
    pages.push(slab.subarray(offset, end))
    offset = end
  }
  return pages
}

/** Writes the records under `n` (at depth `d`) from `offset`; returns the end offset. */
function writeRecord(n: TreeNode, d: number, out: Uint8Array, offset: number): number {
  const source = n.source
  if (source !== undefined) {
    // Decoded in place and kept: the records under it are those of the page it came from. (Only
    // leaves move to another depth, and a leaf's record does not depend on its depth; an
    // internal node's hash binds its depth, so the same node has the same in-page subtree.)
    const length = n.sourceEnd - n.sourceStart
    if (offset + length > out.length) return offset + length // the caller reports the overrun
    out.set(source.subarray(n.sourceStart, n.sourceEnd), offset)
    return offset + length
  }
  const leaf = n.isLeaf
  out[offset] = leaf ? LEAF_TAG : INTERNAL_TAG
  out.set(n.a, offset + 1)
  out.set(n.b, offset + 1 + HASH_LENGTH)
  if (leaf) return offset + LEAF_RECORD_LENGTH
  out[offset + HASHED_LENGTH] =
    (n.childKind(0) === NodeKind.leaf ? 1 : 0) | (n.childKind(1) === NodeKind.leaf ? 2 : 0)
  let end = offset + INTERNAL_RECORD_LENGTH
  for (let side = 0; side < 2; side++) {
    if (!n.isInPageChild(side, d)) continue
    const child = n.child(side)
    if (child === undefined) {
      const hex = toHex(n.childHash(side))
      throw new StateError(StateErrorCode.MISSING_NODE, `state node ${hex} is not in memory`, { hash: hex })
    }
    end = writeRecord(child, d + 1, out, end)
  }
  return end
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_LENGTH; i++) if (a[i] !== b[i]) return false
  return true
}
