/**
 * Loans, moved by the lending bank's loan officers. Invariants: disbursed ≤ approvedAmount ≤
 * requestedAmount, repaid ≤ disbursed; a loan closes only with nothing outstanding.
 *
 *   applied ─approve→ approved ─disburse→ active (disburse / repay) ─close→ closed
 *      └─reject→ rejected        └─close→ closed (nothing disbursed)
 */
import { AppError, AppErrorCode } from '../errors.js'
import { assertRecordIdFree, requireRecord } from '../store.js'
import type { TxType } from '../tx-types.js'
import type { LoanRecord, LoanStatus } from '../types.js'
import {
  addAmounts,
  createRecord,
  requireOwner,
  requireStatus,
  updateRecord,
  type ExecContext,
  type Handler,
} from './context.js'

const done = (r: LoanRecord) => ({
  recordId: r.id,
  status: r.status,
  disbursed: r.disbursed,
  repaid: r.repaid,
})

async function ownLoan(ctx: ExecContext, id: string, from: readonly LoanStatus[]): Promise<LoanRecord> {
  const record = await requireRecord(ctx.state, id, 'loan')
  requireOwner(ctx, record)
  requireStatus(ctx, record, from)
  return record
}

function exceeded(message: string): AppError {
  return new AppError(AppErrorCode.AMOUNT_EXCEEDED, message)
}

export const loanApply: Handler<typeof TxType.loanApply> = async (ctx, p) => {
  await assertRecordIdFree(ctx.state, p.recordId)
  const record = createRecord<LoanRecord>(
    ctx,
    {
      type: 'loan',
      id: p.recordId,
      owner: ctx.actor.member.id,
      status: 'applied',
      currency: p.currency,
      requestedAmount: p.amount,
      approvedAmount: 0,
      disbursed: 0,
      repaid: 0,
      fields: p.fields,
      erasedHeight: null,
    },
    { amount: p.amount, currency: p.currency },
  )
  return done(record)
}

export const loanApprove: Handler<typeof TxType.loanApprove> = async (ctx, p) => {
  const record = await ownLoan(ctx, p.recordId, ['applied'])
  if (p.amount > record.requestedAmount) {
    throw exceeded(`approving ${p.amount} exceeds the requested ${record.requestedAmount}`)
  }
  return done(
    updateRecord(ctx, record, { status: 'approved', approvedAmount: p.amount }, { amount: p.amount }),
  )
}

export const loanReject: Handler<typeof TxType.loanReject> = async (ctx, p) => {
  const record = await ownLoan(ctx, p.recordId, ['applied'])
  return done(updateRecord(ctx, record, { status: 'rejected' }, { reason: p.reason }))
}

export const loanDisburse: Handler<typeof TxType.loanDisburse> = async (ctx, p) => {
  const record = await ownLoan(ctx, p.recordId, ['approved', 'active'])
  const disbursed = addAmounts(record.disbursed, p.amount)
  if (disbursed > record.approvedAmount) {
    throw exceeded(`disbursing ${p.amount} takes the loan above its approved ${record.approvedAmount}`)
  }
  return done(updateRecord(ctx, record, { status: 'active', disbursed }, { amount: p.amount }))
}

export const loanRepay: Handler<typeof TxType.loanRepay> = async (ctx, p) => {
  const record = await ownLoan(ctx, p.recordId, ['active'])
  const repaid = addAmounts(record.repaid, p.amount)
  if (repaid > record.disbursed) {
    throw exceeded(`repaying ${p.amount} exceeds the outstanding ${record.disbursed - record.repaid}`)
  }
  return done(updateRecord(ctx, record, { repaid }, { amount: p.amount }))
}

export const loanClose: Handler<typeof TxType.loanClose> = async (ctx, p) => {
  const record = await ownLoan(ctx, p.recordId, ['approved', 'active'])
  if (record.repaid !== record.disbursed) {
    throw new AppError(
      AppErrorCode.INVALID_TRANSITION,
      `loan ${record.id} still has ${record.disbursed - record.repaid} outstanding`,
      { recordId: record.id, status: record.status, action: ctx.action },
    )
  }
  return done(updateRecord(ctx, record, { status: 'closed' }))
}
