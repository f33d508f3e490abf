/**
 * Test oracle: the compact sparse Merkle root of a whole key set, computed from scratch with the
 * hash functions of proof.ts (independent of the stored tree and its incremental updates).
 */
import { compareBytes } from '../../src/bytes.js'
import {
  EMPTY_STATE_HASH,
  pathBit,
  stateInternalHash,
  stateLeafHash,
  statePathOf,
  stateValueHash,
} from '../../src/state/proof.js'

type Leaf = { path: Uint8Array; valueHash: Uint8Array }

export function referenceRoot(entries: Iterable<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const leaves: Leaf[] = []
  for (const [k, v] of entries) leaves.push({ path: statePathOf(k), valueHash: stateValueHash(v) })
  leaves.sort((a, b) => compareBytes(a.path, b.path))
  return subtree(leaves, 0)
}

function subtree(leaves: Leaf[], depth: number): Uint8Array {
  if (leaves.length === 0) return EMPTY_STATE_HASH
  if (leaves.length === 1) return stateLeafHash(leaves[0]!.path, leaves[0]!.valueHash)
  const left = leaves.filter((l) => pathBit(l.path, depth) === 0)
  const right = leaves.filter((l) => pathBit(l.path, depth) === 1)
  return stateInternalHash(subtree(left, depth + 1), subtree(right, depth + 1))
}
