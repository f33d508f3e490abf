/**
 * Proofs of the authenticated state (a compact sparse Merkle tree over 256-bit key paths,
 * path = SHA-256(key)). Pure and browser-safe: verification needs only SHA-256.
 *
 * Node hashes (domain-separated):
 *   leaf     = H(0x00 ‖ path ‖ H(value))
 *   internal = H(0x01 ‖ left ‖ right)
 *   empty    = 32 zero bytes
 * A subtree holding a single leaf is represented by that leaf, so depth grows with log2(n).
 *
 * A proof for key k walks from the root along k's path to depth d = siblings.length and ends in
 * either the leaf for k (inclusion), a leaf for another key sharing k's first d bits, or an
 * empty subtree (both non-inclusion).
 */
import { concatBytes, equalBytes, fromHex, toHex } from '../bytes.js'
import { sha256 } from '../crypto/index.js'
import { readArray, readBytes, readOptional, readTuple, type Encodable } from '../encoding.js'
import { DecodeError, DecodeErrorCode } from '../errors.js'
import { HASH_LENGTH } from '../params.js'

export const EMPTY_STATE_HASH: Uint8Array = new Uint8Array(HASH_LENGTH)
const LEAF_PREFIX = new Uint8Array([0x00])
const INTERNAL_PREFIX = new Uint8Array([0x01])

export function statePathOf(key: Uint8Array): Uint8Array {
  return sha256(key)
}

export function stateValueHash(value: Uint8Array): Uint8Array {
  return sha256(value)
}

export function stateLeafHash(path: Uint8Array, valueHash: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, path, valueHash))
}

export function stateInternalHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(INTERNAL_PREFIX, left, right))
}

/** Bit `i` (0 = most significant of byte 0) of a 256-bit path: 0 = left, 1 = right. */
export function pathBit(path: Uint8Array, i: number): number {
  return (path[i >> 3]! >> (7 - (i & 7))) & 1
}

export type StateProof = {
  /** Siblings from the root downwards: siblings[i] is the sibling at depth i + 1. */
  readonly siblings: readonly Uint8Array[]
  /** The leaf found at the end of the walk, or null for an empty subtree. */
  readonly leaf: { readonly path: Uint8Array; readonly valueHash: Uint8Array } | null
}

export const MAX_STATE_DEPTH = 256

/**
 * Checks that under `root`, `key` holds `value` (value given) or holds nothing (value null).
 */
export function verifyStateProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: StateProof,
): boolean {
  const { siblings, leaf } = proof
  if (siblings.length > MAX_STATE_DEPTH) return false
  const path = statePathOf(key)
  const depth = siblings.length
  let hash: Uint8Array
  if (value !== null) {
    if (leaf === null || !equalBytes(leaf.path, path) || !equalBytes(leaf.valueHash, stateValueHash(value)))
      return false
    hash = stateLeafHash(leaf.path, leaf.valueHash)
  } else if (leaf === null) {
    hash = EMPTY_STATE_HASH
  } else {
    if (equalBytes(leaf.path, path)) return false
    for (let i = 0; i < depth; i++) if (pathBit(leaf.path, i) !== pathBit(path, i)) return false
    hash = stateLeafHash(leaf.path, leaf.valueHash)
  }
  for (let i = depth - 1; i >= 0; i--) {
    const sibling = siblings[i]!
    if (sibling.length !== HASH_LENGTH) return false
    hash = pathBit(path, i) === 0 ? stateInternalHash(hash, sibling) : stateInternalHash(sibling, hash)
  }
  return equalBytes(hash, root)
}

export function stateProofEncodable(p: StateProof): Encodable {
  return [[...p.siblings], p.leaf === null ? null : [p.leaf.path, p.leaf.valueHash]]
}

export function readStateProof(value: unknown): StateProof {
  const [siblings, leaf] = readTuple(value, 'state proof', 2)
  return {
    siblings: readArray(siblings, 'state proof siblings', MAX_STATE_DEPTH).map((s, i) =>
      readBytes(s, `state proof sibling ${i}`, HASH_LENGTH),
    ),
    leaf: readOptional(leaf, (l) => {
      const [path, valueHash] = readTuple(l, 'state proof leaf', 2)
      return {
        path: readBytes(path, 'state proof leaf path', HASH_LENGTH),
        valueHash: readBytes(valueHash, 'state proof leaf value hash', HASH_LENGTH),
      }
    }),
  }
}

export type StateProofJson = { siblings: string[]; leaf: { path: string; valueHash: string } | null }

export function stateProofToJSON(p: StateProof): StateProofJson {
  return {
    siblings: p.siblings.map(toHex),
    leaf: p.leaf === null ? null : { path: toHex(p.leaf.path), valueHash: toHex(p.leaf.valueHash) },
  }
}

export function stateProofFromJSON(json: unknown): StateProof {
  const o = json as Partial<StateProofJson> | null
  if (o === null || typeof o !== 'object' || !Array.isArray(o.siblings)) {
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'state proof: expected { siblings, leaf }')
  }
  if (o.siblings.length > MAX_STATE_DEPTH)
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'state proof: too many siblings')
  const leaf = o.leaf ?? null
  return {
    siblings: o.siblings.map((s) => fromHex(s, HASH_LENGTH, 'state proof sibling')),
    leaf:
      leaf === null
        ? null
        : {
            path: fromHex(leaf.path, HASH_LENGTH, 'leaf path'),
            valueHash: fromHex(leaf.valueHash, HASH_LENGTH, 'leaf value hash'),
          },
  }
}
