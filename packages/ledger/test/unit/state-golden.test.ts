/**
 * Golden vectors: fixed states whose roots, proofs, frontier records and stored pages are
 * committed in test/fixtures/state-golden.json, so that neither the proof format (proof.ts) nor
 * the storage format (frontier.ts, node-codec.ts) can drift silently.
 */
import { describe, expect, it } from 'vitest'
import { compareBytes, fromHex, toHex, utf8 } from '../../src/bytes.js'
import { randomBytes } from 'node:crypto'
import {
  EMPTY_STATE_HASH,
  stateInternalHash,
  stateLeafHash,
  stateProofFromJSON,
  stateProofToJSON,
  verifyStateProof,
} from '../../src/state/proof.js'
import { nodeHash } from '../../src/state/node-codec.js'
import { SparseMerkleTree } from '../../src/state/sparse-merkle-tree.js'
import type { StateChange } from '../../src/state/types.js'
import { Bucket, bucketEnd } from '../../src/storage/buckets.js'
import { openMemoryStore, type KvStore } from '../../src/storage/kv.js'
import { referenceRoot } from './state-reference.js'
import golden from '../fixtures/state-golden.json' with { type: 'json' }

type GoldenProof = { key: string; value: string | null; proof: unknown }

async function buildTree(
  entries: readonly StateChange[],
  cacheDepth: number,
): Promise<{ store: KvStore; tree: SparseMerkleTree }> {
  const store = await openMemoryStore()
  const tree = await SparseMerkleTree.open(store, EMPTY_STATE_HASH, { cacheDepth })
  const update = await tree.prepare([...entries].sort((a, b) => compareBytes(a.key, b.key)))
  await store.write(update.writes)
  tree.commit(update)
  return { store, tree }
}

/** The bucket's records, keys without the bucket byte. */
async function stored(store: KvStore, bucket: Bucket): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for await (const [k, v] of store.range({ gte: new Uint8Array([bucket]), lt: bucketEnd(bucket) }))
    out[toHex(k.subarray(1))] = toHex(v)
  return out
}

const cases = [
  {
    name: 'five keys',
    entries: golden.small.entries.map((e) => ({ key: fromHex(e.key), value: fromHex(e.value) })),
    root: golden.small.root,
    proofs: golden.small.proofs as GoldenProof[],
    cacheDepth: golden.small.cacheDepth,
    frontier: golden.small.frontier as Record<string, string>,
    pages: golden.small.pages as Record<string, string>,
  },
  {
    name: 'forty keys (several pages)',
    entries: Array.from({ length: 40 }, (_, i) => ({
      key: utf8.encode(`key-${i}`),
      value: utf8.encode(`v${i}`),
    })),
    root: golden.multiPage.root,
    proofs: golden.multiPage.proofs as GoldenProof[],
    cacheDepth: golden.multiPage.cacheDepth,
    frontier: golden.multiPage.frontier as Record<string, string>,
    pages: golden.multiPage.pages as Record<string, string>,
  },
]

describe('state golden vectors', () => {
  it.each(cases)(
    '$name: root, proofs, frontier records and stored pages match the fixture',
    async ({ entries, root, proofs, cacheDepth, frontier, pages }) => {
      expect(toHex(referenceRoot(entries.map((e) => [e.key, e.value] as const)))).toBe(root)
      const { store, tree } = await buildTree(entries, cacheDepth)
      expect(toHex(tree.root())).toBe(root)
      for (const p of proofs) {
        const key = fromHex(p.key)
        const value = p.value === null ? null : fromHex(p.value)
        const proof = await tree.prove(key)
        expect(stateProofToJSON(proof)).toEqual(p.proof)
        expect(verifyStateProof(fromHex(root), key, value, stateProofFromJSON(p.proof))).toBe(true)
      }
      expect(await stored(store, Bucket.stateFrontier)).toEqual(frontier)
      expect(await stored(store, Bucket.stateNode)).toEqual(pages)
      // The stored form alone gives the same tree back.
      const reopened = await SparseMerkleTree.open(store, fromHex(root))
      for (const p of proofs) expect(stateProofToJSON(await reopened.prove(fromHex(p.key)))).toEqual(p.proof)
      await store.close()
    },
  )

  it('the fixture covers inclusion, non-inclusion ending in a leaf, and ending in an empty subtree', () => {
    const all = cases.flatMap((c) => c.proofs)
    const kinds = new Set(
      all.map((p) =>
        p.value !== null
          ? 'present'
          : (p.proof as { leaf: unknown }).leaf === null
            ? 'absent-empty'
            : 'absent-leaf',
      ),
    )
    expect([...kinds].sort()).toEqual(['absent-empty', 'absent-leaf', 'present'])
    expect(Object.keys(golden.multiPage.pages).length).toBeGreaterThan(1)
  })

  it('node-codec hashes equal the proof.ts hash functions', () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = [randomBytes(32), randomBytes(32)].map((x) => new Uint8Array(x))
      expect(toHex(nodeHash(0x00, a!, b!))).toBe(toHex(stateLeafHash(a!, b!)))
      expect(toHex(nodeHash(0x01, a!, b!))).toBe(toHex(stateInternalHash(a!, b!)))
    }
  })
})
