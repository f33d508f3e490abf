import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  concatBytes,
  EMPTY_MERKLE_ROOT,
  merkleProof,
  merkleRoot,
  merkleRootOfPacked,
  readMerkleProof,
  merkleProofEncodable,
  encodeReceipt,
  resultRootOf,
  resultRootOfEncoded,
  sha256,
  toHex,
  verifyMerkleProof,
} from '../../src/index.js'

/** RFC 6962 §2.1 MTH, written recursively as the RFC states it: the reference. */
function rfc6962Root(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0))
  if (leaves.length === 1) return sha256(concatBytes(new Uint8Array([0]), leaves[0]!))
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return sha256(
    concatBytes(new Uint8Array([1]), rfc6962Root(leaves.slice(0, k)), rfc6962Root(leaves.slice(k))),
  )
}

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const leafLists = fc.array(hash32, { minLength: 1, maxLength: 70 })

describe('merkle tree of tx hashes', () => {
  it('equals the RFC 6962 reference for every size', () => {
    fc.assert(
      fc.property(
        fc.array(hash32, { maxLength: 70 }),
        (leaves) => toHex(merkleRoot(leaves)) === toHex(rfc6962Root(leaves)),
      ),
    )
  })

  it('merkleRootOfPacked equals merkleRoot over the same leaves back to back', () => {
    fc.assert(
      fc.property(fc.array(hash32, { maxLength: 70 }), (leaves) => {
        const packed = new Uint8Array(leaves.length * 32)
        leaves.forEach((leaf, i) => packed.set(leaf, i * 32))
        const before = toHex(packed)
        const root = merkleRootOfPacked(packed)
        return toHex(root) === toHex(merkleRoot(leaves)) && toHex(packed) === before
      }),
    )
  })

  it('resultRootOfEncoded equals resultRootOf over the same receipts', () => {
    const receipt = fc.record({
      events: fc.array(
        fc.record({
          type: fc.constantFrom('a.b', 'licence.apply'),
          attributes: fc.dictionary(fc.constantFrom('id', 'k', 'owner'), fc.string({ maxLength: 8 })),
        }),
        { maxLength: 3 },
      ),
    })
    fc.assert(
      fc.property(fc.array(fc.tuple(hash32, receipt), { maxLength: 40 }), (entries) => {
        const txHashes = entries.map(([h]) => h)
        const receipts = entries.map(([, r]) => r)
        const encoded = entries.map(([h, r]) => encodeReceipt(h, r))
        return toHex(resultRootOfEncoded(encoded)) === toHex(resultRootOf(txHashes, receipts))
      }),
    )
  })

  it.each([1, 31, 33, 65])('merkleRootOfPacked refuses %i bytes (not 32 per leaf)', (n) => {
    expect(() => merkleRootOfPacked(new Uint8Array(n))).toThrow(
      expect.objectContaining({ code: 'DECODE_BAD_SHAPE' }),
    )
  })

  it('empty tree root is SHA-256 of nothing', () => {
    expect(toHex(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(toHex(EMPTY_MERKLE_ROOT)).toBe(toHex(merkleRoot([])))
  })

  it('every leaf proves its inclusion; the proof round-trips through its encoding', () => {
    fc.assert(
      fc.property(leafLists, (leaves) => {
        const root = merkleRoot(leaves)
        return leaves.every((leaf, i) => {
          const proof = readMerkleProof(merkleProofEncodable(merkleProof(leaves, i)))
          return verifyMerkleProof(root, leaf, proof)
        })
      }),
    )
  })

  it('a tampered proof, leaf or index fails', () => {
    fc.assert(
      fc.property(leafLists, fc.nat(), fc.nat(), (leaves, a, b) => {
        const i = a % leaves.length
        const root = merkleRoot(leaves)
        const proof = merkleProof(leaves, i)
        const otherLeaf = new Uint8Array(leaves[i]!)
        otherLeaf[b % 32]! ^= 1
        expect(verifyMerkleProof(root, otherLeaf, proof)).toBe(false)
        if (proof.siblings.length > 0) {
          const siblings = proof.siblings.map((s) => new Uint8Array(s))
          siblings[b % siblings.length]![b % 32]! ^= 0x80
          expect(verifyMerkleProof(root, leaves[i]!, { ...proof, siblings })).toBe(false)
        }
        if (leaves.length > 1) {
          const j = (i + 1 + (b % (leaves.length - 1))) % leaves.length
          if (toHex(leaves[j]!) !== toHex(leaves[i]!))
            expect(verifyMerkleProof(root, leaves[i]!, { ...proof, index: j })).toBe(false)
        }
      }),
    )
  })

  it('a leaf cannot be passed off as an inner node (second preimage)', () => {
    const leaves = [1, 2, 3, 4].map((n) => sha256(new Uint8Array([n])))
    const root = merkleRoot(leaves)
    // The two level-1 inner hashes, presented as a 2-leaf tree, do not give the same root.
    const proof = merkleProof(leaves, 0)
    const inner = concatBytes(proof.siblings[0]!) // any 32-byte value offered as a leaf
    expect(verifyMerkleProof(root, inner, { index: 0, total: 2, siblings: [proof.siblings[1]!] })).toBe(false)
  })
})
