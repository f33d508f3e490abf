/**
 * Subsidies: an agency's programme has a budget; its subsidy officers register beneficiaries
 * (personal data as commitments), grant amounts to them and disburse the grants. Invariants
 * kept on the programme record: granted ≤ budget and disbursed ≤ granted; per grant,
 * disbursed ≤ amount. Both refusals are APP_BUDGET_EXCEEDED.
 */
import { AppError, AppErrorCode } from '../errors.js'
import { assertRecordIdFree, requireRecord } from '../store.js'
import type { TxType } from '../tx-types.js'
import type { BeneficiaryRecord, GrantRecord, ProgrammeRecord } from '../types.js'
import { addAmounts, createRecord, forbidden, requireOwner, updateRecord, type Handler } from './context.js'

export const subsidyCreateProgramme: Handler<typeof TxType.subsidyCreateProgramme> = async (ctx, p) => {
  await assertRecordIdFree(ctx.state, p.recordId)
  const record = createRecord<ProgrammeRecord>(
    ctx,
    {
      type: 'subsidy-programme',
      id: p.recordId,
      owner: ctx.actor.member.id,
      status: 'open',
      currency: p.currency,
      budget: p.budget,
      granted: 0,
      disbursed: 0,
    },
    { budget: p.budget, currency: p.currency },
  )
  return { recordId: record.id, status: record.status }
}

export const subsidyRegisterBeneficiary: Handler<typeof TxType.subsidyRegisterBeneficiary> = async (
  ctx,
  p,
) => {
  await assertRecordIdFree(ctx.state, p.recordId)
  const record = createRecord<BeneficiaryRecord>(ctx, {
    type: 'beneficiary',
    id: p.recordId,
    owner: ctx.actor.member.id,
    status: 'registered',
    fields: p.fields,
    erasedHeight: null,
  })
  return { recordId: record.id, status: record.status }
}

export const subsidyGrant: Handler<typeof TxType.subsidyGrant> = async (ctx, p) => {
  const programme = await requireRecord(ctx.state, p.programme, 'subsidy-programme')
  requireOwner(ctx, programme)
  const beneficiary = await requireRecord(ctx.state, p.beneficiary, 'beneficiary')
  if (beneficiary.owner !== programme.owner) {
    throw forbidden(`beneficiary ${beneficiary.id} is registered with ${beneficiary.owner}`)
  }
  if (beneficiary.erasedHeight !== null) {
    throw new AppError(AppErrorCode.ERASED, `beneficiary ${beneficiary.id}'s personal data was erased`)
  }
  await assertRecordIdFree(ctx.state, p.recordId)
  const granted = addAmounts(programme.granted, p.amount)
  if (granted > programme.budget) {
    throw new AppError(
      AppErrorCode.BUDGET_EXCEEDED,
      `granting ${p.amount} takes programme ${programme.id} to ${granted}, above its budget ${programme.budget}`,
      { recordId: programme.id, budget: programme.budget, granted: programme.granted },
    )
  }
  updateRecord(ctx, programme, { granted }, { grant: p.recordId, amount: p.amount })
  const grant = createRecord<GrantRecord>(
    ctx,
    {
      type: 'subsidy-grant',
      id: p.recordId,
      owner: programme.owner,
      status: 'granted',
      programme: programme.id,
      beneficiary: beneficiary.id,
      currency: programme.currency,
      amount: p.amount,
      disbursed: 0,
    },
    { programme: programme.id, beneficiary: beneficiary.id, amount: p.amount },
  )
  return { recordId: grant.id, status: grant.status }
}

export const subsidyDisburse: Handler<typeof TxType.subsidyDisburse> = async (ctx, p) => {
  const grant = await requireRecord(ctx.state, p.recordId, 'subsidy-grant')
  requireOwner(ctx, grant)
  const disbursed = addAmounts(grant.disbursed, p.amount)
  if (disbursed > grant.amount) {
    throw new AppError(
      AppErrorCode.BUDGET_EXCEEDED,
      `disbursing ${p.amount} takes grant ${grant.id} to ${disbursed}, above its amount ${grant.amount}`,
      { recordId: grant.id, amount: grant.amount, disbursed: grant.disbursed },
    )
  }
  const programme = await requireRecord(ctx.state, grant.programme, 'subsidy-programme')
  updateRecord(
    ctx,
    programme,
    { disbursed: addAmounts(programme.disbursed, p.amount) },
    {
      grant: grant.id,
      amount: p.amount,
    },
  )
  const updated = updateRecord(
    ctx,
    grant,
    { disbursed, status: disbursed === grant.amount ? 'disbursed' : 'granted' },
    { amount: p.amount },
  )
  return { recordId: updated.id, status: updated.status, disbursed: updated.disbursed }
}
