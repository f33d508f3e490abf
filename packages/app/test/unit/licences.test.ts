import { toHex } from '@govchain/ledger'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildAccountRegister,
  buildAccountRevoke,
  buildLicenceApply,
  buildLicenceApprove,
  buildLicenceIssue,
  buildLicenceReinstate,
  buildLicenceReject,
  buildLicenceRevoke,
  buildLicenceSuspend,
  LICENCE_TRANSITIONS,
  type LicenceStatus,
  type TxDraft,
} from '../../src/index.js'
import { citizen } from '../fixtures.js'
import { key, TestChain } from '../harness.js'

const OFFICER = 'licensing-officer'

type Action = 'approve' | 'reject' | 'issue' | 'suspend' | 'reinstate' | 'revoke'
const ACTIONS: Action[] = ['approve', 'reject', 'issue', 'suspend', 'reinstate', 'revoke']
const RESULT: Record<Action, LicenceStatus> = {
  approve: 'approved',
  reject: 'rejected',
  issue: 'issued',
  suspend: 'suspended',
  reinstate: 'issued',
  revoke: 'revoked',
}

function draftFor(action: Action, recordId: string, height: number): TxDraft {
  switch (action) {
    case 'approve':
      return buildLicenceApprove({ recordId })
    case 'reject':
      return buildLicenceReject({ recordId, reason: 'incomplete' })
    case 'issue':
      return buildLicenceIssue({ recordId, validFromHeight: height, validUntilHeight: height + 10_000 })
    case 'suspend':
      return buildLicenceSuspend({ recordId, reason: 'inspection-failed' })
    case 'reinstate':
      return buildLicenceReinstate({ recordId })
    case 'revoke':
      return buildLicenceRevoke({ recordId, reason: 'fraud' })
  }
}

/** The legal path from `applied` to each status. */
const PATH: Record<LicenceStatus, Action[]> = {
  applied: [],
  approved: ['approve'],
  rejected: ['reject'],
  issued: ['approve', 'issue'],
  suspended: ['approve', 'issue', 'suspend'],
  revoked: ['approve', 'issue', 'revoke'],
}

let seq = 0
async function licenceIn(chain: TestChain, status: LicenceStatus): Promise<string> {
  const id = `LIC-${++seq}`
  await chain.ok(
    OFFICER,
    buildLicenceApply({
      recordId: id,
      agency: 'city-licensing',
      kind: 'business-licence',
      fields: citizen(id),
    }),
  )
  for (const a of PATH[status]) await chain.ok(OFFICER, draftFor(a, id, chain.height + 1))
  expect((await chain.record(id)).record.status).toBe(status)
  return id
}

describe('licences', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await TestChain.create()
    // a licence officer at another agency (civil registry), and a revoked licence officer
    await chain.ok(
      'registry-admin',
      buildAccountRegister({
        member: 'civil-registry',
        name: 'registry-clerk',
        publicKey: key('registry-clerk').publicKey,
        roles: ['licence-officer'],
      }),
    )
    await chain.ok(
      'licensing-admin',
      buildAccountRegister({
        member: 'city-licensing',
        name: 'former-officer',
        publicKey: key('former-officer').publicKey,
        roles: ['licence-officer'],
      }),
    )
    await chain.ok(
      'licensing-admin',
      buildAccountRevoke({ publicKey: key('former-officer').publicKey, reason: 'left-office' }),
    )
  })

  describe('every action from every status: allowed transitions succeed, the others are APP_INVALID_TRANSITION', () => {
    const statuses = Object.keys(PATH) as LicenceStatus[]
    const table = statuses.flatMap((from) => ACTIONS.map((action) => [from, action] as const))
    it.each(table)('from %s: %s', async (from, action) => {
      const id = await licenceIn(chain, from)
      const before = await chain.record(id)
      const code = await chain.code(OFFICER, draftFor(action, id, chain.height + 1))
      const allowed =
        (action === 'approve' && from === 'applied') ||
        (action === 'reject' && from === 'applied') ||
        (action === 'issue' && from === 'approved') ||
        (action === 'suspend' && from === 'issued') ||
        (action === 'reinstate' && from === 'suspended') ||
        (action === 'revoke' && (from === 'issued' || from === 'suspended'))
      const after = await chain.record(id)
      if (allowed) {
        expect(LICENCE_TRANSITIONS[from]).toContain(RESULT[action])
        expect(code).toBe('ok')
        expect(after.record.status).toBe(RESULT[action])
        expect(after.history.at(-1)).toMatchObject({
          action: `licence.${action}`,
          from,
          to: RESULT[action],
          org: 'city-licensing',
        })
      } else {
        expect(code).toBe(AppErrorCode.INVALID_TRANSITION)
        expect(after.record).toEqual(before.record)
        expect(after.history).toEqual(before.history)
      }
    })
  })

  describe('who may move a licence', () => {
    const table: [string, string, string][] = [
      ['the issuing agency’s licence officer', OFFICER, 'ok'],
      ['the issuing agency’s admin (no licence-officer role)', 'licensing-admin', AppErrorCode.FORBIDDEN],
      ['another agency’s licence officer', 'registry-clerk', AppErrorCode.FORBIDDEN],
      ['a bank officer', 'north-officer', AppErrorCode.FORBIDDEN],
      ['the regulator’s inspector', 'regulator-inspector', AppErrorCode.FORBIDDEN],
      ['a revoked licence officer', 'former-officer', AppErrorCode.ACCOUNT_INACTIVE],
      ['an unregistered key', 'stranger', AppErrorCode.UNKNOWN_ACCOUNT],
    ]
    it.each(table)('approve by %s', async (_who, signer, expected) => {
      const id = await licenceIn(chain, 'applied')
      expect(await chain.check(signer, buildLicenceApprove({ recordId: id }))).toBe(expected)
      expect(await chain.code(signer, buildLicenceApprove({ recordId: id }))).toBe(expected)
      expect((await chain.record(id)).record.status).toBe(expected === 'ok' ? 'approved' : 'applied')
    })
    it.each(table)('revoke by %s', async (_who, signer, expected) => {
      const id = await licenceIn(chain, 'issued')
      expect(await chain.code(signer, buildLicenceRevoke({ recordId: id, reason: 'fraud' }))).toBe(expected)
      expect((await chain.record(id)).record.status).toBe(expected === 'ok' ? 'revoked' : 'issued')
    })
  })

  describe('apply', () => {
    const apply = (recordId: string, agency: string, kind: string) =>
      buildLicenceApply({ recordId, agency, kind, fields: citizen(recordId) })
    it.each([
      [
        'any agency’s licence officer files for the issuing agency (one-stop shop)',
        'registry-clerk',
        'city-licensing',
        'food-premises-permit',
        'ok',
      ],
      ['unknown agency', OFFICER, 'no-such-agency', 'business-licence', AppErrorCode.NOT_FOUND],
      ['a bank is not an issuing agency', OFFICER, 'bank-north', 'business-licence', AppErrorCode.NOT_FOUND],
      [
        'a kind the agency does not issue',
        OFFICER,
        'city-licensing',
        'pilot-licence',
        AppErrorCode.NOT_FOUND,
      ],
      [
        'an agency without licence kinds',
        OFFICER,
        'civil-registry',
        'business-licence',
        AppErrorCode.NOT_FOUND,
      ],
      ['a bank officer', 'north-officer', 'city-licensing', 'business-licence', AppErrorCode.FORBIDDEN],
      [
        'an admin without the licence-officer role',
        'licensing-admin',
        'city-licensing',
        'business-licence',
        AppErrorCode.FORBIDDEN,
      ],
    ])('%s', async (_what, signer, agency, kind, expected) => {
      const id = `APPLY-${++seq}`
      expect(await chain.code(signer, apply(id, agency, kind))).toBe(expected)
      const r = await chain.record(id)
      if (expected === 'ok')
        expect(r.record).toMatchObject({ owner: agency, status: 'applied', filedBy: 'civil-registry' })
      else expect(r).toBeNull()
    })

    it('refuses a record id that is taken (by a record of any type)', async () => {
      const id = await licenceIn(chain, 'applied')
      expect(await chain.code(OFFICER, apply(id, 'city-licensing', 'business-licence'))).toBe(
        AppErrorCode.ALREADY_EXISTS,
      )
      expect(await chain.code(OFFICER, apply('SUB-HOUSING-2025', 'city-licensing', 'business-licence'))).toBe(
        AppErrorCode.ALREADY_EXISTS,
      )
    })
  })

  it('a licence issued with a later start shows as not-yet-valid until then', async () => {
    const id = await licenceIn(chain, 'approved')
    const from = chain.height + 3
    await chain.ok(
      OFFICER,
      buildLicenceIssue({ recordId: id, validFromHeight: from, validUntilHeight: from + 10 }),
    )
    expect((await chain.record(id)).effectiveStatus).toBe('not-yet-valid')
    while (chain.height < from) await chain.block([])
    expect((await chain.record(id)).effectiveStatus).toBe('issued')
  })

  it('issue refuses validity periods that are inverted or already over', async () => {
    const id = await licenceIn(chain, 'approved')
    const h = chain.height + 1
    expect(
      await chain.code(
        OFFICER,
        buildLicenceIssue({ recordId: id, validFromHeight: h + 5, validUntilHeight: h + 4 }),
      ),
    ).toBe(AppErrorCode.BAD_HEIGHT)
    expect(
      await chain.code(
        OFFICER,
        buildLicenceIssue({ recordId: id, validFromHeight: 1, validUntilHeight: h - 1 }),
      ),
    ).toBe(AppErrorCode.BAD_HEIGHT)
    expect((await chain.record(id)).record.status).toBe('approved')
  })

  it('expiry by height: an expired licence shows as expired and can no longer be suspended or reinstated, only revoked', async () => {
    const id = await licenceIn(chain, 'approved')
    const other = await licenceIn(chain, 'approved')
    const until = chain.height + 4
    await chain.ok(
      OFFICER,
      buildLicenceIssue({ recordId: id, validFromHeight: chain.height + 1, validUntilHeight: until }),
    )
    await chain.ok(
      OFFICER,
      buildLicenceIssue({ recordId: other, validFromHeight: 1, validUntilHeight: until }),
    )
    await chain.ok(OFFICER, buildLicenceSuspend({ recordId: other, reason: 'inspection-failed' }))
    expect((await chain.record(id)).effectiveStatus).toBe('issued')
    while (chain.height <= until + 1) await chain.block([])
    expect((await chain.record(id)).effectiveStatus).toBe('expired')
    expect((await chain.record(id)).record.status).toBe('issued')
    expect(await chain.code(OFFICER, buildLicenceSuspend({ recordId: id, reason: 'late' }))).toBe(
      AppErrorCode.EXPIRED,
    )
    expect(await chain.code(OFFICER, buildLicenceReinstate({ recordId: other }))).toBe(AppErrorCode.EXPIRED)
    expect(await chain.code(OFFICER, buildLicenceRevoke({ recordId: id, reason: 'fraud' }))).toBe('ok')
    expect((await chain.record(id)).effectiveStatus).toBe('revoked')
  })

  it('keeps every transition as history: who, which org, which tx, when, from → to', async () => {
    const id = `LIC-HIST`
    const steps: TxDraft[] = [
      buildLicenceApply({
        recordId: id,
        agency: 'city-licensing',
        kind: 'taxi-licence',
        fields: citizen(id),
      }),
      buildLicenceApprove({ recordId: id }),
      buildLicenceIssue({ recordId: id, validFromHeight: 1, validUntilHeight: 1_000_000 }),
      buildLicenceSuspend({ recordId: id, reason: 'complaint' }),
      buildLicenceReinstate({ recordId: id }),
      buildLicenceRevoke({ recordId: id, reason: 'fraud' }),
    ]
    const hashes: string[] = []
    const heights: number[] = []
    for (const d of steps) {
      const tx = chain.tx(OFFICER, d)
      const out = await chain.block([tx])
      expect(out.results[0]!.ok).toBe(true)
      hashes.push(tx.hashHex())
      heights.push(out.height)
    }
    const r = await chain.record(id)
    expect(r.historyTotal).toBe(6)
    expect(r.history.map((e: { from: string | null; to: string }) => `${e.from}→${e.to}`)).toEqual([
      'null→applied',
      'applied→approved',
      'approved→issued',
      'issued→suspended',
      'suspended→issued',
      'issued→revoked',
    ])
    r.history.forEach(
      (e: { seq: number; txHash: Uint8Array; height: number; actor: Uint8Array; org: string }, i: number) => {
        expect(e.seq).toBe(i)
        expect(toHex(e.txHash)).toBe(hashes[i])
        expect(e.height).toBe(heights[i])
        expect(toHex(e.actor)).toBe(toHex(key(OFFICER).publicKey))
        expect(e.org).toBe('city-licensing')
      },
    )
    expect(r.history[3].details.reason).toBe('complaint')
    // paging through the history
    const page = (await chain.query('record', { id, historyFrom: '2', historyLimit: '2' })).value as {
      history: { seq: number }[]
    }
    expect(page.history.map((e) => e.seq)).toEqual([2, 3])
  })
})
