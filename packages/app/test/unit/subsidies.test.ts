import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildAccountRegister,
  buildRecordErase,
  buildSubsidyCreateProgramme,
  buildSubsidyDisburse,
  buildSubsidyGrant,
  buildSubsidyRegisterBeneficiary,
} from '../../src/index.js'
import { citizen } from '../fixtures.js'
import { key, TestChain } from '../harness.js'

const OFFICER = 'socsec-officer'

describe('subsidies', () => {
  let chain: TestChain
  let n = 0
  beforeAll(async () => {
    chain = await TestChain.create()
  })
  async function beneficiary(by = OFFICER): Promise<string> {
    const id = `BEN-${++n}`
    await chain.ok(by, buildSubsidyRegisterBeneficiary({ recordId: id, fields: citizen(id) }))
    return id
  }
  async function programme(budget: number): Promise<string> {
    const id = `PROG-${++n}`
    await chain.ok('socsec-admin', buildSubsidyCreateProgramme({ recordId: id, budget, currency: 'EUR' }))
    return id
  }

  it('genesis programmes exist with their budgets', async () => {
    expect((await chain.record('SUB-HOUSING-2025')).record).toMatchObject({
      type: 'subsidy-programme',
      owner: 'social-security',
      budget: 250_000_000,
      granted: 0,
      disbursed: 0,
    })
  })

  it.each([
    ['an agency admin', 'socsec-admin', 'ok'],
    ['an agency subsidy officer', OFFICER, AppErrorCode.FORBIDDEN],
    ['a bank admin', 'north-admin', AppErrorCode.FORBIDDEN],
  ])('create programme by %s', async (_w, signer, expected) => {
    expect(
      await chain.code(
        signer,
        buildSubsidyCreateProgramme({ recordId: `PROG-C-${++n}`, budget: 10, currency: 'EUR' }),
      ),
    ).toBe(expected)
  })

  it.each([
    ['the owning agency’s subsidy officer', OFFICER, 'ok'],
    ['another agency’s officer (no subsidy role)', 'registry-officer', AppErrorCode.FORBIDDEN],
    ['a bank', 'north-officer', AppErrorCode.FORBIDDEN],
  ])('grant by %s', async (_w, signer, expected) => {
    const ben = await beneficiary()
    const id = `GRANT-${++n}`
    expect(
      await chain.code(
        signer,
        buildSubsidyGrant({ recordId: id, programme: 'SUB-CHILDCARE-2025', beneficiary: ben, amount: 100 }),
      ),
    ).toBe(expected)
  })

  it('grants never exceed the programme budget; disbursements never exceed the grant (APP_BUDGET_EXCEEDED)', async () => {
    const prog = await programme(1000)
    const ben = await beneficiary()
    await chain.ok(
      OFFICER,
      buildSubsidyGrant({ recordId: `G-${++n}`, programme: prog, beneficiary: ben, amount: 600 }),
    )
    const g2 = `G-${++n}`
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({ recordId: g2, programme: prog, beneficiary: ben, amount: 401 }),
      ),
    ).toBe(AppErrorCode.BUDGET_EXCEEDED)
    await chain.ok(
      OFFICER,
      buildSubsidyGrant({ recordId: g2, programme: prog, beneficiary: ben, amount: 400 }),
    )
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({ recordId: `G-${++n}`, programme: prog, beneficiary: ben, amount: 1 }),
      ),
    ).toBe(AppErrorCode.BUDGET_EXCEEDED)
    await chain.ok(OFFICER, buildSubsidyDisburse({ recordId: g2, amount: 250 }))
    expect(await chain.code(OFFICER, buildSubsidyDisburse({ recordId: g2, amount: 151 }))).toBe(
      AppErrorCode.BUDGET_EXCEEDED,
    )
    await chain.ok(OFFICER, buildSubsidyDisburse({ recordId: g2, amount: 150 }))
    expect(await chain.code(OFFICER, buildSubsidyDisburse({ recordId: g2, amount: 1 }))).toBe(
      AppErrorCode.BUDGET_EXCEEDED,
    )
    expect((await chain.record(g2)).record).toMatchObject({
      status: 'disbursed',
      amount: 400,
      disbursed: 400,
    })
    const p = await chain.record(prog)
    expect(p.record).toMatchObject({ budget: 1000, granted: 1000, disbursed: 400 })
    expect(p.history.map((e: { action: string }) => e.action)).toEqual([
      'subsidy.create-programme',
      'subsidy.grant',
      'subsidy.grant',
      'subsidy.disburse',
      'subsidy.disburse',
    ])
  })

  it('a grant needs the agency’s own programme and beneficiary, and a beneficiary whose data was not erased', async () => {
    // another agency registers a beneficiary and a programme (the civil registry gets the subsidy role)
    await chain.ok(
      'registry-admin',
      buildAccountRegister({
        member: 'civil-registry',
        name: 'reg-subsidy',
        publicKey: key('reg-subsidy').publicKey,
        roles: ['subsidy-officer'],
      }),
    )
    const foreignBen = await beneficiary('reg-subsidy')
    const ben = await beneficiary()
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({
          recordId: `G-${++n}`,
          programme: 'SUB-HOUSING-2025',
          beneficiary: foreignBen,
          amount: 1,
        }),
      ),
    ).toBe(AppErrorCode.FORBIDDEN)
    expect(
      await chain.code(
        'reg-subsidy',
        buildSubsidyGrant({
          recordId: `G-${++n}`,
          programme: 'SUB-HOUSING-2025',
          beneficiary: foreignBen,
          amount: 1,
        }),
      ),
    ).toBe(AppErrorCode.FORBIDDEN)
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({ recordId: `G-${++n}`, programme: 'NO-PROG', beneficiary: ben, amount: 1 }),
      ),
    ).toBe(AppErrorCode.NOT_FOUND)
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({
          recordId: `G-${++n}`,
          programme: 'SUB-HOUSING-2025',
          beneficiary: 'NO-BEN',
          amount: 1,
        }),
      ),
    ).toBe(AppErrorCode.NOT_FOUND)
    await chain.ok(OFFICER, buildRecordErase({ recordId: ben, reason: 'citizen-request' }))
    expect(
      await chain.code(
        OFFICER,
        buildSubsidyGrant({
          recordId: `G-${++n}`,
          programme: 'SUB-HOUSING-2025',
          beneficiary: ben,
          amount: 1,
        }),
      ),
    ).toBe(AppErrorCode.ERASED)
    expect(await chain.code(OFFICER, buildSubsidyDisburse({ recordId: 'NO-GRANT', amount: 1 }))).toBe(
      AppErrorCode.NOT_FOUND,
    )
  })
})
