/**
 * The authenticated state: a compact sparse Merkle tree (format and verifier in proof.ts) stored
 * in the node's KvStore.
 *
 * Storage (see storage/buckets.ts, node-codec.ts and frontier.ts):
 *   stateFrontier ‖ depth ‖ path prefix  → the subtree at each non-empty position at the frontier
 *                                          depth (a leaf, or the hash of a page's top);
 *   stateNode  ‖ hash of a page's top node → page (the records of up to 4 binary levels), for
 *                                          pages at or below the frontier only;
 *   stateValue ‖ raw key                   → value, a flat copy so that reads need no tree walk.
 * The levels above the frontier are never stored as nodes: they are rebuilt from the frontier
 * records when the tree is opened, and held in memory from then on. The frontier depth is the
 * cache depth the tree was created with (default 16), and stays with the database.
 * The committed root itself is kept by the caller (meta `stateRoot`) in the same atomic batch.
 *
 * Updates are two-step: `prepare(changes)` computes a block's new root and the database writes
 * without touching the committed state (it may be called several times from one base, e.g. for
 * competing proposals); the caller writes `update.writes` in its block batch, then `commit()`.
 * The new pages themselves are written by prepare() in synced segments of COMMIT_SEGMENT_BYTES as
 * they fill (a block of a few thousand changes: one synced write), so that a large block's pages
 * are not all held in memory until the block commits: content-addressed,
 * they are unreachable until the batch that commits the update. The pages of updates that are
 * never committed (competing proposals, a failed prepare) are deleted by that batch
 * (`abandonedWrites`). Only a crash between a prepare and the next commit, or a prepare that
 * ends after its base was replaced, leaves unreachable pages behind (disk, not correctness).
 *
 * Replaced pages are deleted in the batch that commits their replacements, so the database
 * holds exactly the latest committed tree (disk stays proportional to the number of keys) and
 * proofs exist only against the latest committed root. This is safe with content addressing
 * because no node is shared between two positions of one tree: a leaf hash binds its full
 * 256-bit path and an internal hash binds its subtree's leaves and shape, hence its depth. Only
 * leaves move (up when a sibling subtree empties, down when a key lands next to them); a leaf is
 * stored inside its parent's page (or, above the frontier, in its position's frontier record),
 * so a move just rewrites the pages involved. No page is topped by a leaf.
 *
 * Memory: the committed tree is held as linked TreeNodes down to depth cacheDepth (whole pages;
 * about 2^cacheDepth nodes), the "cache"; at least down to the frontier. An update copies the changed paths into new nodes
 * that point to the unchanged ones (old versions are shared, never mutated except to link cached
 * pages, and collected once unreachable), so commit() only swaps the root and trims the new
 * nodes to cacheDepth. Below the cache, prepare() works in groups of pages: it reads them (one
 * `getMany` per page level), applies the changes, encodes and writes the new pages and drops
 * the nodes it read, so a large batch needs bounded memory beyond its flat values and deletions
 * (the next group's reads overlap the current group's work); a new page top at cacheDepth, which
 * stays linked until commit() trims it, holds copies of its child hashes rather than views into
 * the page it was read from. Each changed node is hashed once.
 */
import { byteString, compareBytes, equalBytes, Slab, toHex } from '../bytes.js'
import { sha256, sha256Into } from '../crypto/index.js'
import { HASH_LENGTH } from '../params.js'
import { Bucket, bucketKey, bucketKeyIn } from '../storage/buckets.js'
import { SegmentedWriter, type KvStore } from '../storage/kv.js'
import { KvWriteList } from '../storage/write-list.js'
import {
  collapsedSide,
  decodePage,
  EMPTY_SIDE,
  encodePages,
  isPageTop,
  isZeroHash,
  LEAF_RECORD_LENGTH,
  NodeKind,
  PAGE_DEPTH,
  TreeNode,
  type Side,
} from './node-codec.js'
import {
  buildTop,
  frontierKeyInto,
  frontierKeyLength,
  internalRecordInto,
  INTERNAL_VALUE_LENGTH,
  isUnderKey,
  leafRecordInto,
  readFrontier,
} from './frontier.js'
import { pathBit, type StateProof } from './proof.js'
import { StateError, StateErrorCode } from './state-error.js'
import type { KvWrite, PreparedStateUpdate, StateChange, StateRead, StateReader } from './types.js'

export type SparseMerkleTreeOptions = {
  /**
   * The committed tree is kept in memory down to this depth (rounded up to a multiple of 4, the
   * page height; at least 4): about 2^cacheDepth nodes of ≈ 300 bytes. Default 16: ~65,536
   * nodes, ≈ 20 MB once the tree has more than ~100k keys (measured: 65,536 at 1M keys).
   * A new tree also takes it as its frontier depth (see above); a stored tree keeps the frontier
   * depth it was created with, and is cached at least down to it.
   */
  readonly cacheDepth?: number
  /**
   * Re-hash every node read from the database (≈ 20 hashes per page) to detect corruption.
   * Default false: a corrupt node then shows up as a state root that differs from the network's.
   */
  readonly verifyReads?: boolean
  /**
   * prepare() reads and applies the pages at cacheDepth in groups of this many, so that the
   * nodes it loads stay bounded (≈ 2–3 KB each with their subtree). Default 1024: the nodes of
   * a group then mostly die young; at 4096 they outlived V8's young generation and garbage
   * collection took ~30 % of a 1M-key state's 10k-change batch instead of ~17 % (measured).
   */
  readonly groupSize?: number
  /**
   * Size of the synced segments in which prepare() writes new pages (default
   * COMMIT_SEGMENT_BYTES); tests make it small to get many writes.
   */
  readonly segmentBytes?: number
}

export const DEFAULT_STATE_CACHE_DEPTH = 16
const DEFAULT_GROUP_SIZE = 1024

/**
 * A batch's changes sorted by path, as item indices into two buffers of 32-byte entries (paths,
 * value hashes) rather than an object and two arrays per change.
 */
class Items {
  constructor(
    readonly length: number,
    private readonly paths: Uint8Array,
    private readonly valueHashes: Uint8Array,
    /** 1 where the item deletes its key. */
    private readonly deletes: Uint8Array,
  ) {}

  /** Bit `depth` of item i's path (pathBit). */
  bit(i: number, depth: number): number {
    return (this.paths[i * HASH_LENGTH + (depth >> 3)]! >> (7 - (depth & 7))) & 1
  }

  isDelete(i: number): boolean {
    return this.deletes[i] === 1
  }

  /** compareBytes(path of item i, `path`). */
  comparePath(i: number, path: Uint8Array): number {
    const at = i * HASH_LENGTH
    for (let k = 0; k < HASH_LENGTH; k++) {
      const d = this.paths[at + k]! - path[k]!
      if (d !== 0) return d
    }
    return 0
  }

  /** Item i's path (a view). */
  path(i: number): Uint8Array {
    return this.paths.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH)
  }

  /** A new leaf for item i: views into the buffers (`transient`), or arrays of its own. */
  leaf(i: number, hash: Uint8Array | undefined): TreeNode {
    const at = i * HASH_LENGTH
    const end = at + HASH_LENGTH
    if (hash === undefined) return TreeNode.leaf(this.paths.slice(at, end), this.valueHashes.slice(at, end))
    return TreeNode.leafInto(this.paths.subarray(at, end), this.valueHashes.subarray(at, end), hash, true)
  }
}

/**
 * The entries of a subtree being (re)built, sorted by path: item indices, and KEPT for the one
 * existing leaf that stays (given separately).
 */
type BuildEntries = readonly number[]
const KEPT = -1
type Placed = { readonly node: TreeNode; readonly depth: number }

/** Hashes of the pages a prepare wrote early, 32 bytes each, in blocks. */
type StagedPages = { readonly hashes: Uint8Array[] }

/** What commit() needs besides the plain update: the new root node and the nodes to trim. */
type CommitDelta = { readonly root: TreeNode | null; readonly trim: readonly TreeNode[] }

export class SparseMerkleTree implements StateReader {
  private committedRoot: Uint8Array
  /** The committed root node (null: empty tree; undefined: not in memory yet). */
  private top: TreeNode | null | undefined = undefined
  private readonly deltas = new WeakMap<PreparedStateUpdate, CommitDelta>()
  /** Pages written early by each update prepared since the last commit (or by a failed prepare). */
  private readonly staged = new Map<object, StagedPages>()
  private cacheDepth: number
  /** Depth of the frontier records: nothing above it is stored as a page (frontier.ts). */
  private frontierDepth: number
  private readonly verifyReads: boolean
  private readonly groupSize: number
  private readonly segmentBytes: number | undefined

  private constructor(
    private readonly store: KvStore,
    root: Uint8Array,
    opts: SparseMerkleTreeOptions,
  ) {
    this.committedRoot = root.slice()
    const depth = opts.cacheDepth ?? DEFAULT_STATE_CACHE_DEPTH
    this.cacheDepth = Math.max(PAGE_DEPTH, Math.ceil(depth / PAGE_DEPTH) * PAGE_DEPTH)
    this.frontierDepth = this.cacheDepth
    this.verifyReads = opts.verifyReads ?? false
    this.groupSize = Math.max(1, opts.groupSize ?? DEFAULT_GROUP_SIZE)
    this.segmentBytes = opts.segmentBytes
  }

  /**
   * Opens the tree committed at `root` (32 zero bytes for the empty tree): reads its frontier
   * and builds the levels above it. Fails with MISSING_NODE if the store holds another tree (or
   * none), and CORRUPT_NODE if a frontier record does not decode.
   */
  static async open(
    store: KvStore,
    root: Uint8Array,
    opts: SparseMerkleTreeOptions = {},
  ): Promise<SparseMerkleTree> {
    if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH) {
      throw new StateError(StateErrorCode.BAD_ROOT, 'state root must be 32 bytes')
    }
    const tree = new SparseMerkleTree(store, root, opts)
    await tree.rootNode()
    return tree
  }

  /** The committed root (a copy). */
  root(): Uint8Array {
    return this.committedRoot.slice()
  }

  /** Committed value of `key`, from the flat value copy (read synchronously when the store can). */
  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const k = bucketKey(Bucket.stateValue, key)
    if (this.store.getSync === undefined) return this.store.get(k)
    try {
      return Promise.resolve(this.store.getSync(k))
    } catch (e) {
      return Promise.reject(e as Error)
    }
  }

  /** The committed value without a promise when the store reads synchronously (StateReader.getNow). */
  getNow(key: Uint8Array): StateRead {
    const k = bucketKey(Bucket.stateValue, key)
    if (this.store.getSync === undefined) return this.store.get(k)
    try {
      return this.store.getSync(k)
    } catch (e) {
      return Promise.reject(e as Error)
    }
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    return this.store.getMany(keys.map((k) => bucketKey(Bucket.stateValue, k)))
  }

  /** Proof that `key` holds its committed value, or nothing, under the committed root. */
  async prove(key: Uint8Array): Promise<StateProof> {
    const path = sha256(key)
    const readAt = this.committedRoot
    const siblings: Uint8Array[] = []
    let node = await this.rootNode()
    for (let depth = 0; node !== null; depth++) {
      if (node.isLeaf) return { siblings, leaf: { path: node.a.slice(), valueHash: node.b.slice() } }
      const bit = pathBit(path, depth)
      siblings.push(node.childHash(1 - bit).slice())
      if (node.childKind(bit) === NodeKind.empty) break
      let child = node.child(bit)
      if (child === undefined) {
        // The top of a page that is not in memory.
        const hash = node.childHash(bit)
        child = this.decode(hash, await this.store.get(bucketKey(Bucket.stateNode, hash)), depth + 1, readAt)
        if (depth + 1 < this.cacheDepth) node.setChild(bit, child)
      }
      node = child
    }
    return { siblings, leaf: null }
  }

  /**
   * Applies one block's changes (strictly increasing keys; value null deletes) to the committed
   * tree, in memory: returns the new root and the database writes (tree pages and flat values)
   * that make it the committed state. Nothing observable changes until commit().
   */
  async prepare(changes: readonly StateChange[]): Promise<PreparedStateUpdate> {
    for (let i = 1; i < changes.length; i++) {
      if (compareBytes(changes[i - 1]!.key, changes[i]!.key) >= 0) {
        throw new StateError(
          StateErrorCode.UNSORTED_CHANGES,
          `state changes must have strictly increasing keys (index ${i})`,
          { index: i },
        )
      }
    }
    const baseRoot = this.committedRoot
    const base = await this.rootNode()
    if (changes.length === 0) {
      return this.remember({ baseRoot: baseRoot.slice(), root: baseRoot.slice(), writes: [] }, base, [])
    }
    const items = hashChanges(changes)

    const writes = new KvWriteList()
    const keys = new Slab()
    const batch = new Batch(items, this.cacheDepth, this.frontierDepth, writes, keys)
    // Registered before anything is staged: if this prepare fails, what it staged is still
    // deleted by the next commit.
    const staged: StagedPages = { hashes: [] }
    // One writer for the whole prepare: a group's pages wait for the next ones until a segment
    // is full, so a typical block's pages take one fsync instead of one per group.
    const writer = new SegmentedWriter(this.store, this.segmentBytes)
    const token = {}
    this.staged.set(token, staged)
    let newRoot: TreeNode | null
    if (base === null) {
      newRoot = batch.build(0, batch.inserts(0, items.length), undefined)
    } else {
      // Below cacheDepth, in bounded groups: load the pages, apply, write the new pages, and let
      // the loaded nodes go, so the peak memory of a large batch stays bounded. The next group's
      // reads start (in LevelDB's threads) before this group is applied: at most two in memory.
      const tasks = await this.loadCachedLevels(base, items, baseRoot)
      const load = (i: number): Promise<PageWant[]> | undefined => {
        if (i >= tasks.length) return undefined
        const group = tasks.slice(i, i + this.groupSize)
        const loaded = this.loadDeepPages(group, items, baseRoot).then(() => group)
        loaded.catch(() => {}) // handled where it is awaited (not awaited if an apply throws first)
        return loaded
      }
      let next = load(0)
      for (let i = 0; next !== undefined; i += this.groupSize) {
        const group = await next
        next = load(i + this.groupSize)
        for (const t of group) {
          batch.applyBelowCache(t.parent, t.side, t.top!, t.lo, t.hi)
          t.top = undefined
        }
        batch.flush()
        await this.stage(batch.takePages(), staged, writer)
      }
      newRoot = batch.apply(base, 0, 0, items.length)
    }
    newRoot = newRoot?.settled() ?? null // the new root is kept
    const newRootHash = newRoot === null ? EMPTY_SIDE.hash : newRoot.hash
    batch.flush()
    await this.stage(batch.takePages(), staged, writer)
    await writer.flush()
    for (const c of changes) {
      if (c.value === null) writes.del(c.key, Bucket.stateValue)
      else writes.put(c.key, c.value, Bucket.stateValue)
    }
    this.frontierWrites(newRoot, items, writes)
    const update = this.remember(
      { baseRoot: baseRoot.slice(), root: newRootHash.slice(), writes },
      newRoot,
      batch.trim,
    )
    this.staged.delete(token)
    this.staged.set(update, staged)
    return update
  }

  /**
   * The frontier records of the positions the items fall in, as they are under `root` (the new
   * tree): a put of the leaf or page hash there, or a delete where the position is now empty.
   * The nodes above the frontier are all in memory, so this is one walk per position.
   */
  private frontierWrites(root: TreeNode | null, items: Items, writes: KvWriteList): void {
    const depth = this.frontierDepth
    // A position's key and record are made in scratch arrays; `writes` copies them.
    let key = new Uint8Array(frontierKeyLength(depth))
    let last = new Uint8Array(key.length)
    const leafRecord = new Uint8Array(LEAF_RECORD_LENGTH)
    const internalRecord = new Uint8Array(INTERNAL_VALUE_LENGTH)
    for (let i = 0; i < items.length; i++) {
      frontierKeyInto(key, depth, items.path(i))
      if (i > 0 && equalBytes(key, last)) continue
      const spare = last // `last` is this position's key from here on
      last = key
      key = spare
      let node = root
      let d = 0
      let value: Uint8Array | undefined
      while (node !== null) {
        if (node.isLeaf) {
          // A leaf above the frontier belongs to the position of its own path.
          if (isUnderKey(node.a, last)) value = leafRecordInto(leafRecord, node.a, node.b)
          break
        }
        const side = items.bit(i, d)
        const kind = node.childKind(side)
        if (kind === NodeKind.empty) break
        if (d + 1 === depth && kind === NodeKind.internal) {
          value = internalRecordInto(internalRecord, node.childHash(side))
          break
        }
        const child = node.child(side)
        if (child === undefined) throw notLoaded(node, side)
        node = child
        d++
      }
      if (value === undefined) writes.del(last)
      else writes.putCopy(last, value)
    }
  }

  /**
   * Remembers the hashes of new pages (see `abandonedWrites`) and hands the pages to `writer`,
   * which writes each full segment (synced); the caller flushes the rest.
   */
  private async stage(
    pages: readonly KvWrite[],
    staged: StagedPages,
    writer: SegmentedWriter,
  ): Promise<void> {
    if (pages.length === 0) return
    const hashes = new Uint8Array(pages.length * HASH_LENGTH)
    for (let i = 0; i < pages.length; i++) hashes.set(pages[i]!.key.subarray(1), i * HASH_LENGTH)
    staged.hashes.push(hashes) // before writing: pages of a failed write are deleted too
    for (const page of pages) if (writer.add(page)) await writer.flush()
  }

  /**
   * Deletions of the pages staged by every other update prepared (or failed) since the last
   * commit, except the pages `committing` has too. They belong in the batch that commits
   * `committing`: after it, no other update from its base can ever be committed.
   */
  abandonedWrites(committing: PreparedStateUpdate): KvWrite[] {
    const others = [...this.staged].filter(([k]) => k !== committing).map(([, s]) => s)
    if (others.length === 0) return []
    const keep = new Set<string>()
    for (const block of this.staged.get(committing)?.hashes ?? []) {
      for (let i = 0; i < block.length; i += HASH_LENGTH)
        keep.add(byteString(block.subarray(i, i + HASH_LENGTH)))
    }
    // An update prepared elsewhere carries its pages as puts.
    for (const w of committing.writes) {
      if (w.type === 'put' && w.key[0] === Bucket.stateNode) keep.add(byteString(w.key.subarray(1)))
    }
    const out: KvWrite[] = []
    for (const s of others) {
      for (const block of s.hashes) {
        for (let i = 0; i < block.length; i += HASH_LENGTH) {
          const hash = block.subarray(i, i + HASH_LENGTH)
          const id = byteString(hash)
          if (keep.has(id)) continue
          keep.add(id)
          out.push({ type: 'del', key: bucketKey(Bucket.stateNode, hash) })
        }
      }
    }
    return out
  }

  /**
   * Makes `update` the committed state, after the caller has written `update.writes`.
   * Rejects (STALE_BASE_ROOT) an update prepared from another root than the committed one.
   */
  commit(update: PreparedStateUpdate): void {
    if (!equalBytes(update.baseRoot, this.committedRoot)) {
      throw new StateError(
        StateErrorCode.STALE_BASE_ROOT,
        `state update prepared from ${toHex(update.baseRoot)}, committed root is ${toHex(this.committedRoot)}`,
      )
    }
    const delta = this.deltas.get(update)
    if (delta === undefined) {
      this.top = undefined // not prepared here: reload the root page on next use
    } else {
      // Keep the committed tree in memory only down to cacheDepth (leaf children stay: they are
      // part of their parent's page).
      for (const node of delta.trim) {
        for (let side = 0; side < 2; side++) {
          if (node.childKind(side) === NodeKind.internal) node.setChild(side, undefined)
        }
      }
      this.top = delta.root
      this.deltas.delete(update)
    }
    this.committedRoot = update.root.slice()
    this.staged.clear()
  }

  /**
   * Reads every page above cacheDepth into the cache (one `getMany` per page level): what a node
   * that has been running for a while holds anyway. Only a tree cached deeper than its frontier
   * has such pages (the levels above the frontier are in memory from the start). Returns the
   * number of pages read.
   */
  async preload(): Promise<number> {
    const readAt = this.committedRoot
    const root = await this.rootNode()
    if (root === null) return 0
    let pages = 0
    let level: PageWant[] = []
    const collect = (node: TreeNode, depth: number): void => {
      if (node.isLeaf) return
      for (let side = 0; side < 2; side++) {
        if (node.childKind(side) !== NodeKind.internal) continue
        const child = node.child(side)
        if (child !== undefined) collect(child, depth + 1)
        else if (depth + 1 < this.cacheDepth)
          level.push({ parent: node, side, depth: depth + 1, lo: 0, hi: 0 })
      }
    }
    collect(root, 0)
    while (level.length > 0) {
      const wants = level
      level = []
      const tops = await this.fetchPages(wants, readAt)
      pages += wants.length
      wants.forEach((w, i) => {
        w.parent.setChild(w.side, tops[i])
        collect(tops[i]!, w.depth)
      })
    }
    return pages
  }

  /**
   * The committed tree's nodes held in memory and the deepest of them (metrics and tests): only
   * leaves may sit at depth cacheDepth, nothing deeper.
   */
  cacheStats(): { nodes: number; maxDepth: number } {
    let nodes = 0
    let maxDepth = 0
    const stack: [TreeNode, number][] = this.top ? [[this.top, 0]] : []
    while (stack.length > 0) {
      const [n, d] = stack.pop()!
      nodes++
      if (d > maxDepth) maxDepth = d
      if (n.left) stack.push([n.left, d + 1])
      if (n.right) stack.push([n.right, d + 1])
    }
    return { nodes, maxDepth }
  }

  private remember(
    update: PreparedStateUpdate,
    root: TreeNode | null,
    trim: readonly TreeNode[],
  ): PreparedStateUpdate {
    this.deltas.set(update, { root, trim })
    return update
  }

  /** The committed root node: in memory, or built from the frontier records (frontier.ts). */
  private async rootNode(): Promise<TreeNode | null> {
    if (this.top !== undefined) return this.top
    const root = this.committedRoot
    if (isZeroHash(root)) return (this.top = null)
    const { depth, entries } = await readFrontier(this.store)
    if (!equalBytes(root, this.committedRoot)) {
      throw new StateError(StateErrorCode.STALE_BASE_ROOT, 'the committed state root changed during a read')
    }
    const node = depth === undefined ? null : buildTop(entries, depth)
    if (node === null && (await this.store.get(bucketKey(Bucket.stateNode, root))) !== undefined) {
      throw new StateError(
        StateErrorCode.UNSUPPORTED_LAYOUT,
        `state root ${toHex(root)} is stored as a root page (before the state frontier): this version cannot read it; start a fresh chain or sync a new node`,
        { hash: toHex(root) },
      )
    }
    if (node === null || !equalBytes(node.hash, root)) {
      const stored = node === null ? 'no state tree' : `the tree of root ${toHex(node.hash)}`
      throw new StateError(
        StateErrorCode.MISSING_NODE,
        `state root ${toHex(root)} is not the stored one: the database holds ${stored}`,
        { hash: toHex(root) },
      )
    }
    this.frontierDepth = depth!
    this.cacheDepth = Math.max(this.cacheDepth, depth!)
    return (this.top = node)
  }

  /** Decodes a page read while `readAt` was the committed root. */
  private decode(
    hash: Uint8Array,
    page: Uint8Array | undefined,
    depth: number,
    readAt: Uint8Array,
  ): TreeNode {
    if (page === undefined) {
      if (!equalBytes(readAt, this.committedRoot)) {
        throw new StateError(StateErrorCode.STALE_BASE_ROOT, 'the committed state root changed during a read')
      }
      const hex = toHex(hash)
      throw new StateError(StateErrorCode.MISSING_NODE, `state page ${hex} is not in the database`, {
        hash: hex,
      })
    }
    return decodePage(hash, page, depth, { verifyHashes: this.verifyReads, copy: depth < this.cacheDepth })
  }

  /**
   * Brings the pages above cacheDepth on the paths of `items` into memory, linking them into the
   * committed tree (the cache), one `getMany` per page level. Returns the pages at cacheDepth
   * that the items reach, still to be read.
   */
  private async loadCachedLevels(base: TreeNode, items: Items, readAt: Uint8Array): Promise<PageWant[]> {
    const tasks: PageWant[] = []
    let wants: PageWant[] = []
    const want = (w: PageWant): void => void (w.depth === this.cacheDepth ? tasks : wants).push(w)
    collectWants(base, 0, 0, items.length, items, want)
    while (wants.length > 0) {
      const level = wants
      wants = []
      const tops = await this.fetchPages(level, readAt)
      level.forEach((w, i) => {
        w.parent.setChild(w.side, tops[i])
        collectWants(tops[i]!, w.depth, w.lo, w.hi, items, want)
      })
    }
    return tasks
  }

  /**
   * Reads the pages at cacheDepth of `group` (into `top`, not linked into the committed tree) and
   * every deeper page the items reach (linked below them), one `getMany` per page level.
   */
  private async loadDeepPages(group: PageWant[], items: Items, readAt: Uint8Array): Promise<void> {
    let wants = group
    let first = true
    while (wants.length > 0) {
      const level = wants
      wants = []
      const tops = await this.fetchPages(level, readAt)
      level.forEach((w, i) => {
        if (first) w.top = tops[i]
        else w.parent.setChild(w.side, tops[i])
        collectWants(tops[i]!, w.depth, w.lo, w.hi, items, (x) => void wants.push(x))
      })
      first = false
    }
  }

  private async fetchPages(wants: readonly PageWant[], readAt: Uint8Array): Promise<TreeNode[]> {
    const hashes = wants.map((w) => w.parent.childHash(w.side))
    const pages = await this.store.getMany(hashes.map((h) => bucketKey(Bucket.stateNode, h)))
    return wants.map((w, i) => this.decode(hashes[i]!, pages[i], w.depth, readAt))
  }
}

/** A page to read: child `side` of `parent`, at `depth`, reached by items [lo, hi). */
type PageWant = { parent: TreeNode; side: number; depth: number; lo: number; hi: number; top?: TreeNode }

/** Walks the in-memory nodes under `node` along items [lo, hi); reports children to read. */
function collectWants(
  node: TreeNode,
  depth: number,
  lo: number,
  hi: number,
  items: Items,
  want: (w: PageWant) => void,
): void {
  if (node.isLeaf) return
  const split = splitIndex(items, lo, hi, depth)
  for (let side = 0; side < 2; side++) {
    const a = side === 0 ? lo : split
    const b = side === 0 ? split : hi
    if (a === b || node.childKind(side) !== NodeKind.internal) continue
    const child = node.child(side)
    if (child !== undefined) collectWants(child, depth + 1, a, b, items, want)
    else want({ parent: node, side, depth: depth + 1, lo: a, hi: b })
  }
}

/** First index in [lo, hi) whose path has bit `depth` set (paths sorted, equal above `depth`). */
function splitIndex(items: Items, lo: number, hi: number, depth: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items.bit(mid, depth) === 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** splitIndex over build entries (item indices and KEPT, the path of `kept`). */
function splitEntries(
  items: Items,
  entries: BuildEntries,
  kept: TreeNode | undefined,
  lo: number,
  hi: number,
  depth: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const e = entries[mid]!
    if ((e === KEPT ? pathBit(kept!.a, depth) : items.bit(e, depth)) === 0) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * Hashes the keys and values of `changes` (sorted by key) into Items sorted by path. The value
 * hashes are written straight to their sorted place.
 */
function hashChanges(changes: readonly StateChange[]): Items {
  const n = changes.length
  const keyHashes = new Uint8Array(n * HASH_LENGTH)
  for (let i = 0; i < n; i++) sha256Into(changes[i]!.key, keyHashes, i * HASH_LENGTH)
  const order = Array.from({ length: n }, (_, i) => i)
  order.sort((x, y) => {
    const a = x * HASH_LENGTH
    const b = y * HASH_LENGTH
    for (let k = 0; k < HASH_LENGTH; k++) {
      const d = keyHashes[a + k]! - keyHashes[b + k]!
      if (d !== 0) return d
    }
    return 0
  })
  const paths = new Uint8Array(n * HASH_LENGTH)
  const valueHashes = new Uint8Array(n * HASH_LENGTH)
  const deletes = new Uint8Array(n)
  for (let j = 0; j < n; j++) {
    const i = order[j]!
    for (let k = 0; k < HASH_LENGTH; k++) paths[j * HASH_LENGTH + k] = keyHashes[i * HASH_LENGTH + k]!
    const value = changes[i]!.value
    if (value === null) deletes[j] = 1
    else sha256Into(value, valueHashes, j * HASH_LENGTH)
  }
  return new Items(n, paths, valueHashes, deletes)
}

/** Child `side` of `node` should be in memory and is not (a bug, or a read that failed unseen). */
function notLoaded(node: TreeNode, side: number): StateError {
  const hex = toHex(node.childHash(side))
  return new StateError(StateErrorCode.MISSING_NODE, `state node ${hex} was not loaded`, { hash: hex })
}

function sideOf(node: TreeNode | null): Side {
  return node === null ? EMPTY_SIDE : { hash: node.hash, kind: node.kind, node }
}

/** A side that lands in the cached levels: a transient leaf is copied (TreeNode.settled). */
function settledSide(side: Side): Side {
  const node = side.node
  return node === undefined || !node.isTransient || !node.isLeaf ? side : sideOf(node.settled())
}

/**
 * The synchronous part of prepare(): builds the new nodes, and appends to `writes` a put for
 * every new page (at flush()) and a delete for every replaced page.
 */
class Batch {
  /** New nodes at cacheDepth − 1, whose links to deeper pages commit() drops. */
  readonly trim: TreeNode[] = []
  private readonly pageTops: Placed[] = []
  /** New subtree roots at cacheDepth, by parent (a node at cacheDepth − 1) and side. */
  private readonly belowCache = new Map<TreeNode, (TreeNode | null | undefined)[]>()
  private readonly deleted: Uint8Array[] = []
  /** Puts of the new pages completed since the last `takePages`. */
  private pages: KvWrite[] = []

  /** Hashes of the new nodes below cacheDepth (never kept in the cache). */
  private readonly hashes = new Slab()

  constructor(
    private readonly items: Items,
    private readonly cacheDepth: number,
    /** Pages are stored from this depth down (frontier.ts). */
    private readonly frontierDepth: number,
    private readonly writes: KvWriteList,
    /** Where the database keys of the new pages go. */
    private readonly keys: Slab,
  ) {}

  /** Applies items [lo, hi) to `top`, child `side` of `parent` and a page at cacheDepth. */
  applyBelowCache(parent: TreeNode, side: number, top: TreeNode, lo: number, hi: number): void {
    let results = this.belowCache.get(parent)
    if (results === undefined) this.belowCache.set(parent, (results = [undefined, undefined]))
    results[side] = this.apply(top, this.cacheDepth, lo, hi)
    // The old top is not needed any more (and if unchanged, the parent needs only its hash): drop
    // its links so that the pages loaded below it can go.
    top.left = top.right = undefined
  }

  /**
   * Encodes the pages completed so far (for `takePages`) and adds the deletions of the pages they
   * replace to `writes`; forgets their nodes (below cacheDepth).
   */
  flush(): void {
    const pages = encodePages(this.pageTops)
    this.pageTops.forEach((t, i) => {
      this.pages.push({
        type: 'put',
        key: bucketKeyIn(this.keys, Bucket.stateNode, t.node.hash),
        value: pages[i]!,
      })
      // Written: the parent needs only its hash. Dropping the links frees the loaded pages.
      if (t.depth >= this.cacheDepth) t.node.left = t.node.right = undefined
    })
    this.pageTops.length = 0
    for (const hash of this.deleted) this.writes.del(hash, Bucket.stateNode)
    this.deleted.length = 0
  }

  /** The puts of the pages flushed since the last call. */
  takePages(): KvWrite[] {
    const pages = this.pages
    this.pages = []
    return pages
  }

  /** The new subtree for `node` (at `depth`) after applying items [lo, hi), all under it. */
  apply(node: TreeNode, depth: number, lo: number, hi: number): TreeNode | null {
    if (node.isLeaf) return this.applyToLeaf(node, depth, lo, hi)
    const split = splitIndex(this.items, lo, hi, depth)
    const left = this.side(node, 0, depth, lo, split)
    const right = this.side(node, 1, depth, split, hi)
    if (equalBytes(left.hash, node.a) && equalBytes(right.hash, node.b)) return node
    this.replaced(node, depth)
    return this.join(left, right, depth)
  }

  /** Side `side` of `node` after applying items [lo, hi). */
  private side(node: TreeNode, side: number, depth: number, lo: number, hi: number): Side {
    const kind = node.childKind(side)
    if (lo === hi) return { hash: node.childHash(side), kind, node: node.child(side) }
    if (kind === NodeKind.empty) return sideOf(this.build(depth + 1, this.inserts(lo, hi), undefined))
    if (kind === NodeKind.internal && depth + 1 === this.cacheDepth) {
      const result = this.belowCache.get(node)?.[side]
      if (result === undefined) throw notLoaded(node, side)
      return sideOf(result)
    }
    const child = node.child(side)
    if (child === undefined) throw notLoaded(node, side)
    return sideOf(this.apply(child, depth + 1, lo, hi))
  }

  /** A node of the base tree is replaced: its page (if it tops a stored one) is deleted. */
  private replaced(node: TreeNode, depth: number): void {
    if (depth >= this.frontierDepth && isPageTop(depth, node.kind)) this.deleted.push(node.hash)
  }

  /** New leaves for items [lo, hi) (deletions of absent keys drop out). */
  inserts(lo: number, hi: number): number[] {
    const entries: number[] = []
    for (let i = lo; i < hi; i++) if (!this.items.isDelete(i)) entries.push(i)
    return entries
  }

  private applyToLeaf(node: TreeNode, depth: number, lo: number, hi: number): TreeNode | null {
    const existing = node.a
    const entries: number[] = []
    let replaced = false
    let keepAt = -1
    for (let i = lo; i < hi; i++) {
      const c = this.items.comparePath(i, existing)
      if (c === 0) replaced = true
      else if (c > 0 && keepAt < 0) keepAt = entries.length
      if (!this.items.isDelete(i)) entries.push(i)
    }
    if (!replaced) entries.splice(keepAt < 0 ? entries.length : keepAt, 0, KEPT)
    const result = this.build(depth, entries, replaced ? undefined : node)
    if (result !== null && equalBytes(result.hash, node.hash)) return node // same value rewritten
    this.replaced(node, depth)
    return result
  }

  /** The subtree at `depth` holding exactly `entries` (sorted by path; KEPT is `kept`). */
  build(
    depth: number,
    entries: BuildEntries,
    kept: TreeNode | undefined,
    lo = 0,
    hi = entries.length,
  ): TreeNode | null {
    if (lo === hi) return null
    if (hi - lo === 1) {
      const e = entries[lo]!
      if (e === KEPT) return kept! // settled by join if it lands in the cache
      // A new leaf: views into the batch's buffers below the cache, arrays of its own in it.
      return this.items.leaf(e, depth > this.cacheDepth ? this.hashes.take(HASH_LENGTH) : undefined)
    }
    const split = splitEntries(this.items, entries, kept, lo, hi, depth)
    const left = sideOf(this.build(depth + 1, entries, kept, lo, split))
    const right = sideOf(this.build(depth + 1, entries, kept, split, hi))
    return this.join(left, right, depth)
  }

  /** The node over two sides, collapsing a lone leaf (or nothing) upwards. */
  private join(left: Side, right: Side, depth: number): TreeNode | null {
    const lone = collapsedSide(left, right)
    if (lone !== undefined) return lone.node ?? null
    let node: TreeNode
    if (depth > this.cacheDepth) {
      node = TreeNode.internalInto(
        left.hash,
        left.kind,
        right.hash,
        right.kind,
        this.hashes.take(HASH_LENGTH),
      )
    } else {
      // The new node (or, at cacheDepth, its hash) is kept in the cache, and so are its children
      // when they are leaves (in its page) or within the cached levels.
      if (depth < this.cacheDepth) {
        left = settledSide(left)
        right = settledSide(right)
        node = TreeNode.internal(left.hash, left.kind, right.hash, right.kind)
      } else {
        // A page top at cacheDepth, linked into the new cached levels until commit() trims it:
        // its child hashes are views into the page read from the database or into the batch's
        // slab, and would keep those buffers alive (~90 MB at 50,000 transactions on a
        // 1,000,000-key state), so it gets copies.
        node = TreeNode.internal(left.hash.slice(), left.kind, right.hash.slice(), right.kind)
      }
    }
    node.left = left.node
    node.right = right.node
    if (depth >= this.frontierDepth && isPageTop(depth, NodeKind.internal))
      this.pageTops.push({ node, depth })
    if (depth === this.cacheDepth - 1) this.trim.push(node)
    return node
  }
}
