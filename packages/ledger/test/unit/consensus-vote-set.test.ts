/** Vote sets (rules 2, 16) and back-off timeouts (rule 13). */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  addVote,
  EMPTY_VOTE_SET,
  NIL_KEY,
  powerFor,
  quorumValue,
  valueKey,
  votesFor,
  type VoteSet,
} from '../../src/consensus/vote-set.js'
import {
  checkTimeoutConfig,
  DEFAULT_TIMEOUTS,
  timeoutFor,
  TimeoutConfigErrorCode,
} from '../../src/consensus/timeouts.js'
import { VoteType } from '../../src/consensus/vote.js'
import { toHex } from '../../src/bytes.js'
import { hashOf, validators, voteOf } from '../helpers/consensus.js'

const f = validators(7, [1, 2, 3, 4, 5, 6, 7], 'vs')
const A = hashOf('A')
const B = hashOf('B')
const votes = [A, B, null].map((v) => f.keys.map((_, i) => voteOf(f, i, VoteType.PREVOTE, 1, 0, v)))

describe('VoteSet', () => {
  it('counts power per value, once per validator; reports duplicates and conflicts', () => {
    let set: VoteSet = EMPTY_VOTE_SET
    for (const i of [0, 3, 6]) {
      const r = addVote(set, i, f.set.at(i)!.power, votes[0]![i]!)
      expect(r.kind).toBe('added')
      if (r.kind === 'added') set = r.set
    }
    expect(powerFor(set, toHex(A))).toBe(f.set.at(0)!.power + f.set.at(3)!.power + f.set.at(6)!.power)
    expect(addVote(set, 3, 99, votes[0]![3]!)).toEqual({ kind: 'duplicate' })
    const c = addVote(set, 3, 99, votes[2]![3]!)
    expect(c).toEqual({ kind: 'conflict', first: votes[0]![3] })
    const counted = addVote(set, 3, f.set.at(3)!.power, votes[1]![3]!, true)
    expect(counted.kind === 'conflict' && counted.set !== undefined && powerFor(counted.set, toHex(B))).toBe(
      f.set.at(3)!.power,
    )
    expect(counted.kind === 'conflict' && counted.set!.power).toBe(set.power) // the any-value tally is unchanged
    if (counted.kind === 'conflict')
      expect(addVote(counted.set!, 3, 1, votes[1]![3]!, true)).toEqual({ kind: 'duplicate' })
    expect(EMPTY_VOTE_SET.power).toBe(0)
    expect(votesFor(set, toHex(A))).toEqual([votes[0]![0], votes[0]![3], votes[0]![6]])
    expect(valueKey(null)).toBe(NIL_KEY)
  })

  it('first votes: the any-value tally counts each validator once, values never reach Q twice (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 2 }), fc.boolean())),
        (picks) => {
          let set: VoteSet = EMPTY_VOTE_SET
          const first = new Map<number, number>()
          for (const [i, v, countConflict] of picks) {
            const r = addVote(set, i, f.set.at(i)!.power, votes[v]![i]!, countConflict)
            if (r.kind === 'added') {
              set = r.set
              first.set(i, v)
            } else if (r.kind === 'conflict' && r.set !== undefined) set = r.set
          }
          expect(set.power).toBe([...first.keys()].reduce((s, i) => s + f.set.at(i)!.power, 0))
          for (const [key, tally] of set.byValue) {
            expect(tally.power).toBe([...tally.voters.keys()].reduce((s, i) => s + f.set.at(i)!.power, 0))
            expect(votesFor(set, key)).toHaveLength(tally.voters.size)
          }
          // Without conflicting votes counted, at most one value can reach Q.
          if (picks.every(([, , c]) => !c)) {
            const reaching = [...set.byValue.values()].filter((t) => t.power >= f.set.quorum)
            expect(reaching.length).toBeLessThanOrEqual(1)
            expect(quorumValue(set, f.set.quorum) === null).toBe(reaching.length === 0)
          }
        },
      ),
    )
  })
})

describe('timeouts (rule 13)', () => {
  it.each([
    { step: 'propose', round: 0, ms: 3000 },
    { step: 'propose', round: 1, ms: 4500 },
    { step: 'prevote', round: 2, ms: 2250 },
    { step: 'precommit', round: 3, ms: 3375 },
    { step: 'propose', round: 20, ms: 60_000 },
    { step: 'precommit', round: 1e9, ms: 60_000 },
  ] as const)('T_$step($round) = $ms ms', ({ step, round, ms }) => {
    expect(timeoutFor(DEFAULT_TIMEOUTS, step, round)).toBe(ms)
  })

  it('rejects unusable configurations', () => {
    for (const bad of [
      { ...DEFAULT_TIMEOUTS, proposeMs: 0 },
      { ...DEFAULT_TIMEOUTS, growth: 0.9 },
      { ...DEFAULT_TIMEOUTS, capMs: 10 },
    ]) {
      expect(() => checkTimeoutConfig(bad)).toThrow(
        expect.objectContaining({ code: TimeoutConfigErrorCode.BAD_TIMEOUTS }),
      )
    }
  })
})
