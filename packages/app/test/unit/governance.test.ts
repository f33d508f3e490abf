import { fromHex, toHex } from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildAccountRegister,
  buildAccountRevoke,
  buildGovPropose,
  buildGovVote,
  buildLicenceApply,
  buildLoanApply,
  isApproved,
  type ProposalAction,
  type ValidatorEntry,
} from '../../src/index.js'
import { citizen } from '../fixtures.js'
import { demoGenesisJson, key, TestChain } from '../harness.js'

/** One governance delegate per member organisation of the demo alliance (7 members: 5 yes votes approve). */
const DELEGATES = [
  'licensing-admin',
  'registry-admin',
  'socsec-admin',
  'north-admin',
  'south-admin',
  'regulator-admin',
  'auditor-admin',
]

let n = 0
async function propose(
  chain: TestChain,
  action: ProposalAction,
  by = 'licensing-admin',
  deadline = 50,
): Promise<string> {
  const id = `PROP-${++n}`
  await chain.ok(by, buildGovPropose({ recordId: id, action, deadlineHeight: chain.height + deadline }))
  return id
}

async function voteAll(chain: TestChain, id: string, voters: string[], vote: 'yes' | 'no' = 'yes') {
  const outs = []
  for (const v of voters) outs.push(await chain.block([chain.tx(v, buildGovVote({ recordId: id, vote }))]))
  return outs
}

/** A proposal of `action` is refused with `code` and leaves no record. */
async function expectRefusedProposal(action: ProposalAction, code: string): Promise<void> {
  const chain = await TestChain.create()
  expect(
    await chain.code('licensing-admin', buildGovPropose({ recordId: 'P', action, deadlineHeight: 10 })),
  ).toBe(code)
  expect(await chain.record('P')).toBeNull()
}

function validatorsOf(chain: TestChain): ValidatorEntry[] {
  return chain.genesis.validators.map((v) => ({
    publicKey: v.publicKey,
    power: v.power,
    member: v.member,
    name: v.name,
  }))
}

describe('governance', () => {
  it('the threshold is more than 2/3 of the member organisations', () => {
    expect(
      [4, 7, 10].map((voters) => [1, 2, 3, 4, 5, 6, 7, 8].filter((y) => isApproved(y, voters))[0]),
    ).toEqual([3, 5, 7])
  })

  it('set-member-roles: approved by the 5th of 7 yes votes, executed in that transaction, members reported by endBlock', async () => {
    const chain = await TestChain.create()
    const id = await propose(chain, {
      type: 'set-member-roles',
      memberId: 'social-security',
      roles: ['agency', 'bank'],
    })
    const outs = await voteAll(chain, id, DELEGATES.slice(0, 4))
    expect(outs.every((o) => o.end.members === undefined && o.end.validators === undefined)).toBe(true)
    expect((await chain.record(id)).record.status).toBe('open')
    // until executed, a bank-only role cannot be given to the agency's accounts
    const lender = buildAccountRegister({
      member: 'social-security',
      name: 'socsec-lender',
      publicKey: key('socsec-lender').publicKey,
      roles: ['loan-officer'],
    })
    expect(await chain.code('socsec-admin', lender)).toBe(AppErrorCode.FORBIDDEN)
    const [fifth] = await voteAll(chain, id, ['south-admin'])
    expect(fifth!.results[0]!.ok).toBe(true)
    const receipt = fifth!.results[0]!.ok ? fifth!.results[0]!.receipt : null
    expect(receipt?.events.map((e) => e.type)).toEqual(['gov.vote', 'gov.members-changed', 'gov.execute'])
    expect(fifth!.end.validators).toBeUndefined()
    expect(fifth!.end.members?.find((m) => m.id === 'social-security')?.roles).toEqual(['agency', 'bank'])
    expect(fifth!.end.members).toHaveLength(7)
    const r = await chain.record(id)
    expect(r.record).toMatchObject({ status: 'executed', decidedHeight: fifth!.height })
    expect(((await chain.query('proposal', { id })).value as { record: unknown }).record).toEqual(r.record)
    expect(r.history.map((e: { action: string; to: string }) => `${e.action}:${e.to}`)).toEqual([
      'gov.propose:open',
      ...Array(5).fill('gov.vote:open'),
      'gov.execute:executed',
    ])
    expect(Object.keys(r.record.votes).sort()).toEqual([
      'bank-north',
      'bank-south',
      'city-licensing',
      'civil-registry',
      'social-security',
    ])
    // the pending flag is consumed: the next block reports nothing
    expect((await chain.block([])).end).toEqual({})
    // the new role takes effect: an admin of social-security can now register a loan officer
    await chain.ok('socsec-admin', lender)
    const loan = buildLoanApply({
      recordId: 'LOAN-SS',
      amount: 1,
      currency: 'EUR',
      fields: citizen('LOAN-SS'),
    })
    expect(await chain.code('socsec-lender', loan)).toBe('ok')
    // votes after the decision
    expect(await chain.code('regulator-admin', buildGovVote({ recordId: id, vote: 'yes' }))).toBe(
      AppErrorCode.PROPOSAL_CLOSED,
    )
  })

  it('votes: one per member organisation, only by governance delegates of voters', async () => {
    const chain = await TestChain.create()
    await chain.ok(
      'north-admin',
      buildAccountRegister({
        member: 'bank-north',
        name: 'north-delegate-2',
        publicKey: key('north-delegate-2').publicKey,
        roles: ['governance-delegate'],
      }),
    )
    const id = await propose(chain, { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor'] })
    expect(await chain.code('north-officer', buildGovVote({ recordId: id, vote: 'yes' }))).toBe(
      AppErrorCode.FORBIDDEN,
    )
    expect(await chain.code('north-admin', buildGovVote({ recordId: id, vote: 'yes' }))).toBe('ok')
    expect(await chain.check('north-delegate-2', buildGovVote({ recordId: id, vote: 'no' }))).toBe(
      AppErrorCode.ALREADY_VOTED,
    )
    expect(await chain.code('north-delegate-2', buildGovVote({ recordId: id, vote: 'no' }))).toBe(
      AppErrorCode.ALREADY_VOTED,
    )
    expect(await chain.code('north-admin', buildGovVote({ recordId: 'PROP-NONE', vote: 'no' }))).toBe(
      AppErrorCode.NOT_FOUND,
    )
    expect(await chain.code('stranger', buildGovVote({ recordId: id, vote: 'no' }))).toBe(
      AppErrorCode.UNKNOWN_ACCOUNT,
    )
    expect(Object.keys((await chain.record(id)).record.votes)).toEqual(['bank-north'])
  })

  it('rejected as soon as enough "no" votes make approval impossible', async () => {
    const chain = await TestChain.create()
    const id = await propose(chain, {
      type: 'set-member-roles',
      memberId: 'auditor',
      roles: ['auditor', 'regulator'],
    })
    await voteAll(chain, id, DELEGATES.slice(0, 2), 'no')
    expect((await chain.record(id)).record.status).toBe('open')
    await voteAll(chain, id, DELEGATES.slice(2, 3), 'no')
    expect((await chain.record(id)).record).toMatchObject({ status: 'rejected' })
    expect((await chain.query('proposals')).value).toEqual([])
  })

  it('expires at its deadline height; votes at the deadline still count, after it they are refused', async () => {
    const chain = await TestChain.create()
    const id = await propose(
      chain,
      { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor', 'regulator'] },
      'licensing-admin',
      3,
    )
    const deadline = (await chain.record(id)).record.deadlineHeight
    expect(((await chain.query('proposals')).value as { id: string }[]).map((p) => p.id)).toEqual([id])
    while (chain.height < deadline - 1) await chain.block([])
    const atDeadline = await chain.block([
      chain.tx('north-admin', buildGovVote({ recordId: id, vote: 'yes' })),
    ])
    expect(atDeadline.height).toBe(deadline)
    expect(atDeadline.results[0]!.ok).toBe(true)
    const r = await chain.record(id)
    expect(r.record).toMatchObject({ status: 'expired', decidedHeight: deadline })
    expect(r.history.at(-1)).toMatchObject({ action: 'gov.expire', actor: null, txHash: null, to: 'expired' })
    expect(await chain.code('south-admin', buildGovVote({ recordId: id, vote: 'yes' }))).toBe(
      AppErrorCode.PROPOSAL_CLOSED,
    )
    expect((await chain.query('proposals')).value).toEqual([])
  })

  it('propose: deadline bounds, id in use, delegate role, open-proposal limit', async () => {
    const chain = await TestChain.create()
    const action: ProposalAction = { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor'] }
    const at = (deadlineHeight: number, recordId = `PROP-B-${++n}`) =>
      buildGovPropose({ recordId, action, deadlineHeight })
    // checkTx judges at the next block's height, like execution
    expect(await chain.check('licensing-admin', at(chain.height + 1))).toBe(AppErrorCode.BAD_HEIGHT)
    expect(await chain.check('licensing-admin', at(chain.height + 2))).toBe('ok')
    expect(await chain.check('licensing-admin', at(chain.height + 1001))).toBe('ok')
    expect(await chain.check('licensing-admin', at(chain.height + 1002))).toBe(AppErrorCode.BAD_HEIGHT)
    expect(await chain.code('licensing-admin', at(chain.height + 1))).toBe(AppErrorCode.BAD_HEIGHT)
    expect(await chain.code('licensing-admin', at(chain.height + 1002))).toBe(AppErrorCode.BAD_HEIGHT)
    expect(await chain.code('licensing-officer', at(chain.height + 10))).toBe(AppErrorCode.FORBIDDEN)
    expect(await chain.code('licensing-admin', at(chain.height + 10, 'SUB-HOUSING-2025'))).toBe(
      AppErrorCode.ALREADY_EXISTS,
    )
    const block = await chain.block(
      Array.from({ length: 65 }, (_, i) =>
        chain.tx('regulator-admin', at(chain.height + 100, `PROP-L-${i}`)),
      ),
    )
    expect(block.results.slice(0, 64).every((r) => r.ok)).toBe(true)
    expect(block.results[64]).toMatchObject({ ok: false, code: AppErrorCode.LIMIT_REACHED })
  })

  describe('add-member', () => {
    const newMember = (id: string, peer: string, adminName = `${id}-admin`): ProposalAction => ({
      type: 'add-member',
      member: { id, name: 'Fintech Cooperative Bank', roles: ['bank'], peerIds: [peer] },
      admin: { name: adminName, publicKey: key(adminName).publicKey },
    })

    it('executes: the member and its first admin exist, the gater gets the new member list', async () => {
      const chain = await TestChain.create()
      const id = await propose(chain, newMember('fintech', 'peer-fintech-1'))
      const outs = await voteAll(chain, id, DELEGATES.slice(0, 5))
      const members = outs.at(-1)!.end.members!
      expect(members.map((m) => m.id)).toContain('fintech')
      expect(members.find((m) => m.id === 'fintech')!.peerIds).toEqual(['peer-fintech-1'])
      // the new admin registers an officer, who can finance an invoice
      await chain.ok(
        'fintech-admin',
        buildAccountRegister({
          member: 'fintech',
          name: 'fintech-officer',
          publicKey: key('fintech-officer').publicKey,
          roles: ['loan-officer'],
        }),
      )
      expect(
        await chain.code(
          'fintech-officer',
          buildLoanApply({ recordId: 'LOAN-F', amount: 5, currency: 'EUR', fields: citizen('LOAN-F') }),
        ),
      ).toBe('ok')
      // it was not a voter on the proposal that admitted it; it votes on later ones
      const later = await propose(chain, {
        type: 'set-member-roles',
        memberId: 'auditor',
        roles: ['auditor'],
      })
      expect(await chain.code('fintech-admin', buildGovVote({ recordId: later, vote: 'yes' }))).toBe('ok')
      expect((await chain.record(later)).record.voters).toHaveLength(8)
    })

    it.each([
      ['an existing member id', newMember('bank-north', 'peer-new'), AppErrorCode.INVALID_PROPOSAL],
      [
        'a peer id of another member',
        newMember('fintech', '12D3KooWTestPeer0'),
        AppErrorCode.INVALID_PROPOSAL,
      ],
      [
        'an admin key already registered',
        newMember('fintech', 'peer-x', 'north-admin'),
        AppErrorCode.INVALID_PROPOSAL,
      ],
      [
        'a weak admin key',
        {
          ...newMember('fintech', 'peer-y'),
          admin: { name: 'weak', publicKey: fromHex('01' + '00'.repeat(31)) },
        } as ProposalAction,
        AppErrorCode.WEAK_KEY,
      ],
    ])('refuses %s at proposal time', (_what, action, code) => expectRefusedProposal(action, code))
  })

  describe('add-admin', () => {
    const officer = (name: string) =>
      buildAccountRegister({
        member: 'social-security',
        name,
        publicKey: key(name).publicKey,
        roles: ['certificate-officer'],
      })
    const addAdmin = (name: string, memberId = 'social-security'): ProposalAction => ({
      type: 'add-admin',
      memberId,
      admin: { name, publicKey: key(name).publicKey },
    })

    it('gives an organisation that revoked its only admin a new one, by vote of the others', async () => {
      const chain = await TestChain.create()
      await chain.ok(
        'socsec-admin',
        buildAccountRevoke({ publicKey: key('socsec-admin').publicKey, reason: 'key-lost' }),
      )
      // nobody at social-security may register accounts (or vote) any more
      expect(await chain.code('socsec-officer', officer('socsec-clerk'))).toBe(AppErrorCode.FORBIDDEN)
      expect(await chain.code('socsec-admin', officer('socsec-clerk'))).toBe(AppErrorCode.ACCOUNT_INACTIVE)
      const id = await propose(chain, addAdmin('socsec-admin-2'))
      const outs = await voteAll(chain, id, DELEGATES.filter((d) => d !== 'socsec-admin').slice(0, 5))
      const last = outs.at(-1)!
      expect(last.results[0]!.ok).toBe(true)
      // an account is no member change: the gater and the validators are not told anything
      expect(last.end).toEqual({})
      expect((await chain.record(id)).record.status).toBe('executed')
      const account = (await chain.query('account', { publicKey: toHex(key('socsec-admin-2').publicKey) }))
        .value as { member: string; roles: string[]; status: string; createdHeight: number }
      expect(account).toMatchObject({
        member: 'social-security',
        roles: ['admin', 'governance-delegate'],
        status: 'active',
        createdHeight: last.height,
      })
      // the new admin registers accounts again, and its organisation votes again
      await chain.ok('socsec-admin-2', officer('socsec-clerk'))
      const later = await propose(chain, {
        type: 'set-member-roles',
        memberId: 'auditor',
        roles: ['auditor'],
      })
      expect(await chain.code('socsec-admin-2', buildGovVote({ recordId: later, vote: 'yes' }))).toBe('ok')
    })

    it.each([
      ['an unknown member', addAdmin('x-admin', 'nobody'), AppErrorCode.INVALID_PROPOSAL],
      ['a key already registered', addAdmin('north-admin'), AppErrorCode.INVALID_PROPOSAL],
      [
        'a weak key',
        {
          ...addAdmin('weak'),
          admin: { name: 'weak', publicKey: fromHex('01' + '00'.repeat(31)) },
        } as ProposalAction,
        AppErrorCode.WEAK_KEY,
      ],
    ])('refuses %s at proposal time', (_what, action, code) => expectRefusedProposal(action, code))

    it('re-checked at execution: a removed member, or a key registered meanwhile, fails the proposal', async () => {
      const chain = await TestChain.create()
      const forRemoved = await propose(chain, addAdmin('auditor-admin-2', 'auditor'))
      const keyTaken = await propose(chain, addAdmin('socsec-clerk'))
      const removal = await propose(chain, { type: 'remove-member', memberId: 'auditor' })
      await voteAll(chain, removal, DELEGATES.slice(0, 5))
      await chain.ok('socsec-admin', officer('socsec-clerk'))
      await voteAll(chain, forRemoved, DELEGATES.slice(0, 5))
      await voteAll(chain, keyTaken, DELEGATES.slice(0, 5))
      for (const id of [forRemoved, keyTaken]) {
        expect((await chain.record(id)).record).toMatchObject({
          status: 'failed',
          failure: AppErrorCode.INVALID_PROPOSAL,
        })
      }
      const clerk = (await chain.query('account', { publicKey: toHex(key('socsec-clerk').publicKey) }))
        .value as { roles: string[] }
      expect(clerk.roles).toEqual(['certificate-officer'])
      expect(
        await chain.query('account', { publicKey: toHex(key('auditor-admin-2').publicKey) }),
      ).toMatchObject({ value: null })
    })
  })

  describe('remove-member and validator changes never leave fewer than 4 validators', () => {
    it('with 4 validators: removing a validator-owning member is refused; removing another member works and disables its accounts', async () => {
      const chain = await TestChain.create(demoGenesisJson(4))
      expect(
        await chain.code(
          'licensing-admin',
          buildGovPropose({
            recordId: 'P1',
            action: { type: 'remove-member', memberId: 'bank-north' },
            deadlineHeight: 10,
          }),
        ),
      ).toBe(AppErrorCode.TOO_FEW_VALIDATORS)
      const id = await propose(chain, { type: 'remove-member', memberId: 'auditor' })
      const outs = await voteAll(chain, id, DELEGATES.slice(0, 5))
      expect(outs.at(-1)!.end.members!.map((m) => m.id)).not.toContain('auditor')
      expect(outs.at(-1)!.end.validators).toBeUndefined()
      expect(await chain.code('auditor-admin', buildGovVote({ recordId: id, vote: 'yes' }))).toBe(
        AppErrorCode.ACCOUNT_INACTIVE,
      )
      expect(((await chain.query('member', { id: 'auditor' })).value as { status: string }).status).toBe(
        'removed',
      )
    })

    it('with 5 validators: removing a validator-owning member drops its validator; endBlock reports the 4 left', async () => {
      const chain = await TestChain.create(demoGenesisJson(5))
      const id = await propose(chain, { type: 'remove-member', memberId: 'bank-north' })
      const outs = await voteAll(chain, id, DELEGATES.slice(0, 5))
      const end = outs.at(-1)!.end
      expect(end.validators).toHaveLength(4)
      expect(end.validators!.map((v) => toHex(v.publicKey))).not.toContain(
        toHex(key('validator-1').publicKey),
      )
      expect(end.members!.map((m) => m.id)).not.toContain('bank-north')
      expect((await chain.query('validators')).value).toHaveLength(4)
    })

    it('set-validators: too few, weak key, unknown member, bad power are refused; a valid set executes and is reported', async () => {
      const chain = await TestChain.create(demoGenesisJson(4))
      const current = validatorsOf(chain)
      const extra: ValidatorEntry = {
        publicKey: key('validator-new').publicKey,
        power: 1,
        member: 'regulator',
        name: 'regulator-node-1',
      }
      const cases: [ValidatorEntry[], string][] = [
        [current.slice(0, 3), AppErrorCode.TOO_FEW_VALIDATORS],
        [[...current, { ...extra, publicKey: fromHex('01' + '00'.repeat(31)) }], AppErrorCode.WEAK_KEY],
        [[...current, { ...extra, member: 'nobody' }], AppErrorCode.INVALID_PROPOSAL],
      ]
      for (const [validators, code] of cases) {
        expect(
          await chain.code(
            'licensing-admin',
            buildGovPropose({
              recordId: `P-${code}`,
              action: { type: 'set-validators', validators },
              deadlineHeight: 20,
            }),
          ),
        ).toBe(code)
      }
      const id = await propose(chain, { type: 'set-validators', validators: [...current, extra] })
      const outs = await voteAll(chain, id, DELEGATES.slice(2, 7))
      const end = outs.at(-1)!.end
      expect(end.members).toBeUndefined()
      expect(end.validators!.map((v) => toHex(v.publicKey)).sort()).toEqual(
        [...current, extra].map((v) => toHex(v.publicKey)).sort(),
      )
      const receipt = outs.at(-1)!.results[0]!
      expect(
        receipt.ok &&
          receipt.receipt.events.find((e) => e.type === 'gov.validators-changed')?.attributes.effectiveHeight,
      ).toBe(String(outs.at(-1)!.height + 2))
    })

    it('re-checked at execution: a change that became invalid is recorded as failed with its code, and changes nothing', async () => {
      const chain = await TestChain.create(demoGenesisJson(5))
      const a = await propose(chain, { type: 'remove-member', memberId: 'bank-north' })
      const b = await propose(chain, { type: 'remove-member', memberId: 'bank-south' })
      await voteAll(chain, a, DELEGATES.slice(0, 5))
      expect((await chain.query('validators')).value).toHaveLength(4)
      const outs = await voteAll(chain, b, [
        'licensing-admin',
        'registry-admin',
        'socsec-admin',
        'south-admin',
        'regulator-admin',
      ])
      const last = outs.at(-1)!
      expect(last.results[0]!.ok).toBe(true)
      expect(last.end).toEqual({})
      expect((await chain.record(b)).record).toMatchObject({
        status: 'failed',
        failure: AppErrorCode.TOO_FEW_VALIDATORS,
      })
      expect((await chain.query('validators')).value).toHaveLength(4)
      expect(((await chain.query('member', { id: 'bank-south' })).value as { status: string }).status).toBe(
        'active',
      )
    })

    it('governance never touches licences: an unrelated agency keeps working while proposals are open', async () => {
      const chain = await TestChain.create()
      await propose(chain, { type: 'remove-member', memberId: 'auditor' })
      expect(
        await chain.code(
          'licensing-officer',
          buildLicenceApply({
            recordId: 'L1',
            agency: 'city-licensing',
            kind: 'taxi-licence',
            fields: citizen('L1'),
          }),
        ),
      ).toBe('ok')
    })
  })
})
