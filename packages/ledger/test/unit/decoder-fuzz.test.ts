/**
 * Fuzz: 100,000 random and mutated byte strings (seeded, reproducible), each fed to every
 * decoder. A decoder may accept (re-encoding must then reproduce the input) or throw a coded
 * `GovchainError`; anything else — another exception, a crash, a hang — fails the test.
 */
import { describe, expect, it } from 'vitest'
import {
  createBlockFromBytes,
  createCommitCertificateFromBytes,
  createEvidenceFromBytes,
  createHeaderFromBytes,
  createProposalFromBytes,
  createTxFromBytes,
  createValidatorSetFromBytes,
  createVoteFromBytes,
  encode,
  equalBytes,
  isGovchainError,
  signProposal,
  signVote,
  DuplicateVoteEvidence,
  VoteType,
} from '../../src/index.js'
import { alice, CHAIN_ID, sampleBlock, sampleTx, validatorSet } from '../helpers/fixtures.js'

const decoders: Record<string, (b: Uint8Array) => { serialize(): Uint8Array }> = {
  tx: (b) => createTxFromBytes(b),
  block: (b) => createBlockFromBytes(b),
  certificate: createCommitCertificateFromBytes,
  header: createHeaderFromBytes,
  vote: createVoteFromBytes,
  proposal: createProposalFromBytes,
  evidence: createEvidenceFromBytes,
  validatorSet: createValidatorSetFromBytes,
}

/** xorshift32: a tiny seeded PRNG so every run feeds the same inputs. */
function prng(seed: number) {
  let s = seed >>> 0 || 1
  const next = () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
  return {
    next,
    below: (n: number) => next() % n,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff),
  }
}

const block = sampleBlock()
const vote = signVote(
  { chainId: CHAIN_ID, type: VoteType.PREVOTE, height: 3, round: 1, blockHash: block.hash() },
  alice.secretKey,
  alice.publicKey,
)
const vote2 = signVote(
  { chainId: CHAIN_ID, type: VoteType.PREVOTE, height: 3, round: 1, blockHash: null },
  alice.secretKey,
  alice.publicKey,
)
const seeds: Uint8Array[] = [
  sampleTx(0).serialize(),
  block.serialize(),
  block.header.serialize(),
  block.header.lastCommit!.serialize(),
  vote.serialize(),
  signProposal(
    { chainId: CHAIN_ID, height: 3, round: 2, validRound: 1, blockHash: block.hash() },
    alice.secretKey,
    alice.publicKey,
  ).serialize(),
  new DuplicateVoteEvidence(vote, vote2).serialize(),
  validatorSet.serialize(),
  encode([1, [2, [3, [4]]], { a: new Uint8Array(3) }, 'x', null, true]),
]

function mutate(r: ReturnType<typeof prng>, input: Uint8Array): Uint8Array {
  const b = new Uint8Array(input)
  switch (r.below(7)) {
    case 0: // flip bits
      for (let i = 0, n = 1 + r.below(4); i < n && b.length > 0; i++) b[r.below(b.length)]! ^= 1 << r.below(8)
      return b
    case 1: // set a byte to an interesting value
      if (b.length > 0)
        b[r.below(b.length)] = [0x00, 0xff, 0x7f, 0x80, 0x9f, 0xbf, 0xf7, 0xf9, 0x1b, 0x5f][r.below(10)]!
      return b
    case 2: // truncate
      return b.subarray(0, r.below(b.length + 1))
    case 3: {
      // insert random bytes
      const at = r.below(b.length + 1)
      const ins = r.bytes(1 + r.below(9))
      return Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)])
    }
    case 4: {
      // delete a range
      const at = r.below(b.length + 1)
      return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + r.below(8))])
    }
    case 5: {
      // splice two seeds
      const other = seeds[r.below(seeds.length)]!
      return Uint8Array.from([
        ...b.subarray(0, r.below(b.length + 1)),
        ...other.subarray(r.below(other.length + 1)),
      ])
    }
    default: // huge declared length
      if (b.length > 2) b[1] = 0x1b
      return b
  }
}

function input(r: ReturnType<typeof prng>): Uint8Array {
  if (r.below(4) === 0) return r.bytes(r.below(200))
  return mutate(r, seeds[r.below(seeds.length)]!)
}

const TOTAL = 100_000
const BATCHES = 10

describe('decoder fuzz', () => {
  for (let batch = 0; batch < BATCHES; batch++) {
    it(`batch ${batch + 1}/${BATCHES}: ${TOTAL / BATCHES} inputs × ${Object.keys(decoders).length} decoders, only coded errors`, () => {
      const r = prng(0x9e3779b9 + batch)
      let accepted = 0
      for (let i = 0; i < TOTAL / BATCHES; i++) {
        const bytes = input(r)
        for (const [name, decodeFn] of Object.entries(decoders)) {
          let value: { serialize(): Uint8Array } | undefined
          try {
            value = decodeFn(bytes)
          } catch (e) {
            if (!isGovchainError(e)) {
              throw new Error(`${name} threw a non-coded error on input #${i} of batch ${batch}`, {
                cause: e,
              })
            }
          }
          if (value !== undefined) {
            accepted++
            expect(equalBytes(value.serialize(), bytes), `${name} accepted bytes it does not reproduce`).toBe(
              true,
            )
          }
        }
      }
      // Mutations keep some inputs valid; most are rejected.
      expect(accepted).toBeLessThan((TOTAL / BATCHES) * Object.keys(decoders).length)
    })
  }
})
