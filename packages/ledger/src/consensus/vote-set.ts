/**
 * The votes of one (height, round, type), counted by voting power (consensus.md rules 2, 16).
 * Immutable: `addVote` returns a new set and leaves the old one untouched, so the state
 * machine stays a pure function.
 *
 * Counting, as Algorithm 1 counts messages: "2f+1 ⟨PREVOTE, h, r, id(v)⟩" means prevotes for
 * id(v) from validators of that much power. So
 * - each validator's FIRST vote is its vote: it alone counts in the any-value tally (lines 34,
 *   47) and can never be replaced;
 * - an identical vote again is a duplicate and changes nothing;
 * - a different second vote is equivocation (evidence, rule 16). It adds nothing to the
 *   any-value tally, but when the caller allows it, it is also counted for its own value
 *   (once per validator and value). Otherwise an equivocator could show a prevote quorum for v
 *   to some correct validators (which then lock on v) and hide it from the others forever,
 *   and those would never accept v's re-proposal (line 28): a liveness failure the simulator
 *   found (seed 9, n = 7, Twins). The count must not depend on arrival order either (seed
 *   1919: a conflicting vote arriving before its proposal). Safety is unaffected: two quorums
 *   intersect in more than f validators, so in a correct validator, who never signs two values.
 */
import { toHex } from '../bytes.js'
import type { Vote } from './vote.js'

/** Key of a vote's value: the block hash in hex, or `nil`. */
export const NIL_KEY = 'nil'

export function valueKey(blockHash: Uint8Array | null): string {
  return blockHash === null ? NIL_KEY : toHex(blockHash)
}

export type ValueTally = {
  readonly power: number
  /** Validator index → its vote for this value. */
  readonly voters: ReadonlyMap<number, Vote>
}

export type VoteSet = {
  /** Validator index → its first vote, the one that counts in `power`. */
  readonly votes: ReadonlyMap<number, Vote>
  /** Value key → the validators that voted for it (first votes and counted conflicting ones). */
  readonly byValue: ReadonlyMap<string, ValueTally>
  /** Summed power of the validators that voted, whatever their value (each once). */
  readonly power: number
}

export const EMPTY_VOTE_SET: VoteSet = Object.freeze({
  votes: new Map<number, Vote>(),
  byValue: new Map<string, ValueTally>(),
  power: 0,
})

export type AddVoteResult =
  | { readonly kind: 'added'; readonly set: VoteSet }
  | { readonly kind: 'duplicate' }
  /** `set` is present when the conflicting vote was counted for its own value. */
  | { readonly kind: 'conflict'; readonly first: Vote; readonly set?: VoteSet }

function withVoter(
  set: VoteSet,
  key: string,
  index: number,
  power: number,
  vote: Vote,
): ReadonlyMap<string, ValueTally> {
  const tally = set.byValue.get(key)
  const voters = new Map(tally?.voters).set(index, vote)
  return new Map(set.byValue).set(key, { power: (tally?.power ?? 0) + power, voters })
}

/**
 * Adds the vote of validator `index` (with `power`); the caller has checked height, round and
 * type. `countConflict` says whether a conflicting vote may count for its own value.
 */
export function addVote(
  set: VoteSet,
  index: number,
  power: number,
  vote: Vote,
  countConflict = false,
): AddVoteResult {
  const key = valueKey(vote.blockHash)
  const first = set.votes.get(index)
  if (first === undefined) {
    const votes = new Map(set.votes).set(index, vote)
    return {
      kind: 'added',
      set: { votes, byValue: withVoter(set, key, index, power, vote), power: set.power + power },
    }
  }
  if (valueKey(first.blockHash) === key) return { kind: 'duplicate' }
  if (set.byValue.get(key)?.voters.has(index) === true) return { kind: 'duplicate' }
  if (!countConflict) return { kind: 'conflict', first }
  return { kind: 'conflict', first, set: { ...set, byValue: withVoter(set, key, index, power, vote) } }
}

/** Removes a counted conflicting vote of validator `index` for `key` (never its first vote). */
export function removeConflicting(set: VoteSet, index: number, power: number, key: string): VoteSet {
  const tally = set.byValue.get(key)
  const first = set.votes.get(index)
  if (
    tally === undefined ||
    !tally.voters.has(index) ||
    first === undefined ||
    valueKey(first.blockHash) === key
  )
    return set
  const voters = new Map(tally.voters)
  voters.delete(index)
  const byValue = new Map(set.byValue)
  if (voters.size === 0) byValue.delete(key)
  else byValue.set(key, { power: tally.power - power, voters })
  return { ...set, byValue }
}

/** The values other than its first vote's for which validator `index` has a counted vote. */
export function conflictingValues(set: VoteSet, index: number): string[] {
  const first = set.votes.get(index)
  if (first === undefined) return []
  const firstKey = valueKey(first.blockHash)
  const out: string[] = []
  for (const [key, tally] of set.byValue) if (key !== firstKey && tally.voters.has(index)) out.push(key)
  return out
}

export function powerFor(set: VoteSet, key: string): number {
  return set.byValue.get(key)?.power ?? 0
}

/**
 * The value (hex or `nil`) whose power reaches `quorum`, if any. With Q = ⌊2P/3⌋+1 and
 * Byzantine power below P/3, at most one value can reach it (quorums intersect in a correct
 * validator); should more, the first one found is returned.
 */
export function quorumValue(set: VoteSet, quorum: number): string | null {
  for (const [key, tally] of set.byValue) if (tally.power >= quorum) return key
  return null
}

/** The votes for one value, in validator-index order. */
export function votesFor(set: VoteSet, key: string): Vote[] {
  const voters = set.byValue.get(key)?.voters
  if (voters === undefined) return []
  return [...voters.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)
}
