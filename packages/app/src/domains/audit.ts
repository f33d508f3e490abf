/**
 * Privacy and audit trail on records of any type:
 * - `record.erase`: the owning organisation deleted the record's personal values and salts from
 *   its off-chain store; the chain records when (erasedHeight, history entry). The commitments
 *   stay and, without salts, reveal nothing. Afterwards the record's fields can no longer change.
 * - `audit.note`: a regulator's or auditor's finding (hash of its report) appended to the
 *   record's history — read access itself needs no transaction: every record and its full
 *   history are public reads of commitments (see queries.ts).
 */
import { AppError, AppErrorCode } from '../errors.js'
import { RECORD_OFFICER_ROLE } from '../permissions.js'
import { getRecord } from '../store.js'
import type { TxType } from '../tx-types.js'
import type { AppRecord } from '../types.js'
import { forbidden, requireOwner, updateRecord, type Handler } from './context.js'

type ErasableRecord = Extract<AppRecord, { erasedHeight: number | null }>

function isErasable(record: AppRecord): record is ErasableRecord {
  return Object.hasOwn(RECORD_OFFICER_ROLE, record.type)
}

async function requireAnyRecord(state: Parameters<typeof getRecord>[0], id: string): Promise<AppRecord> {
  const record = await getRecord(state, id)
  if (record === undefined)
    throw new AppError(AppErrorCode.NOT_FOUND, `no record with id ${id}`, { recordId: id })
  return record
}

export const recordErase: Handler<typeof TxType.recordErase> = async (ctx, p) => {
  const record = await requireAnyRecord(ctx.state, p.recordId)
  if (!isErasable(record)) {
    throw new AppError(AppErrorCode.INVALID_TRANSITION, `a ${record.type} holds no personal data`, {
      recordId: record.id,
      status: record.status,
      action: ctx.action,
    })
  }
  requireOwner(ctx, record)
  const officer = RECORD_OFFICER_ROLE[record.type]
  if (!ctx.actor.roles.includes('admin') && !ctx.actor.roles.includes(officer)) {
    throw forbidden(`erasing a ${record.type} needs role admin or ${officer}`)
  }
  if (record.erasedHeight !== null) {
    throw new AppError(
      AppErrorCode.ERASED,
      `record ${record.id} was already erased at ${record.erasedHeight}`,
    )
  }
  const updated = updateRecord<ErasableRecord>(
    ctx,
    record,
    { erasedHeight: ctx.height },
    { reason: p.reason },
  )
  return { recordId: updated.id, erasedHeight: ctx.height }
}

export const auditNote: Handler<typeof TxType.auditNote> = async (ctx, p) => {
  const record = await requireAnyRecord(ctx.state, p.recordId)
  const updated = updateRecord(ctx, record, {}, { finding: p.finding, severity: p.severity })
  return { recordId: updated.id, seq: updated.historyLength - 1 }
}
