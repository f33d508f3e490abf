/**
 * Invoices for supply-chain finance. An invoice is registered once per real invoice: its
 * fingerprint (`invoiceFingerprint` of seller, buyer and number, computed by every bank from the
 * document it is shown) is indexed (`invfp:`), so a second registration of the same invoice at
 * another bank is refused (APP_DUPLICATE_INVOICE), and the one record can be financed only once,
 * by whichever bank comes first (APP_ALREADY_FINANCED) — the double-financing fraud fails.
 *
 *   registered ─finance→ financed ─settle→ settled
 *        ├─settle→ settled  (paid without financing)
 *        └─cancel→ cancelled (registrar only; frees the fingerprint for a corrected registration)
 */
import { equalBytes, toHex } from '@govchain/ledger'
import { AppError, AppErrorCode } from '../errors.js'
import {
  assertRecordIdFree,
  getInvoiceIdByFingerprint,
  getRecord,
  putInvoiceFingerprint,
  requireRecord,
} from '../store.js'
import type { TxType } from '../tx-types.js'
import type { InvoiceRecord } from '../types.js'
import {
  createRecord,
  forbidden,
  requireOwner,
  requireStatus,
  updateRecord,
  type Handler,
} from './context.js'

const done = (r: InvoiceRecord) => ({ recordId: r.id, status: r.status })

export const invoiceRegister: Handler<typeof TxType.invoiceRegister> = async (ctx, p) => {
  const existingId = await getInvoiceIdByFingerprint(ctx.state, p.fingerprint)
  if (existingId !== undefined) {
    const existing = await getRecord(ctx.state, existingId)
    if (existing?.type !== 'invoice' || existing.status !== 'cancelled') {
      throw new AppError(
        AppErrorCode.DUPLICATE_INVOICE,
        `this invoice is already registered as ${existingId}`,
        {
          recordId: existingId,
          fingerprint: toHex(p.fingerprint),
        },
      )
    }
  }
  await assertRecordIdFree(ctx.state, p.recordId)
  putInvoiceFingerprint(ctx.state, p.fingerprint, p.recordId)
  const record = createRecord<InvoiceRecord>(
    ctx,
    {
      type: 'invoice',
      id: p.recordId,
      owner: ctx.actor.member.id,
      status: 'registered',
      fingerprint: p.fingerprint,
      amount: p.amount,
      currency: p.currency,
      fields: p.fields,
      erasedHeight: null,
      financedBy: null,
      financedAmount: 0,
    },
    { amount: p.amount, currency: p.currency },
  )
  return done(record)
}

export const invoiceFinance: Handler<typeof TxType.invoiceFinance> = async (ctx, p) => {
  const record = await requireRecord(ctx.state, p.recordId, 'invoice')
  if (!equalBytes(record.fingerprint, p.fingerprint)) {
    throw new AppError(AppErrorCode.FINGERPRINT_MISMATCH, `invoice ${record.id} has another fingerprint`)
  }
  if (record.status === 'financed') {
    throw new AppError(
      AppErrorCode.ALREADY_FINANCED,
      `invoice ${record.id} is already financed by ${record.financedBy}`,
      {
        recordId: record.id,
        financedBy: record.financedBy,
      },
    )
  }
  requireStatus(ctx, record, ['registered'])
  if (p.amount > record.amount) {
    throw new AppError(
      AppErrorCode.AMOUNT_EXCEEDED,
      `financing ${p.amount} exceeds the invoice amount ${record.amount}`,
    )
  }
  return done(
    updateRecord(
      ctx,
      record,
      { status: 'financed', financedBy: ctx.actor.member.id, financedAmount: p.amount },
      { amount: p.amount, bank: ctx.actor.member.id },
    ),
  )
}

export const invoiceSettle: Handler<typeof TxType.invoiceSettle> = async (ctx, p) => {
  const record = await requireRecord(ctx.state, p.recordId, 'invoice')
  requireStatus(ctx, record, ['registered', 'financed'])
  const settler = record.status === 'financed' ? record.financedBy : record.owner
  if (settler !== ctx.actor.member.id) {
    throw forbidden(`invoice ${record.id} is settled by ${settler}`, { recordId: record.id })
  }
  return done(updateRecord(ctx, record, { status: 'settled' }))
}

export const invoiceCancel: Handler<typeof TxType.invoiceCancel> = async (ctx, p) => {
  const record = await requireRecord(ctx.state, p.recordId, 'invoice')
  requireOwner(ctx, record)
  requireStatus(ctx, record, ['registered'])
  return done(updateRecord(ctx, record, { status: 'cancelled' }, { reason: p.reason }))
}
