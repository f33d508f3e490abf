/**
 * Certificates (residence, social-security contribution record, …): issued, amended and revoked
 * by the issuing agency's certificate officers. valid ─revoke→ revoked (final); an amendment
 * replaces some fields' commitments and bumps `version`. Anyone holding the id can prove the
 * status with a record proof (a revoked certificate stays on chain with status `revoked`).
 */
import { AppError, AppErrorCode } from '../errors.js'
import { MAX_COMMITTED_FIELDS } from '../payloads/schema.js'
import { assertRecordIdFree, getConfig, requireRecord } from '../store.js'
import type { TxType } from '../tx-types.js'
import type { CertificateRecord } from '../types.js'
import { createRecord, requireOwner, requireStatus, updateRecord, type Handler } from './context.js'

const done = (r: CertificateRecord) => ({ recordId: r.id, status: r.status, version: r.version })

export const certificateIssue: Handler<typeof TxType.certificateIssue> = async (ctx, p) => {
  const agency = ctx.actor.member.id
  const kinds = (await getConfig(ctx.state)).certificateKinds[agency] ?? []
  if (!kinds.includes(p.kind)) {
    throw new AppError(AppErrorCode.NOT_FOUND, `agency ${agency} issues no certificate of kind ${p.kind}`, {
      agency,
      kind: p.kind,
    })
  }
  if (p.validUntilHeight !== null && p.validUntilHeight <= ctx.height) {
    throw new AppError(
      AppErrorCode.BAD_HEIGHT,
      `validUntilHeight must be after the current height ${ctx.height}`,
    )
  }
  await assertRecordIdFree(ctx.state, p.recordId)
  const record = createRecord<CertificateRecord>(
    ctx,
    {
      type: 'certificate',
      id: p.recordId,
      owner: agency,
      status: 'valid',
      kind: p.kind,
      version: 1,
      fields: p.fields,
      erasedHeight: null,
      validUntilHeight: p.validUntilHeight,
    },
    { kind: p.kind },
  )
  return done(record)
}

export const certificateAmend: Handler<typeof TxType.certificateAmend> = async (ctx, p) => {
  const record = await requireRecord(ctx.state, p.recordId, 'certificate')
  requireOwner(ctx, record)
  requireStatus(ctx, record, ['valid'])
  if (record.erasedHeight !== null) {
    throw new AppError(AppErrorCode.ERASED, `certificate ${record.id}'s personal data was erased`)
  }
  const fields = { ...record.fields, ...p.fields }
  if (Object.keys(fields).length > MAX_COMMITTED_FIELDS) {
    throw new AppError(AppErrorCode.LIMIT_REACHED, `a record has at most ${MAX_COMMITTED_FIELDS} fields`)
  }
  const changed = Object.keys(p.fields).sort().join(',')
  return done(
    updateRecord(ctx, record, { fields, version: record.version + 1 }, { reason: p.reason, fields: changed }),
  )
}

export const certificateRevoke: Handler<typeof TxType.certificateRevoke> = async (ctx, p) => {
  const record = await requireRecord(ctx.state, p.recordId, 'certificate')
  requireOwner(ctx, record)
  requireStatus(ctx, record, ['valid'])
  return done(updateRecord(ctx, record, { status: 'revoked' }, { reason: p.reason }))
}
