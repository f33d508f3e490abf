/**
 * SparseMerkleTree against a from-scratch reference root (state-reference.ts) and the pure proof
 * verifier (proof.ts), on memory-level and on a real LevelDB in a temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { compareBytes, toHex } from '../../src/bytes.js'
import { EMPTY_STATE_HASH, verifyStateProof, type StateProof } from '../../src/state/proof.js'
import { SparseMerkleTree, type SparseMerkleTreeOptions } from '../../src/state/sparse-merkle-tree.js'
import { StateError, StateErrorCode } from '../../src/state/state-error.js'
import type { KvWrite, StateChange } from '../../src/state/types.js'
import { buildTop, readFrontier } from '../../src/state/frontier.js'
import { decodePage, isPageTop, NodeKind, type TreeNode } from '../../src/state/node-codec.js'
import { sha256 } from '../../src/crypto/index.js'
import { Bucket, bucketEnd, bucketKey } from '../../src/storage/buckets.js'
import { openLevelStore, openMemoryStore, type KvStore } from '../../src/storage/kv.js'
import { referenceRoot } from './state-reference.js'

type Model = Map<string, readonly [Uint8Array, Uint8Array]>

const keyArb = fc.integer({ min: 0, max: 400 }).map((i) => new Uint8Array([i >> 8, i & 0xff, 0x6b]))
const valueArb = fc.uint8Array({ minLength: 0, maxLength: 12 })
const changeArb = fc.record({ key: keyArb, value: fc.option(valueArb, { freq: 5 }) })
const batchArb = fc.array(changeArb, { minLength: 0, maxLength: 60 })

/** Last write per key wins; sorted by key, as prepare() requires. */
function normalize(batch: readonly { key: Uint8Array; value: Uint8Array | null }[]): StateChange[] {
  const byKey = new Map<string, StateChange>()
  for (const c of batch) byKey.set(toHex(c.key), { key: c.key, value: c.value })
  return [...byKey.values()].sort((a, b) => compareBytes(a.key, b.key))
}

function applyToModel(model: Model, changes: readonly StateChange[]): void {
  for (const c of changes) {
    if (c.value === null) model.delete(toHex(c.key))
    else model.set(toHex(c.key), [c.key, c.value])
  }
}

async function commitBatch(
  store: KvStore,
  tree: SparseMerkleTree,
  changes: readonly StateChange[],
): Promise<void> {
  const update = await tree.prepare(changes)
  await store.write(update.writes)
  tree.commit(update)
}

/** A memory store holding a new tree, opened with `opts`, with `changes` committed. */
async function committedTree(
  opts: SparseMerkleTreeOptions,
  changes: readonly StateChange[],
): Promise<{ store: KvStore; tree: SparseMerkleTree }> {
  const store = await openMemoryStore()
  const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, opts)
  await commitBatch(store, tree, changes)
  return { store, tree }
}

/** 300 two-byte keys, each holding [1]. */
const TWO_BYTE_KEYS = normalize(
  Array.from({ length: 300 }, (_, i) => ({ key: new Uint8Array([i >> 8, i]), value: new Uint8Array([1]) })),
)

/** 3,000 three-byte keys, each holding its last two bytes. */
const THREE_BYTE_KEYS = normalize(
  Array.from({ length: 3000 }, (_, i) => {
    const key = new Uint8Array([i >> 8, i & 0xff, 7])
    return { key, value: key.slice(1) }
  }),
)

/** A copy of `bytes` with the lowest bit of byte `at` flipped. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const c = bytes.slice()
  c[at]! ^= 1
  return c
}

async function count(store: KvStore, bucket: Bucket): Promise<number> {
  let n = 0
  for await (const _ of store.range({ gte: new Uint8Array([bucket]), lt: bucketEnd(bucket) })) n++
  return n
}

/**
 * Hex keys of every page reachable from the frontier records, read straight from the database,
 * after checking that the records rebuild `root`.
 */
async function reachablePages(store: KvStore, root: Uint8Array): Promise<Set<string>> {
  const seen = new Set<string>()
  const { depth, entries } = await readFrontier(store)
  if (toHex(root) === toHex(EMPTY_STATE_HASH)) {
    expect(entries).toEqual([])
    return seen
  }
  expect(toHex(buildTop(entries, depth!)!.hash)).toBe(toHex(root))
  const pending: [Uint8Array, number][] = entries.flatMap((e) =>
    e.kind === NodeKind.internal ? [[e.hash, depth!] as [Uint8Array, number]] : [],
  )
  while (pending.length > 0) {
    const [hash, depth] = pending.pop()!
    seen.add(toHex(hash))
    const page = await store.get(bucketKey(Bucket.stateNode, hash))
    expect(page, `page ${toHex(hash)} is stored`).toBeDefined()
    const walk = (n: TreeNode, d: number): void => {
      if (n.isLeaf) return
      for (let side = 0; side < 2; side++) {
        const child = n.child(side)
        if (child !== undefined) walk(child, d + 1)
        else if (n.childKind(side) === NodeKind.internal && isPageTop(d + 1, NodeKind.internal)) {
          pending.push([n.childHash(side), d + 1])
        }
      }
    }
    walk(decodePage(hash, page!, depth, { verifyHashes: true, copy: false }), depth)
  }
  return seen
}

/** The first `depth` bits of the key's path, as a string. */
function frontierPosition(key: Uint8Array, depth: number): string {
  return [...sha256(key)]
    .map((b) => b.toString(2).padStart(8, '0'))
    .join('')
    .slice(0, depth)
}

/** `inner`, its reads passed through and its writes going to `write` instead. */
function interceptWrites(inner: KvStore, write: KvStore['write']): KvStore {
  return {
    ...inner,
    get: (k) => inner.get(k),
    getMany: (k) => inner.getMany(k),
    range: (o) => inner.range(o),
    close: () => inner.close(),
    write,
  }
}

async function storedPages(store: KvStore): Promise<Set<string>> {
  const out = new Set<string>()
  const lo = new Uint8Array([Bucket.stateNode])
  for await (const [k] of store.range({ gte: lo, lt: bucketEnd(Bucket.stateNode) }))
    out.add(toHex(k.subarray(1)))
  return out
}

/** Whether every in-memory node at `depth` is a leaf (proving walks load nothing new here). */
async function deepestAreLeaves(tree: SparseMerkleTree, depth: number): Promise<boolean> {
  const top = (tree as unknown as { top: TreeNode | null }).top
  const walk = (n: TreeNode, d: number): boolean =>
    d === depth ? n.isLeaf : [n.left, n.right].every((c) => c === undefined || walk(c, d + 1))
  return top === null || walk(top, 0)
}

function expectStateError(e: unknown, code: StateErrorCode): void {
  expect(e).toBeInstanceOf(StateError)
  expect((e as StateError).code).toBe(code)
}

/** Every present key proves its value; the given absent keys prove absence. */
async function checkProofs(
  tree: SparseMerkleTree,
  model: Model,
  absent: readonly Uint8Array[],
): Promise<void> {
  const root = tree.root()
  for (const [key, value] of model.values()) {
    const proof = await tree.prove(key)
    expect(verifyStateProof(root, key, value, proof)).toBe(true)
    expect(verifyStateProof(root, key, null, proof)).toBe(false)
  }
  for (const key of absent) {
    if (model.has(toHex(key))) continue
    const proof = await tree.prove(key)
    expect(verifyStateProof(root, key, null, proof)).toBe(true)
    expect(verifyStateProof(root, key, new Uint8Array([1]), proof)).toBe(false)
  }
}

const CACHE_DEPTHS: SparseMerkleTreeOptions[] = [
  { cacheDepth: 4, groupSize: 1 },
  { cacheDepth: 8, groupSize: 3 },
  {},
]

describe('SparseMerkleTree: roots, values and proofs (memory-level)', () => {
  it.each(CACHE_DEPTHS)(
    'matches the reference root and proves every key after each batch (%o)',
    async (opts) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(batchArb, { minLength: 1, maxLength: 6 }),
          fc.array(keyArb, { maxLength: 10 }),
          async (batches, probes) => {
            const store = await openMemoryStore()
            const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { ...opts, verifyReads: true })
            const model: Model = new Map()
            const everUsed: Uint8Array[] = [...probes]
            for (const raw of batches) {
              const changes = normalize(raw)
              await commitBatch(store, tree, changes)
              applyToModel(model, changes)
              everUsed.push(...changes.map((c) => c.key))
              expect(toHex(tree.root())).toBe(toHex(referenceRoot(model.values())))
              const values = await tree.getMany(everUsed)
              everUsed.forEach((k, i) => expect(values[i]).toEqual(model.get(toHex(k))?.[1]))
              await checkProofs(tree, model, everUsed)
              // Replaced pages are deleted: the database holds exactly the reachable pages.
              expect([...(await storedPages(store))].sort()).toEqual(
                [...(await reachablePages(store, tree.root()))].sort(),
              )
              expect(await count(store, Bucket.stateValue)).toBe(model.size)
              // One frontier record per position (path prefix) that holds a key.
              const frontier = opts.cacheDepth ?? 16
              const positions = new Set([...model.values()].map(([k]) => frontierPosition(k, frontier)))
              expect(await count(store, Bucket.stateFrontier)).toBe(positions.size)
              // The in-memory part of the tree stays above cacheDepth (default 16), proofs included.
              const cacheDepth = opts.cacheDepth ?? 16
              const stats = tree.cacheStats()
              expect(stats.maxDepth).toBeLessThanOrEqual(cacheDepth)
              if (stats.maxDepth === cacheDepth) expect(await deepestAreLeaves(tree, cacheDepth)).toBe(true)
            }
            await store.close()
          },
        ),
        { numRuns: 25 },
      )
    },
  )

  it.each(CACHE_DEPTHS.slice(0, 2))(
    'the cached nodes own their arrays: no views into a page or a batch buffer (%o)',
    async (opts) => {
      const ownsArrays = (n: TreeNode): boolean =>
        [n.hash, n.a, n.b].every((x) => x.length === 32 && x.buffer.byteLength === 32)
      await fc.assert(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 8 }), async (batches) => {
          const store = await openMemoryStore()
          const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, opts)
          for (const raw of batches) {
            await commitBatch(store, tree, normalize(raw))
            const top = (tree as unknown as { top: TreeNode | null }).top
            const stack = top ? [top] : []
            while (stack.length > 0) {
              const n = stack.pop()!
              expect(ownsArrays(n)).toBe(true)
              if (n.left) stack.push(n.left)
              if (n.right) stack.push(n.right)
            }
          }
          await store.close()
        }),
        { numRuns: 40 },
      )
    },
  )

  it('the root depends only on the final key set, not on batching or order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { selector: toHex, minLength: 1, maxLength: 120 }),
        valueArb,
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        async (keys, value, parts, seed) => {
          const entries = keys.map((k, i) => ({ key: k, value: new Uint8Array([...value, i & 0xff]) }))
          // One batch.
          const one = await openMemoryStore()
          const treeOne = await SparseMerkleTree.open(one, EMPTY_STATE_HASH)
          await commitBatch(one, treeOne, normalize(entries))
          // Shuffled, then split into `parts` batches.
          const shuffled = [...entries].sort(
            (a, b) => (toHex(a.key) + seed).localeCompare(toHex(b.key) + seed) * (seed & 1 ? 1 : -1),
          )
          const many = await openMemoryStore()
          const treeMany = await SparseMerkleTree.open(many, EMPTY_STATE_HASH, {
            cacheDepth: 4,
            groupSize: 2,
          })
          const size = Math.ceil(shuffled.length / parts)
          for (let i = 0; i < shuffled.length; i += size)
            await commitBatch(many, treeMany, normalize(shuffled.slice(i, i + size)))
          expect(toHex(treeMany.root())).toBe(toHex(treeOne.root()))
          expect(toHex(treeOne.root())).toBe(
            toHex(referenceRoot(entries.map((e) => [e.key, e.value] as const))),
          )
          // Deleting everything, in any batching, returns to the empty root and an empty database.
          const dels = shuffled.map((e) => ({ key: e.key, value: null }))
          for (let i = 0; i < dels.length; i += size + 1)
            await commitBatch(many, treeMany, normalize(dels.slice(i, i + size + 1)))
          expect(toHex(treeMany.root())).toBe(toHex(EMPTY_STATE_HASH))
          expect(await count(many, Bucket.stateNode)).toBe(0)
          expect(await count(many, Bucket.stateFrontier)).toBe(0)
          expect(await count(many, Bucket.stateValue)).toBe(0)
          expect(await treeMany.prove(keys[0]!)).toEqual({ siblings: [], leaf: null })
          await one.close()
          await many.close()
        },
      ),
      { numRuns: 40 },
    )
  })

  it('rejects a proof with any single bit flipped (sibling, leaf path, leaf value hash, value, key)', async () => {
    const store = await openMemoryStore()
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
    const model: Model = new Map()
    const changes = normalize(
      Array.from({ length: 40 }, (_, i) => ({
        key: new Uint8Array([i, 7]),
        value: new Uint8Array([i, i, i]),
      })),
    )
    await commitBatch(store, tree, changes)
    applyToModel(model, changes)
    const root = tree.root()
    const flip = (b: Uint8Array, bit: number): Uint8Array => {
      const c = b.slice()
      c[bit >> 3]! ^= 1 << (bit & 7)
      return c
    }
    const tamperings = (p: StateProof): { what: string; proof: StateProof }[] => {
      const out: { what: string; proof: StateProof }[] = []
      p.siblings.forEach((s, i) => {
        for (const bit of [0, 7, 100, 255]) {
          const siblings = [...p.siblings]
          siblings[i] = flip(s, bit)
          out.push({ what: `sibling ${i} bit ${bit}`, proof: { ...p, siblings } })
        }
      })
      if (p.leaf !== null) {
        for (const bit of [0, 9, 255]) {
          out.push({
            what: `leaf path bit ${bit}`,
            proof: { ...p, leaf: { ...p.leaf, path: flip(p.leaf.path, bit) } },
          })
          out.push({
            what: `leaf value hash bit ${bit}`,
            proof: { ...p, leaf: { ...p.leaf, valueHash: flip(p.leaf.valueHash, bit) } },
          })
        }
      }
      return out
    }
    let checked = 0
    for (const [key, value] of model.values()) {
      const proof = await tree.prove(key)
      expect(verifyStateProof(root, key, value, proof)).toBe(true)
      for (const t of tamperings(proof)) {
        expect(verifyStateProof(root, key, value, t.proof), t.what).toBe(false)
        checked++
      }
      for (const bit of [0, 5, 17]) {
        if (bit < value.length * 8) expect(verifyStateProof(root, key, flip(value, bit), proof)).toBe(false)
        expect(verifyStateProof(root, flip(key, bit % (key.length * 8)), value, proof)).toBe(false)
      }
      expect(verifyStateProof(flip(root, 3), key, value, proof)).toBe(false)
    }
    for (let i = 100; i < 140; i++) {
      const key = new Uint8Array([i, 7])
      const proof = await tree.prove(key)
      expect(verifyStateProof(root, key, null, proof)).toBe(true)
      for (const t of tamperings(proof)) {
        expect(verifyStateProof(root, key, null, t.proof), t.what).toBe(false)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(500)
    await store.close()
  })
})

describe('SparseMerkleTree: prepare / commit', () => {
  it('prepare() changes nothing observable until commit(); competing prepares from one base', async () => {
    await fc.assert(
      fc.asyncProperty(
        batchArb,
        batchArb,
        batchArb,
        fc.array(keyArb, { maxLength: 8 }),
        async (b0, b1, b2, probes) => {
          const store = await openMemoryStore()
          const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { cacheDepth: 4, groupSize: 2 })
          const model: Model = new Map()
          const base = normalize(b0)
          await commitBatch(store, tree, base)
          applyToModel(model, base)
          const root0 = toHex(tree.root())
          const keys = [...base.map((c) => c.key), ...probes]
          const before = await Promise.all(
            keys.map(async (k) => [await tree.get(k), await tree.prove(k)] as const),
          )

          const [c1, c2] = [normalize(b1), normalize(b2)]
          const [u1, u2] = await Promise.all([tree.prepare(c1), tree.prepare(c2)])
          for (const [u, c] of [
            [u1, c1],
            [u2, c2],
          ] as const) {
            const m: Model = new Map(model)
            applyToModel(m, c)
            expect(toHex(u.baseRoot)).toBe(root0)
            expect(toHex(u.root)).toBe(toHex(referenceRoot(m.values())))
          }
          // Nothing moved: same root, values and proofs.
          expect(toHex(tree.root())).toBe(root0)
          const after = await Promise.all(
            keys.map(async (k) => [await tree.get(k), await tree.prove(k)] as const),
          )
          expect(after).toEqual(before)

          // Commit the second with the deletion of what the first staged; the first is now stale.
          await store.write([...u2.writes, ...tree.abandonedWrites(u2)])
          tree.commit(u2)
          expect([...(await storedPages(store))].sort()).toEqual(
            [...(await reachablePages(store, tree.root()))].sort(),
          )
          applyToModel(model, c2)
          expect(toHex(tree.root())).toBe(toHex(u2.root))
          if (toHex(u2.root) !== root0) {
            let error: unknown
            try {
              tree.commit(u1)
            } catch (e) {
              error = e
            }
            expectStateError(error, StateErrorCode.STALE_BASE_ROOT)
            expect(toHex(tree.root())).toBe(toHex(u2.root))
          }
          await checkProofs(tree, model, keys)
          await store.close()
        },
      ),
      { numRuns: 40 },
    )
  })

  it('a prepared update keeps no views into the pages it read or its scratch buffers', async () => {
    // The new pages at cacheDepth stay linked into the new tree until commit(): their child
    // hashes must be their own, or each would keep a page read from the database (or the batch's
    // slab of new hashes) alive for as long.
    const { store, tree: built } = await committedTree({ cacheDepth: 4 }, THREE_BYTE_KEYS)
    const tree = await SparseMerkleTree.open(store, built.root(), { cacheDepth: 4, groupSize: 2 })
    const changes = normalize(
      THREE_BYTE_KEYS.filter((_, i) => i % 7 === 0).map((c) => ({ key: c.key, value: new Uint8Array([9]) })),
    )
    const update = await tree.prepare(changes)
    const deltas = (tree as unknown as { deltas: WeakMap<object, { root: TreeNode | null }> }).deltas
    const owns = (a: Uint8Array) => a.byteOffset === 0 && a.buffer.byteLength === a.length
    let pageTops = 0
    const walk = (n: TreeNode, d: number): void => {
      if (d === 4 && !n.isLeaf) {
        pageTops++
        expect(owns(n.a) && owns(n.b) && owns(n.hash)).toBe(true)
      }
      for (const c of [n.left, n.right]) if (c !== undefined && d < 4) walk(c, d + 1)
    }
    walk(deltas.get(update)!.root!, 0)
    expect(pageTops).toBeGreaterThan(8) // most of the 16 positions at depth 4 changed
    await store.close()
  })

  it('writes the pages of many groups in one synced write while they fit in a segment', async () => {
    const inner = await openMemoryStore()
    const writes: { count: number; sync: boolean | undefined }[] = []
    const store = interceptWrites(inner, async (w, o) => {
      writes.push({ count: w.length, sync: o?.sync })
      await inner.write(w, o)
    })
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { cacheDepth: 4, groupSize: 1 })
    const keys = Array.from({ length: 2000 }, (_, i) => new Uint8Array([i >> 8, i & 0xff, 2]))
    await commitBatch(store, tree, normalize(keys.map((key) => ({ key, value: key.slice(0, 2) }))))
    writes.length = 0
    const update = await tree.prepare(
      normalize(keys.slice(0, 600).map((key) => ({ key, value: new Uint8Array([9]) }))),
    )
    // groupSize 1: hundreds of groups below the cache, yet one synced write of all their pages.
    expect(writes).toHaveLength(1)
    expect(writes[0]!.sync).toBe(true)
    expect(writes[0]!.count).toBeGreaterThan(100)
    await store.write([...update.writes, ...tree.abandonedWrites(update)])
    tree.commit(update)
    expect([...(await storedPages(store))].sort()).toEqual(
      [...(await reachablePages(store, tree.root()))].sort(),
    )
    await store.close()
  })

  it('stages new pages during prepare; a failed prepare and the losing proposals leave nothing behind', async () => {
    const inner = await openMemoryStore()
    let failAt = -1
    let writes = 0
    const store = interceptWrites(inner, async (w, o) => {
      if (writes++ === failAt) throw new Error('disk full')
      await inner.write(w, o)
    })
    // Small segments: a prepare writes its pages in many synced writes, so one can fail midway.
    const opts = { cacheDepth: 4, groupSize: 1, segmentBytes: 4096 }
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, opts)
    const keys = Array.from({ length: 2000 }, (_, i) => new Uint8Array([i >> 8, i & 0xff, 1]))
    await commitBatch(store, tree, normalize(keys.map((key) => ({ key, value: key.slice(0, 2) }))))
    const pagesBefore = await storedPages(store)

    const change = (n: number, v: number) =>
      normalize(keys.slice(0, n).map((key) => ({ key, value: new Uint8Array([v]) })))
    // The pages a prepare stages are in the database before anything commits them.
    const a = await tree.prepare(change(600, 1))
    expect([...a.writes].some((w) => w.type === 'put' && w.key[0] === Bucket.stateNode)).toBe(false)
    expect((await storedPages(store)).size).toBeGreaterThan(pagesBefore.size)
    // A prepare that fails after staging some groups.
    failAt = writes + 3
    await expect(tree.prepare(change(900, 2))).rejects.toThrow('disk full')
    failAt = -1
    const b = await tree.prepare(change(300, 3))

    await store.write([...b.writes, ...tree.abandonedWrites(b)])
    tree.commit(b)
    expect(tree.abandonedWrites(b)).toEqual([])
    expect([...(await storedPages(store))].sort()).toEqual(
      [...(await reachablePages(store, tree.root()))].sort(),
    )
    const model: Model = new Map()
    applyToModel(model, normalize(keys.map((key) => ({ key, value: key.slice(0, 2) }))))
    applyToModel(model, change(300, 3))
    expect(toHex(tree.root())).toBe(toHex(referenceRoot(model.values())))
    await store.close()
  })

  it('getNow agrees with get (present and missing keys; memory-level and LevelDB)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-getnow-'))
    try {
      for (const store of [await openMemoryStore(), await openLevelStore(dir)]) {
        const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
        const keys = Array.from({ length: 50 }, (_, i) => new Uint8Array([i, 1]))
        await commitBatch(store, tree, normalize(keys.map((key) => ({ key, value: key.slice(0, 1) }))))
        for (const key of [...keys, new Uint8Array([99, 1])]) {
          expect(await tree.getNow(key)).toEqual(await tree.get(key))
        }
        await store.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a prepared update can be committed again later only while its base is current', async () => {
    const store = await openMemoryStore()
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
    const u1 = await tree.prepare([{ key: new Uint8Array([1]), value: new Uint8Array([1]) }])
    await store.write(u1.writes)
    tree.commit(u1)
    expect(() => tree.commit(u1)).toThrow(StateError)
    try {
      tree.commit(u1)
    } catch (e) {
      expectStateError(e, StateErrorCode.STALE_BASE_ROOT)
    }
    await store.close()
  })

  it.each([
    { name: 'unsorted keys', keys: [[2], [1]] },
    { name: 'duplicate keys', keys: [[1], [1]] },
    { name: 'a prefix after the longer key', keys: [[1, 0], [1]] },
  ])('rejects $name with UNSORTED_CHANGES', async ({ keys }) => {
    const store = await openMemoryStore()
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
    const changes = keys.map((k) => ({ key: new Uint8Array(k), value: new Uint8Array([9]) }))
    await expect(tree.prepare(changes)).rejects.toMatchObject({ code: StateErrorCode.UNSORTED_CHANGES })
    expect(toHex(tree.root())).toBe(toHex(EMPTY_STATE_HASH))
    await store.close()
  })

  it.each([8, 12, 16])(
    'preload() loads every page between the frontier (4) and cacheDepth %d; updates and proofs are unchanged',
    async (cacheDepth) => {
      const keys = THREE_BYTE_KEYS.map((c) => c.key)
      const { store, tree: built } = await committedTree({ cacheDepth: 4 }, THREE_BYTE_KEYS)
      const root = built.root()
      const cold = await SparseMerkleTree.open(store, root, { cacheDepth })
      const warm = await SparseMerkleTree.open(store, root, { cacheDepth })
      expect(await warm.preload()).toBeGreaterThanOrEqual(1)
      const stats = warm.cacheStats()
      expect(stats.maxDepth).toBeLessThanOrEqual(cacheDepth)
      // Everything above cacheDepth is in memory: a fresh tree that reads every key's path while
      // proving it ends up with the same nodes (down to cacheDepth) and no more.
      for (const key of keys) await cold.prove(key)
      expect(stats.nodes).toBe(cold.cacheStats().nodes)
      const changes = normalize(
        keys.slice(0, 700).map((key, i) => ({ key, value: i % 3 === 0 ? null : new Uint8Array([i]) })),
      )
      const [a, b] = [await cold.prepare(changes), await warm.prepare(changes)]
      expect(toHex(a.root)).toBe(toHex(b.root))
      expect(a.writes.length).toBe(b.writes.length)
      expect(verifyStateProof(root, keys[5]!, keys[5]!.slice(1), await warm.prove(keys[5]!))).toBe(true)
      await store.close()
    },
  )

  it.each([4, 8, 16])(
    'a tree opened at its frontier depth %d holds every level above it from the start',
    async (depth) => {
      const keys = THREE_BYTE_KEYS.map((c) => c.key)
      const { store, tree: built } = await committedTree({ cacheDepth: depth }, THREE_BYTE_KEYS)
      // Opened with a shallower cache, it still caches down to its frontier.
      const opened = await SparseMerkleTree.open(store, built.root(), { cacheDepth: 4 })
      const before = opened.cacheStats()
      expect(before).toEqual(built.cacheStats())
      expect(await opened.preload()).toBe(0)
      for (const key of keys) await opened.prove(key)
      expect(opened.cacheStats()).toEqual(before)
      await store.close()
    },
  )

  it('an empty batch keeps the root and writes nothing', async () => {
    const store = await openMemoryStore()
    const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH)
    await commitBatch(store, tree, [{ key: new Uint8Array([1]), value: new Uint8Array([2]) }])
    const u = await tree.prepare([])
    expect(u.writes).toEqual([])
    expect(toHex(u.root)).toBe(toHex(tree.root()))
    await store.close()
  })
})

describe('SparseMerkleTree: opening and coded errors', () => {
  it.each([
    { name: 'a root that is not 32 bytes', root: new Uint8Array(31), code: StateErrorCode.BAD_ROOT },
    {
      name: 'a root with no stored page',
      root: new Uint8Array(32).fill(7),
      code: StateErrorCode.MISSING_NODE,
    },
  ])('open() rejects $name', async ({ root, code }) => {
    const store = await openMemoryStore()
    await expect(SparseMerkleTree.open(store, root)).rejects.toMatchObject({ code })
    await store.close()
  })

  it('reports a missing page below the root as MISSING_NODE', async () => {
    const changes = TWO_BYTE_KEYS
    const { store, tree } = await committedTree({ cacheDepth: 4, groupSize: 2 }, changes)
    const pages = [...(await storedPages(store))].filter((h) => h !== toHex(tree.root()))
    expect(pages.length).toBeGreaterThan(2)
    await store.write(
      pages.map((h) => ({ type: 'del' as const, key: bucketKey(Bucket.stateNode, Buffer.from(h, 'hex')) })),
    )
    const fresh = await SparseMerkleTree.open(store, tree.root(), { cacheDepth: 4, groupSize: 2 })
    await expect(fresh.prove(changes[0]!.key)).rejects.toMatchObject({ code: StateErrorCode.MISSING_NODE })
    await expect(fresh.prepare([{ key: changes[5]!.key, value: null }])).rejects.toMatchObject({
      code: StateErrorCode.MISSING_NODE,
    })
    await store.close()
  })

  it('reports a corrupt page as CORRUPT_NODE (shape always; hashes with verifyReads)', async () => {
    const changes = TWO_BYTE_KEYS
    const { store, tree } = await committedTree({ cacheDepth: 4 }, changes)
    // A page at the frontier (depth 4): the top of a stored page.
    const { entries } = await readFrontier(store)
    const top = entries.find((e) => e.kind === NodeKind.internal)!
    const pageKey = bucketKey(Bucket.stateNode, top.kind === NodeKind.internal ? top.hash : new Uint8Array())
    const page = (await store.get(pageKey))!.slice()
    const cases: { name: string; bytes: Uint8Array; verifyReads: boolean }[] = [
      { name: 'truncated', bytes: page.subarray(0, page.length - 1), verifyReads: false },
      { name: 'trailing byte', bytes: new Uint8Array([...page, 0]), verifyReads: false },
      { name: 'unknown tag', bytes: new Uint8Array([7, ...page.subarray(1)]), verifyReads: false },
      { name: 'flipped hash bit', bytes: flipped(page, 10), verifyReads: true },
    ]
    for (const c of cases) {
      await store.write([{ type: 'put', key: pageKey, value: c.bytes }])
      const fresh = await SparseMerkleTree.open(store, tree.root(), { verifyReads: c.verifyReads })
      await expect(Promise.all(changes.map((ch) => fresh.prove(ch.key))), c.name).rejects.toMatchObject({
        code: StateErrorCode.CORRUPT_NODE,
      })
    }
    await store.close()
  })

  it('open() reports a corrupt frontier record as CORRUPT_NODE and a missing one as MISSING_NODE', async () => {
    const { store, tree } = await committedTree({ cacheDepth: 8 }, TWO_BYTE_KEYS)
    const records: [Uint8Array, Uint8Array][] = []
    const range = { gte: new Uint8Array([Bucket.stateFrontier]), lt: bucketEnd(Bucket.stateFrontier) }
    for await (const [k, v] of store.range(range)) records.push([k.slice(), v.slice()])
    const leaf = records.find(([, v]) => v[0] === 0)!
    const internal = records.find(([, v]) => v[0] === 1)!
    expect(leaf && internal).toBeDefined()
    const cases: { name: string; writes: KvWrite[]; code: StateErrorCode }[] = [
      {
        name: 'unknown tag',
        writes: [put(leaf[0], new Uint8Array([7, ...leaf[1].subarray(1)]))],
        code: 'STATE_CORRUPT_NODE',
      },
      { name: 'truncated leaf', writes: [put(leaf[0], leaf[1].subarray(0, 64))], code: 'STATE_CORRUPT_NODE' },
      {
        name: 'long internal',
        writes: [put(internal[0], new Uint8Array([...internal[1], 0]))],
        code: 'STATE_CORRUPT_NODE',
      },
      // The path's first byte is the position (depth 8): the leaf no longer lies under it.
      {
        name: 'leaf outside its position',
        writes: [put(leaf[0], flipped(leaf[1], 1))],
        code: 'STATE_CORRUPT_NODE',
      },
      {
        name: 'a key of another length',
        writes: [put(new Uint8Array([...leaf[0], 0]), leaf[1])],
        code: 'STATE_CORRUPT_NODE',
      },
      {
        name: 'a record at another depth',
        writes: [put(new Uint8Array([Bucket.stateFrontier, 16, 0, 0]), leaf[1])],
        code: 'STATE_CORRUPT_NODE',
      },
      {
        name: 'a flipped page hash',
        writes: [put(internal[0], flipped(internal[1], 5))],
        code: 'STATE_MISSING_NODE',
      },
      {
        name: 'a flipped value hash',
        writes: [put(leaf[0], flipped(leaf[1], 40))],
        code: 'STATE_MISSING_NODE',
      },
      { name: 'a missing record', writes: [{ type: 'del', key: internal[0] }], code: 'STATE_MISSING_NODE' },
      {
        name: 'no records, the root as a page (the layout before the frontier)',
        writes: [
          ...records.map(([k]) => ({ type: 'del' as const, key: k })),
          put(bucketKey(Bucket.stateNode, tree.root()), new Uint8Array([1])),
        ],
        code: 'STATE_UNSUPPORTED_LAYOUT',
      },
    ]
    for (const c of cases) {
      const copy = await openMemoryStore()
      await copy.write(records.map(([k, v]) => put(k, v)))
      await copy.write(c.writes)
      await expect(SparseMerkleTree.open(copy, tree.root()), c.name).rejects.toMatchObject({ code: c.code })
      await copy.close()
    }
    await store.close()
  })
})

function put(key: Uint8Array, value: Uint8Array): KvWrite {
  return { type: 'put', key, value }
}

describe('SparseMerkleTree on LevelDB', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  it('reopens at the stored root with the same root, values and proofs, and keeps updating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'govchain-state-test-'))
    dirs.push(dir)
    const model: Model = new Map()
    const batches = [0, 1, 2, 3].map((b) =>
      normalize(
        Array.from({ length: 400 }, (_, i) => {
          const k = (i * 7 + b * 131) % 700
          return {
            key: new Uint8Array([k >> 8, k & 0xff, 1]),
            value: (i + b) % 9 === 0 ? null : new Uint8Array([b, i & 0xff]),
          }
        }),
      ),
    )
    let store = await openLevelStore(dir)
    let tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { cacheDepth: 4, groupSize: 2 })
    for (const b of batches.slice(0, 2)) {
      await commitBatch(store, tree, b)
      applyToModel(model, b)
    }
    const root = tree.root()
    const keys = batches.flat().map((c) => c.key)
    const proofs = await Promise.all(keys.map((k) => tree.prove(k)))
    await store.close()

    store = await openLevelStore(dir)
    tree = await SparseMerkleTree.open(store, root, { cacheDepth: 8 })
    expect(toHex(tree.root())).toBe(toHex(root))
    expect(toHex(root)).toBe(toHex(referenceRoot(model.values())))
    expect(await Promise.all(keys.map((k) => tree.prove(k)))).toEqual(proofs)
    const values = await tree.getMany(keys)
    keys.forEach((k, i) => expect(values[i]).toEqual(model.get(toHex(k))?.[1]))
    await checkProofs(tree, model, keys)
    for (const b of batches.slice(2)) {
      await commitBatch(store, tree, b)
      applyToModel(model, b)
      expect(toHex(tree.root())).toBe(toHex(referenceRoot(model.values())))
    }
    await checkProofs(tree, model, keys)
    expect([...(await storedPages(store))].sort()).toEqual(
      [...(await reachablePages(store, tree.root()))].sort(),
    )
    await store.close()
  })
})
