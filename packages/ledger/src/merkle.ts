/**
 * Binary Merkle tree over 32-byte leaves (tx hashes, receipt hashes, evidence hashes), shaped as
 * RFC 6962 / RFC 9162 §2.1: leaf = H(0x00 ‖ d), inner = H(0x01 ‖ l ‖ r), split at the largest
 * power of two below n. The 0x00/0x01 prefixes stop a leaf from being passed off as an inner
 * node (second-preimage). The empty tree's root is H("").
 */
import { concatBytes, equalBytes, toHex, fromHex } from './bytes.js'
import { sha256, sha256Into } from './crypto/index.js'
import { readArray, readBytes, readTuple, readUint } from './encoding.js'
import { DecodeError, DecodeErrorCode } from './errors.js'
import { HASH_LENGTH } from './params.js'

const LEAF_PREFIX = new Uint8Array([0x00])
const INNER_PREFIX = new Uint8Array([0x01])

export const EMPTY_MERKLE_ROOT = sha256(new Uint8Array(0))

/** Preimages of 32-byte leaves and of inner nodes are assembled here (no array per hash). */
const preimage = new Uint8Array(1 + 2 * HASH_LENGTH)
const leafPreimage = preimage.subarray(0, 1 + HASH_LENGTH)

export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  if (leaf.length !== HASH_LENGTH) return sha256(concatBytes(LEAF_PREFIX, leaf))
  preimage[0] = 0x00
  preimage.set(leaf, 1)
  return sha256(leafPreimage)
}

export function merkleInnerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_LENGTH || right.length !== HASH_LENGTH)
    return sha256(concatBytes(INNER_PREFIX, left, right))
  preimage[0] = 0x01
  preimage.set(left, 1)
  preimage.set(right, 1 + HASH_LENGTH)
  return sha256(preimage)
}

/**
 * Root over n 32-byte leaves given back to back in one buffer (`leaves.length` = 32n), e.g. a
 * block's tx hashes: the same root as `merkleRoot`, computed in one buffer of n hashes rather than
 * an array per node.
 */
export function merkleRootOfPacked(leaves: Uint8Array): Uint8Array {
  const n = leaves.length / HASH_LENGTH
  if (!Number.isInteger(n)) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'packed Merkle leaves must be 32 bytes each')
  }
  if (n === 0) return EMPTY_MERKLE_ROOT
  const level = new Uint8Array(leaves.length)
  preimage[0] = 0x00
  for (let i = 0; i < n; i++) {
    preimage.set(leaves.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH), 1)
    sha256Into(leafPreimage, level, i * HASH_LENGTH)
  }
  // Level by level in place: node i of the next level overwrites node i, which its pair (2i,
  // 2i + 1) has already been read from.
  for (let width = n; width > 1; width = Math.ceil(width / 2)) {
    preimage[0] = 0x01
    for (let i = 0; 2 * i < width; i++) {
      const from = 2 * i * HASH_LENGTH
      if (2 * i + 1 < width) {
        preimage.set(level.subarray(from, from + 2 * HASH_LENGTH), 1)
        sha256Into(preimage, level, i * HASH_LENGTH)
      } else {
        level.copyWithin(i * HASH_LENGTH, from, from + HASH_LENGTH)
      }
    }
  }
  return level.slice(0, HASH_LENGTH)
}

/** Root over the given leaves; computed level by level (iterative, no recursion on large blocks). */
export function merkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_MERKLE_ROOT
  // RFC 6962's split-at-largest-power-of-two tree equals the bottom-up pairing in which an odd
  // node at the end of a level is carried up unchanged.
  let level = leaves.map(merkleLeafHash)
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) next.push(merkleInnerHash(level[i]!, level[i + 1]!))
    if (level.length % 2 === 1) next.push(level[level.length - 1]!)
    level = next
  }
  return level[0]!
}

export type MerkleProof = {
  readonly index: number
  readonly total: number
  /** Sibling hashes from the leaf up to the root. */
  readonly siblings: readonly Uint8Array[]
}

export function merkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `merkle proof index ${index} out of range`)
  }
  const siblings: Uint8Array[] = []
  let level = leaves.map(merkleLeafHash)
  let i = index
  while (level.length > 1) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1
    if (sibling < level.length) siblings.push(level[sibling]!)
    const next: Uint8Array[] = []
    for (let j = 0; j + 1 < level.length; j += 2) next.push(merkleInnerHash(level[j]!, level[j + 1]!))
    if (level.length % 2 === 1) next.push(level[level.length - 1]!)
    level = next
    i = Math.floor(i / 2)
  }
  return { index, total: leaves.length, siblings }
}

/** Recomputes the root from a leaf and its proof (RFC 9162 §2.1.3.2). */
export function verifyMerkleProof(root: Uint8Array, leaf: Uint8Array, proof: MerkleProof): boolean {
  const { index, total, siblings } = proof
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(total) || index < 0 || index >= total)
    return false
  let fn = index
  let sn = total - 1
  let hash = merkleLeafHash(leaf)
  let used = 0
  for (const sibling of siblings) {
    if (sibling.length !== HASH_LENGTH || sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      hash = merkleInnerHash(sibling, hash)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      hash = merkleInnerHash(hash, sibling)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
    used++
  }
  return used === siblings.length && sn === 0 && equalBytes(hash, root)
}

export function merkleProofToJSON(p: MerkleProof): { index: number; total: number; siblings: string[] } {
  return { index: p.index, total: p.total, siblings: p.siblings.map(toHex) }
}

export function merkleProofFromJSON(json: unknown): MerkleProof {
  const o = json as { index?: unknown; total?: unknown; siblings?: unknown }
  if (o === null || typeof o !== 'object')
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'merkle proof: expected an object')
  const siblings = readArray(o.siblings, 'merkle proof siblings', 64).map((s) =>
    fromHex(s as string, HASH_LENGTH, 'sibling'),
  )
  return {
    index: readUint(o.index, 'merkle proof index'),
    total: readUint(o.total, 'merkle proof total'),
    siblings,
  }
}

export function merkleProofEncodable(p: MerkleProof): [number, number, Uint8Array[]] {
  return [p.index, p.total, [...p.siblings]]
}

export function readMerkleProof(value: unknown): MerkleProof {
  const [index, total, siblings] = readTuple(value, 'merkle proof', 3)
  return {
    index: readUint(index, 'merkle proof index'),
    total: readUint(total, 'merkle proof total'),
    siblings: readArray(siblings, 'merkle proof siblings', 64).map((s, i) =>
      readBytes(s, `sibling ${i}`, HASH_LENGTH),
    ),
  }
}
