import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildLoanApply,
  buildLoanApprove,
  buildLoanClose,
  buildLoanDisburse,
  buildLoanReject,
  buildLoanRepay,
} from '../../src/index.js'
import { citizen } from '../fixtures.js'
import { TestChain } from '../harness.js'

const LENDER = 'north-officer'

describe('loans', () => {
  let chain: TestChain
  let n = 0
  beforeAll(async () => {
    chain = await TestChain.create()
  })
  async function loan(requested = 1000): Promise<string> {
    const id = `LOAN-${++n}`
    await chain.ok(
      LENDER,
      buildLoanApply({ recordId: id, amount: requested, currency: 'EUR', fields: citizen(id) }),
    )
    return id
  }

  it.each([
    ['a bank’s loan officer', LENDER, 'ok'],
    ['a bank’s admin', 'north-admin', AppErrorCode.FORBIDDEN],
    ['an agency', 'licensing-officer', AppErrorCode.FORBIDDEN],
    ['the regulator', 'regulator-inspector', AppErrorCode.FORBIDDEN],
  ])('apply by %s', async (_what, signer, expected) => {
    const id = `LOAN-A-${++n}`
    expect(
      await chain.code(
        signer,
        buildLoanApply({ recordId: id, amount: 10, currency: 'EUR', fields: citizen(id) }),
      ),
    ).toBe(expected)
  })

  it.each([
    ['approve', (id: string) => buildLoanApprove({ recordId: id, amount: 500 })],
    ['reject', (id: string) => buildLoanReject({ recordId: id, reason: 'insufficient-income' })],
  ])('%s only by the lending bank’s loan officers', async (_action, draft) => {
    for (const [signer, expected] of [
      ['south-officer', AppErrorCode.FORBIDDEN],
      ['north-admin', AppErrorCode.FORBIDDEN],
      [LENDER, 'ok'],
    ]) {
      const id = await loan()
      expect(await chain.code(signer!, draft(id))).toBe(expected)
    }
  })

  it('lifecycle: approve ≤ requested, disburse ≤ approved, repay ≤ disbursed, close only when repaid; history kept', async () => {
    const id = await loan(1000)
    expect(await chain.code(LENDER, buildLoanDisburse({ recordId: id, amount: 1 }))).toBe(
      AppErrorCode.INVALID_TRANSITION,
    )
    expect(await chain.code(LENDER, buildLoanApprove({ recordId: id, amount: 1001 }))).toBe(
      AppErrorCode.AMOUNT_EXCEEDED,
    )
    await chain.ok(LENDER, buildLoanApprove({ recordId: id, amount: 800 }))
    expect(await chain.code(LENDER, buildLoanApprove({ recordId: id, amount: 800 }))).toBe(
      AppErrorCode.INVALID_TRANSITION,
    )
    expect(await chain.code(LENDER, buildLoanRepay({ recordId: id, amount: 1 }))).toBe(
      AppErrorCode.INVALID_TRANSITION,
    )
    await chain.ok(LENDER, buildLoanDisburse({ recordId: id, amount: 500 }))
    expect(await chain.code(LENDER, buildLoanDisburse({ recordId: id, amount: 301 }))).toBe(
      AppErrorCode.AMOUNT_EXCEEDED,
    )
    await chain.ok(LENDER, buildLoanDisburse({ recordId: id, amount: 300 }))
    expect(await chain.code('south-officer', buildLoanRepay({ recordId: id, amount: 100 }))).toBe(
      AppErrorCode.FORBIDDEN,
    )
    await chain.ok(LENDER, buildLoanRepay({ recordId: id, amount: 700 }))
    expect(await chain.code(LENDER, buildLoanClose({ recordId: id }))).toBe(AppErrorCode.INVALID_TRANSITION)
    expect(await chain.code(LENDER, buildLoanRepay({ recordId: id, amount: 101 }))).toBe(
      AppErrorCode.AMOUNT_EXCEEDED,
    )
    await chain.ok(LENDER, buildLoanRepay({ recordId: id, amount: 100 }))
    await chain.ok(LENDER, buildLoanClose({ recordId: id }))
    expect(await chain.code(LENDER, buildLoanRepay({ recordId: id, amount: 1 }))).toBe(
      AppErrorCode.INVALID_TRANSITION,
    )
    expect(await chain.code(LENDER, buildLoanDisburse({ recordId: id, amount: 1 }))).toBe(
      AppErrorCode.INVALID_TRANSITION,
    )
    const r = await chain.record(id)
    expect(r.record).toMatchObject({
      status: 'closed',
      requestedAmount: 1000,
      approvedAmount: 800,
      disbursed: 800,
      repaid: 800,
    })
    expect(r.history.map((e: { action: string; to: string }) => `${e.action}:${e.to}`)).toEqual([
      'loan.apply:applied',
      'loan.approve:approved',
      'loan.disburse:active',
      'loan.disburse:active',
      'loan.repay:active',
      'loan.repay:active',
      'loan.close:closed',
    ])
  })

  it('an approved loan with nothing disbursed may be closed; a rejected one can do nothing more', async () => {
    const a = await loan()
    await chain.ok(LENDER, buildLoanApprove({ recordId: a, amount: 100 }))
    expect(await chain.code(LENDER, buildLoanClose({ recordId: a }))).toBe('ok')
    const b = await loan()
    await chain.ok(LENDER, buildLoanReject({ recordId: b, reason: 'no' }))
    for (const d of [
      buildLoanApprove({ recordId: b, amount: 1 }),
      buildLoanReject({ recordId: b, reason: 'no' }),
      buildLoanDisburse({ recordId: b, amount: 1 }),
      buildLoanClose({ recordId: b }),
    ]) {
      expect(await chain.code(LENDER, d)).toBe(AppErrorCode.INVALID_TRANSITION)
    }
  })
})
