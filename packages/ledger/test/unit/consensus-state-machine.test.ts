/*
Scenario index (L<n> = line n of Algorithm 1, arXiv 1807.04938; "rule n" = consensus.md rule n).
Validators: 4 of power 1 unless stated (Q = 3, S = 2); "self" is the validator under test.

StartRoundSuite (L10–L21, rules 3, 4, 5)
x L14/L18   proposer without validValue asks the driver for a block, then proposes it with vr = −1
x L15/L16   proposer with validValue re-proposes it with validRound
x L20/L21   every validator schedules timeoutPropose(r) (proposer too: getValue is asynchronous)
x L18       a late `proposal-value` (round already over) is ignored
x rule 4    proposer(h, r) = index (h + r) mod n; a proposal from anyone else is ignored
x rule 3    a follower that is not in V_h changes step but never broadcasts

ProposeStepSuite (L22–L33, L57–L60; rules 6, 7, 18)
x L22/L24   fresh proposal, not locked: waits for valid(v), then prevotes id(v)
x L22/L26   fresh proposal, invalid: prevotes nil
x L23/L26   fresh proposal, locked on another value: prevotes nil without waiting for valid(v)
x L23/L24   fresh proposal, locked on the same value: prevotes id(v)
x L28/L30   re-proposal with Q prevotes at vr, locked at a round ≤ vr on another value: unlocks, prevotes id(v)
x L28/L32   re-proposal with Q prevotes at vr, locked on another value at a round > vr: prevotes nil
x L28       re-proposal without the prevote quorum at vr: waits; timeoutPropose → prevote nil
x L57/L60   timeoutPropose in step propose → prevote nil; a stale one is ignored
x rule 18   slow validation: timeoutPropose fires first → prevote nil; the late result changes nothing

PrevoteStepSuite (L34–L46, L61–L64; rules 2, 11)
x L34/L35   Q prevotes of mixed values start timeoutPrevote once; Q − 1 do not
x L36/L41   proposal + Q prevotes for id(v): lock, precommit id(v), validValue = v
x L36/L42   same after precommitting nil: validValue/validRound set, lock and step unchanged
x L36       a prevote quorum without the proposal does nothing until the proposal arrives
x L36       a prevote quorum for an invalid value never locks
x L44/L46   Q prevotes for nil → precommit nil
x L61/L64   timeoutPrevote in step prevote → precommit nil
x rule 2    weighted power: two validators holding > 2/3 of the power form a quorum; three light ones do not

PrecommitAndDecideSuite (L47–L54, L65–L67; rules 10, 11, 17)
x L47/L48   Q precommits of any value start timeoutPrecommit; L65–L67 its expiry starts round r + 1
x rule 11   no round advances on a timer alone: without Q precommits there is no timeoutPrecommit
x L49/L51   proposal + Q precommits for id(v) + valid(v): commit with a certificate that verifies (rule 17)
x L49       decides from the precommits of an earlier round r′ while in round r
x L49/L50   Q precommits for an invalid value or without its proposal: no decision
x rule 1    V_h arrives with new-height: membership, proposer and Q follow the new set
x L52–L54   new-height resets round, lock and valid value, and replays buffered next-height messages

RoundSkipSuite (L55–L56; rule 12)
x L55       messages for round r′ > r from S distinct validators → StartRound(r′)
x rule 12   many messages from ONE validator for a higher round never skip
x rule 12   weighted: one validator with power ≥ S skips

LogAndEvidenceSuite (rules 14, 16)
x rule 16   a duplicate vote changes nothing; a conflicting one is evidence (once) and the first counts
x rule 16   an equivocator's conflicting vote counts for its own value, in any order (no hidden polkas)
x rule 16   ... bounded: junk values cannot crowd out a vote for nil or a proposed value
x rule 16   votes from non-members, other chains, rounds above r + K are dropped
x rule 14   next-height messages are buffered with a per-sender bound; older heights dropped
x rule 14   gossipMessages relays others' votes of the last two rounds (the paper's gossip property)
x rule 14   gossipMessages: own votes, and the proposal + prevote quorum behind validValue

RestoreSuite (rule 15)
x           snapshot → restoreState keeps lock and valid value; own messages are fed back
x           validValueProof (kept in the WAL) lets a restored validator gossip its polka again
x           proposer restored in step propose with its signed proposal does not build a new block
x           inconsistent snapshots are refused

PropertySuite
x           random message sequences: apply never mutates its input, never asks to sign two different
            votes for one (round, type), and the lock only changes together with a precommit for it
*/
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  apply,
  consensusConfig,
  ConsensusErrorCode,
  gossipMessages,
  initialState,
  restoreState,
  snapshotOf,
  validValueProof,
} from '../../src/consensus/state-machine.js'
import { Step, type ConsensusInput, type ConsensusState } from '../../src/consensus/types.js'
import { verifyCommitCertificate } from '../../src/consensus/certificate.js'
import { signVote, VoteType } from '../../src/consensus/vote.js'
import { toHex } from '../../src/bytes.js'
import { NIL_KEY, powerFor } from '../../src/consensus/vote-set.js'
import {
  CHAIN,
  TIMEOUTS,
  Run,
  hashOf,
  precommit,
  prevote,
  proposal,
  proposalOf,
  short,
  started,
  validators,
  validity,
  voteOf,
} from '../helpers/consensus.js'

const f4 = validators(4)
const A = hashOf('block A')
const B = hashOf('block B')
const a = short(A)
const b = short(B)
// Height 1: proposer(1, r) = (1 + r) mod 4, so validator 0 proposes round 3, validator 2 round 1.
const H = 1

/** Validator 0 locked on A in round 0 (it precommitted A). */
function lockedOnA(): Run {
  return started(f4, 0).feed(
    proposal(f4, H, 0, A),
    validity(H, A),
    prevote(f4, 0, H, 0, A),
    prevote(f4, 1, H, 0, A),
    prevote(f4, 2, H, 0, A),
  )
}

describe('StartRoundSuite', () => {
  it('L14/L18: proposer without validValue asks for a block, then proposes it with vr = −1', () => {
    const run = started(f4, 1) // proposer(1, 0) = 1
    expect(run.kinds()).toEqual(['build-proposal', 'schedule-timeout'])
    expect(run.ofKind('build-proposal')[0]).toEqual({ kind: 'build-proposal', height: H, round: 0 })
    run.feed({ kind: 'proposal-value', height: H, round: 0, blockHash: A })
    expect(run.broadcasts()).toEqual([`proposal r0 ${a} vr-1`])
  })

  it('L15/L16: proposer with validValue re-proposes it with validRound', () => {
    // Validator 2 sees the polka for A in round 0 after precommitting nil, so validValue = A, validRound = 0.
    const run = started(f4, 2).feed(proposal(f4, H, 0, A), validity(H, A), {
      kind: 'timeout',
      step: 'propose',
      height: H,
      round: 0,
    })
    run.feed(prevote(f4, 0, H, 0, A), prevote(f4, 1, H, 0, A), prevote(f4, 3, H, 0, A))
    expect(run.state.locked?.key).toBe(toHex(A))
    // Round 1: validator 2 is proposer(1, 1).
    run.feed(precommit(f4, 0, H, 0, null), precommit(f4, 1, H, 0, null), precommit(f4, 3, H, 0, null))
    run.feed({ kind: 'timeout', step: 'precommit', height: H, round: 0 })
    expect(run.state.round).toBe(1)
    expect(run.broadcasts()).toEqual([`proposal r1 ${a} vr0`])
    expect(run.kinds()).not.toContain('build-proposal')
  })

  it('L20/L21: every validator schedules timeoutPropose(r)', () => {
    for (const self of [0, 1]) {
      const t = started(f4, self).ofKind('schedule-timeout')
      expect(t).toEqual([
        { kind: 'schedule-timeout', step: 'propose', height: H, round: 0, durationMs: 3000 },
      ])
    }
  })

  it('L18: a late proposal-value for a finished round is ignored', () => {
    const run = started(f4, 1).feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([`prevote r0 nil`])
    run.feed({ kind: 'proposal-value', height: H, round: 0, blockHash: A })
    expect(run.last).toEqual([])
  })

  it('rule 4: proposer(h, r) = (h + r) mod n; proposals from anyone else are ignored', () => {
    expect([0, 1, 2, 3, 4].map((r) => f4.set.proposerIndex(H, r))).toEqual([1, 2, 3, 0, 1])
    const run = started(f4, 0).feed(
      { kind: 'proposal', proposal: proposalOf(f4, 3, H, 0, A) },
      validity(H, A),
    )
    expect(run.state.log.get(0)?.proposals ?? []).toHaveLength(0)
    expect(run.broadcasts()).toEqual([])
  })

  it('rule 3: a follower outside V_h moves through the steps but never broadcasts', () => {
    const run = started(f4, null).feed(proposal(f4, H, 0, A), validity(H, A))
    expect(run.state.step).toBe(Step.PREVOTE)
    expect(run.broadcasts(run.all)).toEqual([])
  })
})

describe('ProposeStepSuite', () => {
  it('L22/L24: fresh proposal, not locked: waits for valid(v), then prevotes id(v)', () => {
    const run = started(f4, 0).feed(proposal(f4, H, 0, A))
    expect(run.kinds()).toEqual(['request-validation'])
    expect(run.state.step).toBe(Step.PROPOSE)
    run.feed(validity(H, A))
    expect(run.broadcasts()).toEqual([`prevote r0 ${a}`])
    expect(run.state.step).toBe(Step.PREVOTE)
  })

  it('L22/L26: fresh invalid proposal → prevote nil', () => {
    const run = started(f4, 0).feed(proposal(f4, H, 0, A), validity(H, A, false))
    expect(run.broadcasts()).toEqual([`prevote r0 nil`])
  })

  it('L23/L26: locked on another value → prevote nil at once, without valid(v)', () => {
    const run = lockedOnA().feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      proposal(f4, H, 1, B), // fresh B in round 1
    )
    expect(run.broadcasts()).toEqual([`prevote r1 nil`])
    expect(run.kinds()).toContain('request-validation') // started early, but not waited for
  })

  it('L23/L24: locked on the same value → prevote it', () => {
    const run = lockedOnA().feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      proposal(f4, H, 1, A),
    )
    expect(run.broadcasts()).toEqual([`prevote r1 ${a}`])
  })

  it('L28/L30: re-proposal with a prevote quorum at vr ≥ lockedRound unlocks', () => {
    // Locked on A in round 0; round 1 has a polka for B that validator 0 missed the proposal of.
    const run = lockedOnA().feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      { kind: 'timeout', step: 'propose', height: H, round: 1 },
      prevote(f4, 1, H, 1, B),
      prevote(f4, 2, H, 1, B),
      prevote(f4, 3, H, 1, B),
      { kind: 'timeout', step: 'prevote', height: H, round: 1 },
      precommit(f4, 1, H, 1, null),
      precommit(f4, 2, H, 1, null),
      precommit(f4, 3, H, 1, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 1 },
    )
    expect(run.state.round).toBe(2)
    run.feed(proposal(f4, H, 2, B, 1), validity(H, B))
    expect(run.broadcasts()).toEqual([`prevote r2 ${b}`])
  })

  it('L28/L32: re-proposal whose vr is below the lock round, for another value → prevote nil', () => {
    // Polka for B in round 0 (validator 0 precommits nil: it saw B's proposal late), lock on A in round 1.
    const run = started(f4, 0).feed(
      { kind: 'timeout', step: 'propose', height: H, round: 0 },
      prevote(f4, 1, H, 0, B),
      prevote(f4, 2, H, 0, B),
      prevote(f4, 3, H, 0, B),
      { kind: 'timeout', step: 'prevote', height: H, round: 0 },
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      proposal(f4, H, 1, A),
      validity(H, A),
      prevote(f4, 1, H, 1, A),
      prevote(f4, 2, H, 1, A),
      prevote(f4, 3, H, 1, A),
    )
    expect(run.state.locked).toMatchObject({ round: 1, key: toHex(A) })
    run.feed(
      precommit(f4, 1, H, 1, null),
      precommit(f4, 2, H, 1, null),
      precommit(f4, 3, H, 1, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 1 },
      proposal(f4, H, 2, B, 0),
      validity(H, B),
    )
    expect(run.broadcasts()).toEqual([`prevote r2 nil`])
  })

  it('L28: a re-proposal without the prevote quorum at vr waits; timeoutPropose → nil', () => {
    const run = started(f4, 0).feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      proposal(f4, H, 1, B, 0),
      validity(H, B),
    )
    expect(run.broadcasts()).toEqual([])
    run.feed({ kind: 'timeout', step: 'propose', height: H, round: 1 })
    expect(run.broadcasts()).toEqual([`prevote r1 nil`])
  })

  it('L57/L60: timeoutPropose → prevote nil; stale timeouts are ignored', () => {
    const run = started(f4, 0)
    run.feed({ kind: 'timeout', step: 'propose', height: H, round: 5 })
    run.feed({ kind: 'timeout', step: 'propose', height: H + 1, round: 0 })
    expect(run.last).toEqual([])
    run.feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([`prevote r0 nil`])
    run.feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([])
  })

  it('rule 18: slow validation — the timeout wins, the late result changes nothing', () => {
    const run = started(f4, 0).feed(proposal(f4, H, 0, A), {
      kind: 'timeout',
      step: 'propose',
      height: H,
      round: 0,
    })
    expect(run.broadcasts()).toEqual([`prevote r0 nil`])
    run.feed(validity(H, A))
    expect(run.broadcasts()).toEqual([])
    expect(run.state.step).toBe(Step.PREVOTE)
  })
})

describe('PrevoteStepSuite', () => {
  it('L34/L35: Q prevotes of mixed values start timeoutPrevote once; Q − 1 do not', () => {
    const run = started(f4, 0).feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    run.feed(prevote(f4, 0, H, 0, null), prevote(f4, 1, H, 0, A))
    expect(run.ofKind('schedule-timeout')).toEqual([])
    run.feed(prevote(f4, 2, H, 0, B))
    expect(run.ofKind('schedule-timeout')).toEqual([
      { kind: 'schedule-timeout', step: 'prevote', height: H, round: 0, durationMs: 1000 },
    ])
    run.feed(prevote(f4, 3, H, 0, B))
    expect(run.ofKind('schedule-timeout')).toEqual([])
  })

  it('L36/L41: proposal + Q prevotes for id(v) → lock, precommit, validValue', () => {
    const run = lockedOnA()
    expect(run.broadcasts(run.all)).toEqual([`prevote r0 ${a}`, `precommit r0 ${a}`])
    expect(run.state.locked).toMatchObject({ round: 0, key: toHex(A) })
    expect(run.state.valid).toMatchObject({ round: 0, key: toHex(A) })
    expect(run.state.step).toBe(Step.PRECOMMIT)
  })

  it('L36/L42: after precommitting nil, a polka sets validValue only', () => {
    const run = started(f4, 0).feed(
      proposal(f4, H, 0, A),
      { kind: 'timeout', step: 'propose', height: H, round: 0 },
      prevote(f4, 0, H, 0, null), // its own nil prevote, fed back
      prevote(f4, 1, H, 0, A),
      prevote(f4, 2, H, 0, A),
    )
    run.feed({ kind: 'timeout', step: 'prevote', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([`precommit r0 nil`])
    run.feed(validity(H, A), prevote(f4, 3, H, 0, A)) // the late third prevote for A completes the polka
    expect(run.broadcasts()).toEqual([])
    expect(run.state.locked).toBeNull()
    expect(run.state.valid).toMatchObject({ round: 0, key: toHex(A) })
    expect(run.state.step).toBe(Step.PRECOMMIT)
  })

  it('L36: a prevote quorum without the proposal waits for it', () => {
    const run = started(f4, 0).feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    run.feed(prevote(f4, 1, H, 0, A), prevote(f4, 2, H, 0, A), prevote(f4, 3, H, 0, A))
    expect(run.broadcasts()).toEqual([])
    run.feed(proposal(f4, H, 0, A), validity(H, A))
    expect(run.broadcasts()).toEqual([`precommit r0 ${a}`])
  })

  it('L36: a polka for an invalid value never locks', () => {
    const run = started(f4, 0).feed(
      proposal(f4, H, 0, A),
      validity(H, A, false),
      prevote(f4, 1, H, 0, A),
      prevote(f4, 2, H, 0, A),
      prevote(f4, 3, H, 0, A),
    )
    expect(run.broadcasts(run.all)).toEqual([`prevote r0 nil`])
    expect(run.state.locked).toBeNull()
  })

  it('L44/L46: Q prevotes for nil → precommit nil', () => {
    const run = started(f4, 0).feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    run.feed(prevote(f4, 1, H, 0, null), prevote(f4, 2, H, 0, null))
    expect(run.broadcasts()).toEqual([])
    run.feed(prevote(f4, 3, H, 0, null))
    expect(run.broadcasts()).toEqual([`precommit r0 nil`])
  })

  it('L61/L64: timeoutPrevote → precommit nil', () => {
    const run = started(f4, 0).feed({ kind: 'timeout', step: 'propose', height: H, round: 0 })
    run.feed({ kind: 'timeout', step: 'prevote', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([`precommit r0 nil`])
    run.feed({ kind: 'timeout', step: 'prevote', height: H, round: 0 })
    expect(run.broadcasts()).toEqual([])
  })

  it('rule 2: thresholds by power, never by count', () => {
    // Powers 10, 10, 1, 1, 1 (P = 23, Q = 16): validators 0 and 1 together (20) are a quorum,
    // the three light ones (3) are not.
    const w = validators(5, [10, 10, 1, 1, 1], 'w')
    const heavy = w.set.validators
      .map((v, i) => [v.power, i] as const)
      .filter(([p]) => p === 10)
      .map(([, i]) => i)
    const light = w.set.validators
      .map((v, i) => [v.power, i] as const)
      .filter(([p]) => p === 1)
      .map(([, i]) => i)
    expect(w.set.quorum).toBe(16)
    const lightRun = started(w, light[0]!).feed(
      { kind: 'timeout', step: 'propose', height: H, round: 0 },
      ...light.map((i) => prevote(w, i, H, 0, null)),
    )
    expect(lightRun.broadcasts(lightRun.all)).toEqual([`prevote r0 nil`])
    const heavyRun = started(w, light[0]!).feed(
      { kind: 'timeout', step: 'propose', height: H, round: 0 },
      ...heavy.map((i) => prevote(w, i, H, 0, null)),
    )
    expect(heavyRun.broadcasts(heavyRun.all)).toEqual([`prevote r0 nil`, `precommit r0 nil`])
  })
})

describe('PrecommitAndDecideSuite', () => {
  it('L47/L48 + L65/L67: Q precommits of any value start timeoutPrecommit; expiry starts r + 1', () => {
    const run = started(f4, 0).feed(precommit(f4, 1, H, 0, A), precommit(f4, 2, H, 0, null))
    expect(run.ofKind('schedule-timeout')).toEqual([])
    run.feed(precommit(f4, 3, H, 0, B))
    expect(run.ofKind('schedule-timeout')).toEqual([
      { kind: 'schedule-timeout', step: 'precommit', height: H, round: 0, durationMs: 1000 },
    ])
    run.feed({ kind: 'timeout', step: 'precommit', height: H, round: 0 })
    expect(run.state.round).toBe(1)
    expect(run.state.step).toBe(Step.PROPOSE)
    expect(run.ofKind('schedule-timeout')).toEqual([
      { kind: 'schedule-timeout', step: 'propose', height: H, round: 1, durationMs: 4500 },
    ])
  })

  it('rule 11: without Q precommits no timeoutPrecommit, so the round never advances on timers', () => {
    const run = started(f4, 0).feed(
      { kind: 'timeout', step: 'propose', height: H, round: 0 },
      { kind: 'timeout', step: 'prevote', height: H, round: 0 },
      precommit(f4, 1, H, 0, null),
    )
    expect(run.ofKind('schedule-timeout', run.all).map((t) => t.step)).toEqual(['propose'])
    expect(run.state.round).toBe(0)
  })

  it('L49/L51: proposal + Q precommits for id(v) + valid(v) → commit with a verifying certificate', () => {
    const run = lockedOnA().feed(precommit(f4, 0, H, 0, A), precommit(f4, 1, H, 0, A))
    expect(run.ofKind('commit')).toEqual([])
    run.feed(precommit(f4, 3, H, 0, A))
    const [commit] = run.ofKind('commit')
    expect(commit).toBeDefined()
    expect(commit!.height).toBe(H)
    expect(commit!.round).toBe(0)
    expect(toHex(commit!.blockHash)).toBe(toHex(A))
    expect(commit!.certificate.signatures.map((s) => s.validatorIndex)).toEqual([0, 1, 3])
    expect(() =>
      verifyCommitCertificate(commit!.certificate, f4.set, { chainId: CHAIN, height: H, blockHash: A }),
    ).not.toThrow()
    expect(run.state.step).toBe(Step.DECIDED)
    run.feed(precommit(f4, 2, H, 0, A), { kind: 'timeout', step: 'precommit', height: H, round: 0 })
    expect(run.last).toEqual([])
  })

  it('L49: decides from the precommits of an earlier round r′ while in round r', () => {
    const run = started(f4, 0).feed(
      prevote(f4, 1, H, 1, B),
      prevote(f4, 2, H, 1, B), // S = 2 senders in round 1 → skip to round 1 (L55)
    )
    expect(run.state.round).toBe(1)
    run.feed(
      { kind: 'proposal', proposal: proposalOf(f4, 1, H, 0, A) },
      validity(H, A),
      precommit(f4, 1, H, 0, A),
      precommit(f4, 2, H, 0, A),
      precommit(f4, 3, H, 0, A),
    )
    const [commit] = run.ofKind('commit')
    expect(commit).toMatchObject({ height: H, round: 0 })
    expect(toHex(commit!.blockHash)).toBe(toHex(A))
  })

  it('L49/L50: no decision for an invalid value or without its proposal', () => {
    const noProposal = started(f4, 0).feed(
      precommit(f4, 1, H, 0, A),
      precommit(f4, 2, H, 0, A),
      precommit(f4, 3, H, 0, A),
    )
    expect(noProposal.ofKind('commit', noProposal.all)).toEqual([])
    const invalid = started(f4, 0).feed(
      proposal(f4, H, 0, A),
      validity(H, A, false),
      precommit(f4, 1, H, 0, A),
      precommit(f4, 2, H, 0, A),
      precommit(f4, 3, H, 0, A),
    )
    expect(invalid.ofKind('commit', invalid.all)).toEqual([])
    expect(invalid.state.step).not.toBe(Step.DECIDED)
  })

  it('rule 1: V_h comes with new-height; membership, proposer and Q follow the new set', () => {
    // Height 2 has a fifth validator (a change committed at height 0 would apply from 2).
    const f5 = validators(5, undefined, 'v') // v0..v3 as in f4, plus v4
    const self = f5.set.indexOf(f4.keys[0]!.publicKey)
    const run = started(f4, 0, 1)
    const newcomer = f5.keys.findIndex((k) => f4.set.indexOf(k.publicKey) < 0)
    run.feed(prevote(f5, newcomer, 1, 0, A)) // not in V_1
    expect(run.state.log.size).toBe(0)
    run.feed({ kind: 'new-height', height: 2, validators: f5.set })
    expect(run.state).toMatchObject({ selfIndex: self, quorum: 4, skipThreshold: 2 })
    run.feed(prevote(f5, newcomer, 2, 0, A))
    expect(run.state.log.get(0)!.prevotes.power).toBe(1)
    const p = f5.set.proposerIndex(2, 0)
    run.feed({ kind: 'proposal', proposal: proposalOf(f5, p, 2, 0, B) })
    expect(run.state.log.get(0)!.proposals).toHaveLength(1)
  })

  it('L52–L54: new-height resets the height state and replays buffered next-height messages', () => {
    const run = lockedOnA().feed(
      proposal(f4, H + 1, 0, B), // next height: buffered
      prevote(f4, 1, H + 1, 0, B),
      precommit(f4, 0, H, 0, A),
      precommit(f4, 1, H, 0, A),
      precommit(f4, 3, H, 0, A),
    )
    expect(run.ofKind('commit')).toHaveLength(1)
    expect(run.state.buffered).toHaveLength(2)
    run.feed({ kind: 'new-height', height: H + 1, validators: f4.set })
    expect(run.state).toMatchObject({
      height: H + 1,
      round: 0,
      step: Step.PROPOSE,
      locked: null,
      valid: null,
    })
    expect(run.state.log.get(0)?.prevotes.power).toBe(1)
    expect(run.ofKind('request-validation')).toEqual([
      { kind: 'request-validation', height: H + 1, round: 0, blockHash: B },
    ])
    run.feed(validity(H + 1, B))
    expect(run.broadcasts()).toEqual([`prevote r0 ${b}`])
    expect(() => run.feed({ kind: 'new-height', height: H + 1, validators: f4.set })).toThrow(
      expect.objectContaining({ code: ConsensusErrorCode.BAD_HEIGHT }),
    )
  })
})

describe('RoundSkipSuite', () => {
  it('L55: messages for r′ > r from S distinct validators → StartRound(r′)', () => {
    const run = started(f4, 0).feed(prevote(f4, 1, H, 4, null))
    expect(run.state.round).toBe(0)
    run.feed(precommit(f4, 2, H, 4, null))
    expect(run.state.round).toBe(4)
    expect(run.ofKind('schedule-timeout')).toEqual([
      {
        kind: 'schedule-timeout',
        step: 'propose',
        height: H,
        round: 4,
        durationMs: Math.round(3000 * 1.5 ** 4),
      },
    ])
  })

  it('rule 12: many messages from one validator never skip', () => {
    const run = started(f4, 0)
    for (let r = 1; r <= 8; r++) run.feed(prevote(f4, 3, H, r, null), precommit(f4, 3, H, r, null))
    run.feed({ kind: 'proposal', proposal: proposalOf(f4, 3, H, 2, A) }) // proposer(1, 2) = 3
    expect(run.state.round).toBe(0)
  })

  it('rule 12: weighted — a single validator with power ≥ S skips', () => {
    const w = validators(4, [5, 1, 1, 1], 'p')
    const heavy = w.set.validators.findIndex((v) => v.power === 5)
    const self = heavy === 0 ? 1 : 0
    expect(w.set.skipThreshold).toBe(3)
    const run = started(w, self).feed(prevote(w, heavy, H, 2, null))
    expect(run.state.round).toBe(2)
  })
})

describe('LogAndEvidenceSuite', () => {
  it('rule 16: duplicates change nothing; a conflicting vote is evidence once, the first counts', () => {
    const run = started(f4, 0).feed(prevote(f4, 1, H, 0, A))
    const before = run.state
    run.feed(prevote(f4, 1, H, 0, A))
    expect(run.last).toEqual([])
    expect(run.state.log).toBe(before.log)
    run.feed(prevote(f4, 1, H, 0, B))
    const [ev] = run.ofKind('evidence')
    expect(ev).toBeDefined()
    expect(toHex(ev!.evidence.validator)).toBe(toHex(f4.keys[1]!.publicKey))
    const prevotes = () => run.state.log.get(0)!.prevotes
    expect(powerFor(prevotes(), toHex(A))).toBe(1)
    expect(powerFor(prevotes(), toHex(B))).toBe(1) // the conflicting vote counts for B
    run.feed(prevote(f4, 1, H, 0, null))
    expect(run.ofKind('evidence')).toEqual([])
    expect(powerFor(prevotes(), NIL_KEY)).toBe(1)
    expect(prevotes().power).toBe(1) // the any-value tally counts validator 1 once
  })

  it('rule 16: an equivocator cannot crowd out its relevant votes with junk values', () => {
    const K = consensusConfig({ chainId: CHAIN, self: null }).maxProposalsPerRound
    const junk = Array.from({ length: K + 3 }, (_, i) => hashOf(`junk ${i}`))
    const run = started(f4, 0).feed(prevote(f4, 1, H, 0, A), ...junk.map((j) => prevote(f4, 1, H, 0, j)))
    const counted = () =>
      [...run.state.log.get(0)!.prevotes.byValue].filter(([, t]) => t.voters.has(1)).length
    expect(counted()).toBe(1 + K + 1) // the first vote and K + 1 conflicting ones
    run.feed(prevote(f4, 1, H, 0, B)) // B is not proposed either: dropped
    expect(powerFor(run.state.log.get(0)!.prevotes, toHex(B))).toBe(0)
    run.feed({ kind: 'proposal', proposal: proposalOf(f4, 1, H, 0, B) }, prevote(f4, 1, H, 0, B))
    expect(powerFor(run.state.log.get(0)!.prevotes, toHex(B))).toBe(1) // replaced a junk one
    expect(counted()).toBe(1 + K + 1)
  })

  it('rule 16 + L36: an equivocator cannot hide a polka — its conflicting vote counts, in any order', () => {
    // Validator 1 (the proposer) equivocates: proposals A and B, prevotes A and B. Here its A
    // prevote came first, and its B prevote even before the B proposal; the polka for B
    // (validators 1, 2, 3) is seen all the same, and validator 0 precommits B.
    const run = started(f4, 0).feed(
      proposal(f4, H, 0, A),
      validity(H, A),
      prevote(f4, 1, H, 0, A),
      prevote(f4, 1, H, 0, B),
      prevote(f4, 2, H, 0, B),
      prevote(f4, 3, H, 0, B),
      { kind: 'proposal', proposal: proposalOf(f4, 1, H, 0, B) },
      validity(H, B),
    )
    expect(powerFor(run.state.log.get(0)!.prevotes, toHex(B))).toBe(3)
    expect(run.state.log.get(0)!.prevotes.power).toBe(3)
    expect(run.ofKind('evidence', run.all)).toHaveLength(1)
    expect(run.broadcasts(run.all)).toEqual([`prevote r0 ${a}`, `precommit r0 ${b}`])
  })

  it('rule 16: non-members, other chains and rounds above r + K are dropped', () => {
    const outsider = validators(1, undefined, 'outsider')
    const run = started(f4, 0).feed(
      { kind: 'vote', vote: voteOf(outsider, 0, VoteType.PREVOTE, H, 0, A) },
      prevote(f4, 1, H, run0K() + 1, null),
      prevote(f4, 2, H, run0K() + 1, null),
    )
    expect(run.state.log.size).toBe(0)
    expect(run.state.round).toBe(0)
    const k = f4.keys[1]!
    const foreign = signVote(
      { chainId: 'other-chain', type: VoteType.PREVOTE, height: H, round: 0, blockHash: A },
      k.secretKey,
      k.publicKey,
    )
    expect(started(f4, 0).feed({ kind: 'vote', vote: foreign }).state.log.size).toBe(0)
  })

  it('rule 14: next-height messages are buffered per sender up to a bound; older heights dropped', () => {
    const run = started(f4, 0, 5)
    run.feed(prevote(f4, 1, 4, 0, A), prevote(f4, 1, 7, 0, A))
    expect(run.state.buffered).toHaveLength(0)
    for (let r = 0; r <= 10; r++) {
      for (const v of [A, B, null, hashOf(`x${r}`), hashOf(`y${r}`)]) run.feed(prevote(f4, 1, 6, r, v))
    }
    expect(run.state.buffered).toHaveLength(4 * 11) // per-sender quota: 4 × (K + 1)
    run.feed(prevote(f4, 2, 6, 0, A), prevote(f4, 2, 6, 11, A)) // round 11 > K: dropped
    expect(run.state.buffered).toHaveLength(4 * 11 + 1)
  })

  it('rule 14: gossipMessages relays the votes of others of the last two rounds', () => {
    // Validator 0 went to round 1 on three nil precommits of round 0 (its own never sent):
    // the others need exactly those precommits, including one whose sender may be gone.
    const run = started(f4, 0).feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      precommit(f4, 3, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
    )
    expect(run.state.round).toBe(1)
    const relayed = gossipMessages(run.state).flatMap((m) =>
      m.kind === 'vote' ? [f4.set.indexOf(m.vote.validator)] : [],
    )
    expect(relayed.sort()).toEqual([1, 2, 3])
  })

  it('rule 14: gossipMessages lists own votes and the proof behind validValue', () => {
    const run = lockedOnA().feed(precommit(f4, 0, H, 0, A))
    const gossip = gossipMessages(run.state)
    const described = gossip.map((m) =>
      m.kind === 'proposal'
        ? `proposal ${short(m.proposal.blockHash)}`
        : `${m.vote.type === VoteType.PREVOTE ? 'prevote' : 'precommit'} v${f4.set.indexOf(m.vote.validator)} ${short(m.vote.blockHash)}`,
    )
    expect(described.sort()).toEqual(
      [`prevote v0 ${a}`, `precommit v0 ${a}`, `proposal ${a}`, `prevote v1 ${a}`, `prevote v2 ${a}`].sort(),
    )
  })
})

function run0K(): number {
  return consensusConfig({ chainId: CHAIN, self: null }).maxRoundsAhead
}

describe('RestoreSuite', () => {
  const config0 = consensusConfig({ chainId: CHAIN, self: f4.keys[0]!.publicKey, timeouts: TIMEOUTS })

  it('restoreState keeps lock and valid value and takes the own messages back', () => {
    const before = lockedOnA().feed(precommit(f4, 0, H, 0, A))
    const snap = snapshotOf(before.state)!
    expect(snap).toMatchObject({ height: H, round: 0, step: 'precommit', locked: { round: 0 } })
    const own = gossipMessages(before.state).filter(
      (m) => m.kind === 'vote' && f4.set.indexOf(m.vote.validator) === 0,
    )
    const t = restoreState(config0, { snapshot: snap, validators: f4.set, messages: own })
    expect(t.state.locked?.key).toBe(toHex(A))
    expect(t.state.valid?.key).toBe(toHex(A))
    expect(t.state.log.get(0)!.precommits.votes.get(0)).toBeDefined()
    // In round 1 a fresh proposal for B gets a nil prevote: the lock survived the restart.
    const run = new Run(t.state).feed(
      precommit(f4, 1, H, 0, null),
      precommit(f4, 2, H, 0, null),
      { kind: 'timeout', step: 'precommit', height: H, round: 0 },
      proposal(f4, H, 1, B),
    )
    expect(run.broadcasts()).toEqual([`prevote r1 nil`])
  })

  it('validValueProof: restored with it, a validator can show the polka behind its lock again', () => {
    const before = lockedOnA().feed(precommit(f4, 0, H, 0, A))
    const proof = validValueProof(before.state)
    expect(proof.map((m) => m.kind)).toEqual(['proposal', 'vote', 'vote', 'vote'])
    const t = restoreState(config0, {
      snapshot: snapshotOf(before.state)!,
      validators: f4.set,
      messages: proof,
    })
    const gossip = gossipMessages(t.state)
    for (const m of proof) expect(gossip).toContainEqual(m)
    expect(validValueProof(started(f4, 0).state)).toEqual([])
  })

  it('a proposer restored in step propose with its signed proposal builds nothing new', () => {
    const config1 = consensusConfig({ chainId: CHAIN, self: f4.keys[1]!.publicKey, timeouts: TIMEOUTS })
    const own = { kind: 'proposal' as const, proposal: proposalOf(f4, 1, H, 0, A) }
    const snap = { height: H, round: 0, step: Step.PROPOSE, locked: null, valid: null }
    const t = restoreState(config1, { snapshot: snap, validators: f4.set, messages: [own] })
    expect(t.outputs.map((o) => o.kind)).toEqual(['request-validation', 'schedule-timeout'])
    const bare = restoreState(config1, { snapshot: snap, validators: f4.set, messages: [] })
    expect(bare.outputs.map((o) => o.kind)).toEqual(['build-proposal', 'schedule-timeout'])
  })

  it.each([
    { name: 'lock above round', locked: { round: 3, hash: A }, valid: { round: 3, hash: A } },
    { name: 'lock without valid value', locked: { round: 0, hash: A }, valid: null },
    { name: 'valid below lock', locked: { round: 1, hash: A }, valid: { round: 0, hash: A } },
  ])('refuses an inconsistent snapshot: $name', ({ locked, valid }) => {
    const snap = { height: H, round: 1, step: Step.PREVOTE, locked, valid }
    expect(() => restoreState(config0, { snapshot: snap, validators: f4.set, messages: [] })).toThrow(
      expect.objectContaining({ code: ConsensusErrorCode.BAD_SNAPSHOT }),
    )
  })
})

function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || typeof value !== 'object' || seen.has(value) || ArrayBuffer.isView(value))
    return value
  seen.add(value)
  if (value instanceof Map) {
    for (const [k, v] of value) {
      deepFreeze(k, seen)
      deepFreeze(v, seen)
    }
  }
  if (value instanceof Set) for (const v of value) deepFreeze(v, seen)
  for (const v of Object.values(value)) deepFreeze(v, seen)
  return Object.freeze(value)
}

function fingerprint(s: ConsensusState): string {
  return JSON.stringify({
    h: s.height,
    r: s.round,
    step: s.step,
    locked: s.locked?.key ?? null,
    valid: s.valid?.key ?? null,
    log: [...s.log].map(([r, l]) => [
      r,
      l.proposals.length,
      [...l.prevotes.byValue].map(([k, t]) => [k, t.power]),
      [...l.precommits.byValue].map(([k, t]) => [k, t.power]),
    ]),
    buffered: s.buffered.length,
  })
}

describe('PropertySuite', () => {
  const values = [A, B, null]
  const inputs: ConsensusInput[] = []
  for (let r = 0; r < 3; r++) {
    for (const v of values) {
      for (let i = 1; i < 4; i++) inputs.push(prevote(f4, i, H, r, v), precommit(f4, i, H, r, v))
      if (v !== null) inputs.push(proposal(f4, H, r, v, r > 0 ? r - 1 : -1), proposal(f4, H, r, v))
    }
    for (const step of ['propose', 'prevote', 'precommit'] as const)
      inputs.push({ kind: 'timeout', step, height: H, round: r })
  }
  for (const v of [A, B]) inputs.push(validity(H, v, true), validity(H, v, false))

  it('never mutates its input, never double-votes, and locks only with a precommit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: inputs.length - 1 }), { maxLength: 80 }), (picks) => {
        let run = started(f4, 0)
        const voted = new Map<string, string>()
        for (const pick of picks) {
          const before = deepFreeze(run.state)
          const print = fingerprint(before)
          const t = apply(before, inputs[pick]!)
          expect(fingerprint(before)).toBe(print)
          for (const o of t.outputs) {
            if (o.kind !== 'broadcast' || o.message.kind !== 'vote') continue
            const k = `${o.message.fields.round}/${o.message.fields.type}`
            const v = short(o.message.fields.blockHash)
            expect(voted.get(k) ?? v).toBe(v)
            voted.set(k, v)
          }
          if (t.state.locked !== before.locked && t.state.locked !== null) {
            const precommits = t.outputs.filter(
              (o) =>
                o.kind === 'broadcast' &&
                o.message.kind === 'vote' &&
                o.message.fields.type === VoteType.PRECOMMIT,
            )
            expect(precommits).toHaveLength(1)
            expect(t.state.locked.round).toBe(t.state.round)
          }
          if (t.state.locked !== null)
            expect(t.state.valid!.round).toBeGreaterThanOrEqual(t.state.locked.round)
          run = new Run(t.state)
          // Feed own votes back as a driver would.
          for (const o of t.outputs) {
            if (o.kind === 'broadcast' && o.message.kind === 'vote') {
              const f = o.message.fields
              run.feed({ kind: 'vote', vote: voteOf(f4, 0, f.type, f.height, f.round, f.blockHash) })
            }
          }
        }
      }),
      { numRuns: 150 },
    )
  })

  it('initialState ignores messages until the first height', () => {
    const s = initialState(consensusConfig({ chainId: CHAIN, self: null }))
    const t = apply(s, prevote(f4, 1, H, 0, A))
    expect(t.outputs).toEqual([])
    expect(t.state.step).toBe(Step.IDLE)
  })
})
