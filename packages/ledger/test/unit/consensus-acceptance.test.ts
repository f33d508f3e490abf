/** Acceptance at the driver's boundary (rule 16) and commit certificates (rules 10, 17). */
import { describe, expect, it } from 'vitest'
import {
  acceptConsensusMessage,
  AcceptanceCode,
  type AcceptanceView,
} from '../../src/consensus/acceptance.js'
import {
  CertificateErrorCode,
  createCommitCertificate,
  verifyCommitCertificate,
} from '../../src/consensus/certificate.js'
import { Proposal, Vote, VoteType } from '../../src/consensus/vote.js'
import type { ConsensusMessage } from '../../src/consensus/types.js'
import { CHAIN, hashOf, proposalOf, validators, voteOf } from '../helpers/consensus.js'

const f = validators(4)
const next = validators(4, undefined, 'next')
const A = hashOf('A')
const view: AcceptanceView = {
  chainId: CHAIN,
  height: 5,
  round: 2,
  validators: f.set,
  nextValidators: next.set,
  maxRoundsAhead: 10,
}
const vote = (i: number, h: number, r: number, fx = f): ConsensusMessage => ({
  kind: 'vote',
  vote: voteOf(fx, i, VoteType.PREVOTE, h, r, A),
})
const good = voteOf(f, 1, VoteType.PREVOTE, 5, 2, A)
const forged: ConsensusMessage = {
  kind: 'vote',
  vote: new Vote(good, good.validator, new Uint8Array(64).fill(7)),
}
const wrongChain: ConsensusMessage = {
  kind: 'vote',
  vote: new Vote({ ...good, chainId: 'other' }, good.validator, good.signature),
}
const p = proposalOf(f, f.set.proposerIndex(5, 2), 5, 2, A)
const badVr: ConsensusMessage = {
  kind: 'proposal',
  proposal: new Proposal({ ...p, validRound: 2 }, p.proposer, p.signature),
}

describe('acceptConsensusMessage (rule 16)', () => {
  it.each([
    { name: 'current height vote', m: vote(1, 5, 2), ok: true, nextHeight: false },
    { name: 'vote for a higher round within K', m: vote(1, 5, 12), ok: true, nextHeight: false },
    { name: 'next height, next set', m: vote(2, 6, 0, next), ok: true, nextHeight: true },
    {
      name: 'proposal from the proposer',
      m: { kind: 'proposal', proposal: p } as ConsensusMessage,
      ok: true,
      nextHeight: false,
    },
  ])('accepts $name', ({ m, nextHeight }) => {
    expect(acceptConsensusMessage(m, view)).toEqual({ ok: true, nextHeight })
  })

  it.each([
    { name: 'another chain', m: wrongChain, code: AcceptanceCode.WRONG_CHAIN },
    { name: 'an old height', m: vote(1, 4, 0), code: AcceptanceCode.OLD_HEIGHT },
    { name: 'height h+2', m: vote(1, 7, 0), code: AcceptanceCode.FAR_HEIGHT },
    { name: 'round above r+K', m: vote(1, 5, 13), code: AcceptanceCode.FAR_ROUND },
    { name: 'next height round above K', m: vote(1, 6, 11, next), code: AcceptanceCode.FAR_ROUND },
    { name: 'a non-member', m: vote(1, 5, 2, next), code: AcceptanceCode.UNKNOWN_SENDER },
    { name: 'current set at next height', m: vote(1, 6, 0), code: AcceptanceCode.UNKNOWN_SENDER },
    { name: 'a bad signature', m: forged, code: AcceptanceCode.BAD_SIGNATURE },
    {
      name: 'a proposal from a non-proposer',
      m: {
        kind: 'proposal',
        proposal: proposalOf(f, (f.set.proposerIndex(5, 2) + 1) % 4, 5, 2, A),
      } as ConsensusMessage,
      code: AcceptanceCode.NOT_PROPOSER,
    },
    { name: 'a proposal with validRound ≥ round', m: badVr, code: AcceptanceCode.BAD_VALID_ROUND },
  ])('rejects $name', ({ m, code }) => {
    expect(acceptConsensusMessage(m, view)).toMatchObject({ ok: false, code })
  })

  it('rejects next-height messages while V_{h+1} is unknown', () => {
    expect(acceptConsensusMessage(vote(2, 6, 0, next), { ...view, nextValidators: null })).toMatchObject({
      ok: false,
      code: AcceptanceCode.NEXT_SET_UNKNOWN,
    })
  })
})

describe('commit certificates (rules 10, 17)', () => {
  const precommits = [0, 1, 3].map((i) => voteOf(f, i, VoteType.PRECOMMIT, 5, 1, A))
  const expectation = { chainId: CHAIN, height: 5, blockHash: A }

  it('creates a certificate that verifies, signers sorted and distinct', () => {
    const cert = createCommitCertificate(f.set, [...precommits].reverse().concat(precommits[0]!))
    expect(cert.signatures.map((s) => s.validatorIndex)).toEqual([0, 1, 3])
    expect(() => verifyCommitCertificate(cert, f.set, expectation)).not.toThrow()
  })

  it.each([
    { name: 'a precommit of another round', extra: voteOf(f, 2, VoteType.PRECOMMIT, 5, 2, A) },
    { name: 'a precommit for another block', extra: voteOf(f, 2, VoteType.PRECOMMIT, 5, 1, hashOf('B')) },
    { name: 'a prevote', extra: voteOf(f, 2, VoteType.PREVOTE, 5, 1, A) },
  ])('refuses to mix in $name', ({ extra }) => {
    expect(() => createCommitCertificate(f.set, [...precommits, extra])).toThrow(
      expect.objectContaining({ code: CertificateErrorCode.WRONG_BLOCK }),
    )
  })

  it('verifies with an injected signature check (the simulator) and still checks power', () => {
    const cert = createCommitCertificate(f.set, precommits.slice(0, 2))
    expect(() => verifyCommitCertificate(cert, f.set, expectation, () => true)).toThrow(
      expect.objectContaining({ code: CertificateErrorCode.INSUFFICIENT_POWER }),
    )
    const full = createCommitCertificate(f.set, precommits)
    expect(() => verifyCommitCertificate(full, f.set, expectation, () => false)).toThrow(
      expect.objectContaining({ code: CertificateErrorCode.BAD_SIGNATURE }),
    )
  })
})
