/**
 * One table for every transaction type: its allowed actor succeeds, and each forbidden actor
 * (wrong account role, wrong organisation role, another organisation's record, unknown key) is
 * refused with a 403-class code by checkTx and by deliverTx, leaving the state unchanged.
 */
import { describe, expect, it } from 'vitest'
import {
  APP_ERROR_STATUS,
  AppErrorCode,
  buildTx,
  DEMO_ACCOUNTS,
  TX_PERMISSIONS,
  TX_TYPES,
  TxType,
  type AppErrorCode as Code,
} from '../../src/index.js'
import { SAMPLE_PAYLOADS } from '../fixtures.js'
import { TestChain } from '../harness.js'

const F = AppErrorCode.FORBIDDEN

/** Per type: the actor that may send the sample payload, the prerequisites (run by their own allowed actors), and forbidden actors. */
const TABLE: Record<TxType, { allowed: string; setup: TxType[]; forbidden: [string, Code][] }> = {
  [TxType.accountRegister]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      ['licensing-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.accountRotateKey]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      ['north-admin', F],
      ['registry-officer', F],
    ],
  },
  [TxType.accountRevoke]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      ['north-admin', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.accountSetRoles]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      // the account itself, not an admin
      ['licensing-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.agencyDefineKind]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      ['licensing-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.licenceApply]: {
    allowed: 'licensing-officer',
    setup: [],
    forbidden: [
      ['licensing-admin', F],
      ['north-officer', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.licenceApprove]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply],
    forbidden: [
      ['registry-officer', F],
      ['licensing-admin', F],
      ['north-officer', F],
    ],
  },
  [TxType.licenceReject]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply],
    forbidden: [
      ['socsec-officer', F],
      ['licensing-admin', F],
    ],
  },
  [TxType.licenceIssue]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply, TxType.licenceApprove],
    forbidden: [
      ['registry-officer', F],
      ['auditor-inspector', F],
    ],
  },
  [TxType.licenceSuspend]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply, TxType.licenceApprove, TxType.licenceIssue],
    forbidden: [
      ['regulator-inspector', F],
      ['licensing-admin', F],
    ],
  },
  [TxType.licenceReinstate]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply, TxType.licenceApprove, TxType.licenceIssue, TxType.licenceSuspend],
    forbidden: [
      ['regulator-inspector', F],
      ['south-officer', F],
    ],
  },
  [TxType.licenceRevoke]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply, TxType.licenceApprove, TxType.licenceIssue],
    forbidden: [
      ['regulator-inspector', F],
      ['registry-admin', F],
    ],
  },
  [TxType.certificateIssue]: {
    allowed: 'registry-officer',
    setup: [],
    forbidden: [
      ['licensing-officer', F],
      ['north-officer', F],
      ['registry-admin', F],
    ],
  },
  [TxType.certificateAmend]: {
    allowed: 'registry-officer',
    setup: [TxType.certificateIssue],
    forbidden: [
      ['socsec-officer', F],
      ['registry-admin', F],
      ['north-officer', F],
    ],
  },
  [TxType.certificateRevoke]: {
    allowed: 'registry-officer',
    setup: [TxType.certificateIssue],
    forbidden: [
      ['socsec-officer', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.invoiceRegister]: {
    allowed: 'south-officer',
    setup: [],
    forbidden: [
      ['south-admin', F],
      ['licensing-officer', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.invoiceFinance]: {
    allowed: 'north-officer',
    setup: [TxType.invoiceRegister],
    forbidden: [
      ['north-admin', F],
      ['licensing-officer', F],
      ['auditor-inspector', F],
    ],
  },
  [TxType.invoiceSettle]: {
    allowed: 'south-officer',
    setup: [TxType.invoiceRegister],
    forbidden: [
      ['north-officer', F],
      ['south-admin', F],
    ],
  },
  [TxType.invoiceCancel]: {
    allowed: 'south-officer',
    setup: [TxType.invoiceRegister],
    forbidden: [
      ['north-officer', F],
      ['socsec-officer', F],
    ],
  },
  [TxType.loanApply]: {
    allowed: 'north-officer',
    setup: [],
    forbidden: [
      ['north-admin', F],
      ['licensing-officer', F],
    ],
  },
  [TxType.loanApprove]: {
    allowed: 'north-officer',
    setup: [TxType.loanApply],
    forbidden: [
      ['south-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.loanReject]: {
    allowed: 'north-officer',
    setup: [TxType.loanApply],
    forbidden: [
      ['south-officer', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.loanDisburse]: {
    allowed: 'north-officer',
    setup: [TxType.loanApply, TxType.loanApprove],
    forbidden: [
      ['south-officer', F],
      ['socsec-officer', F],
    ],
  },
  [TxType.loanRepay]: {
    allowed: 'north-officer',
    setup: [TxType.loanApply, TxType.loanApprove, TxType.loanDisburse],
    forbidden: [
      ['south-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.loanClose]: {
    allowed: 'north-officer',
    setup: [TxType.loanApply, TxType.loanApprove],
    forbidden: [['south-officer', F]],
  },
  [TxType.subsidyCreateProgramme]: {
    allowed: 'socsec-admin',
    setup: [],
    forbidden: [
      ['socsec-officer', F],
      ['north-admin', F],
    ],
  },
  [TxType.subsidyRegisterBeneficiary]: {
    allowed: 'socsec-officer',
    setup: [],
    forbidden: [
      ['socsec-admin', F],
      ['registry-officer', F],
      ['north-officer', F],
    ],
  },
  [TxType.subsidyGrant]: {
    allowed: 'socsec-officer',
    setup: [TxType.subsidyRegisterBeneficiary],
    forbidden: [
      ['registry-officer', F],
      ['socsec-admin', F],
      ['north-officer', F],
    ],
  },
  [TxType.subsidyDisburse]: {
    allowed: 'socsec-officer',
    setup: [TxType.subsidyRegisterBeneficiary, TxType.subsidyGrant],
    forbidden: [
      ['registry-officer', F],
      ['north-officer', F],
    ],
  },
  [TxType.recordErase]: {
    allowed: 'licensing-officer',
    setup: [TxType.licenceApply],
    forbidden: [
      ['registry-admin', F],
      ['north-officer', F],
      ['regulator-inspector', F],
    ],
  },
  [TxType.auditNote]: {
    allowed: 'regulator-inspector',
    setup: [TxType.licenceApply],
    forbidden: [
      ['licensing-officer', F],
      ['regulator-admin', F],
      ['north-officer', F],
    ],
  },
  [TxType.govPropose]: {
    allowed: 'licensing-admin',
    setup: [],
    forbidden: [
      ['licensing-officer', F],
      ['north-officer', F],
    ],
  },
  [TxType.govVote]: {
    allowed: 'north-admin',
    setup: [TxType.govPropose],
    forbidden: [
      ['north-officer', F],
      ['regulator-inspector', F],
    ],
  },
}

describe('permissions of every transaction type', () => {
  it('the table covers every type, and every refusal code is 403-class', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...TX_TYPES].sort())
    for (const row of Object.values(TABLE))
      for (const [, code] of row.forbidden) expect(APP_ERROR_STATUS[code]).toBe(403)
    expect(APP_ERROR_STATUS[AppErrorCode.UNKNOWN_ACCOUNT]).toBe(403)
  })

  it.each(TX_TYPES)('%s', async (type) => {
    const row = TABLE[type]
    const chain = await TestChain.create()
    for (const pre of row.setup)
      await chain.ok(TABLE[pre].allowed, buildTx(pre, SAMPLE_PAYLOADS[pre] as never))
    const draft = buildTx(type, SAMPLE_PAYLOADS[type] as never)
    const before = chain.state.snapshot()
    for (const [signer, code] of [
      ...row.forbidden,
      ['stranger', AppErrorCode.UNKNOWN_ACCOUNT] as [string, Code],
    ]) {
      expect(await chain.check(signer, draft), `checkTx by ${signer}`).toBe(code)
      expect(await chain.code(signer, draft), `deliverTx by ${signer}`).toBe(code)
      expect(chain.state.snapshot()).toEqual(before)
    }
    expect(await chain.check(row.allowed, draft)).toBe('ok')
    expect(await chain.code(row.allowed, draft)).toBe('ok')
    expect(chain.state.snapshot()).not.toEqual(before)
    // the documented permission names a role the allowed actor holds
    const roles = DEMO_ACCOUNTS.find((a) => a.name === row.allowed)!.roles
    const needed = TX_PERMISSIONS[type].accountRoles
    if (needed !== 'self-or-admin') expect(needed.some((r) => roles.includes(r))).toBe(true)
  })
})
