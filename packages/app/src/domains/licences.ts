/**
 * Licences and permits. State machine (every transition by the issuing agency's licence
 * officers, each kept as a history entry):
 *
 *   apply → applied ─approve→ approved ─issue→ issued ⇄ suspended (suspend / reinstate)
 *              └─reject→ rejected            issued | suspended ─revoke→ revoked
 *
 * rejected and revoked are final. Validity is by height: an issued or suspended licence past
 * `validUntilHeight` is expired (`licenceEffectiveStatus`); it can no longer be suspended or
 * reinstated (APP_EXPIRED), but may still be revoked.
 */
import { AppError, AppErrorCode } from '../errors.js'
import { assertRecordIdFree, getConfig, getMember, requireRecord } from '../store.js'
import type { TxType } from '../tx-types.js'
import { LicenceStatus, type LicenceRecord } from '../types.js'
import {
  createRecord,
  requireOwner,
  requireStatus,
  updateRecord,
  type ExecContext,
  type Handler,
} from './context.js'

/** The legal transitions (from → to), used by tests and documentation. */
export const LICENCE_TRANSITIONS: Readonly<Record<LicenceStatus, readonly LicenceStatus[]>> = {
  applied: ['approved', 'rejected'],
  approved: ['issued'],
  rejected: [],
  issued: ['suspended', 'revoked'],
  suspended: ['issued', 'revoked'],
  revoked: [],
}

export function licenceExpired(record: LicenceRecord, height: number): boolean {
  return record.validUntilHeight !== null && height > record.validUntilHeight
}

/**
 * The status a verifier should show at `height`: `expired` once an issued / suspended licence
 * runs out, `not-yet-valid` for an issued licence before its validity starts.
 */
export function licenceEffectiveStatus(
  record: LicenceRecord,
  height: number,
): LicenceStatus | 'expired' | 'not-yet-valid' {
  const live = record.status === 'issued' || record.status === 'suspended'
  if (live && licenceExpired(record, height)) return 'expired'
  if (record.status === 'issued' && record.validFromHeight !== null && height < record.validFromHeight) {
    return 'not-yet-valid'
  }
  return record.status
}

async function ownLicence(
  ctx: ExecContext,
  id: string,
  from: readonly LicenceStatus[],
): Promise<LicenceRecord> {
  const record = await requireRecord(ctx.state, id, 'licence')
  requireOwner(ctx, record)
  requireStatus(ctx, record, from)
  return record
}

function requireNotExpired(ctx: ExecContext, record: LicenceRecord): void {
  if (licenceExpired(record, ctx.height)) {
    throw new AppError(
      AppErrorCode.EXPIRED,
      `licence ${record.id} expired after height ${record.validUntilHeight}`,
      {
        recordId: record.id,
        validUntilHeight: record.validUntilHeight,
      },
    )
  }
}

const done = (r: LicenceRecord) => ({ recordId: r.id, status: r.status })

export const licenceApply: Handler<typeof TxType.licenceApply> = async (ctx, p) => {
  const agency = await getMember(ctx.state, p.agency)
  if (agency === undefined || agency.status !== 'active' || !agency.roles.includes('agency')) {
    throw new AppError(AppErrorCode.NOT_FOUND, `no active agency ${p.agency}`, { agency: p.agency })
  }
  const kinds = (await getConfig(ctx.state)).licenceKinds[p.agency] ?? []
  if (!kinds.includes(p.kind)) {
    throw new AppError(AppErrorCode.NOT_FOUND, `agency ${p.agency} issues no licence of kind ${p.kind}`, {
      agency: p.agency,
      kind: p.kind,
    })
  }
  await assertRecordIdFree(ctx.state, p.recordId)
  const record = createRecord<LicenceRecord>(
    ctx,
    {
      type: 'licence',
      id: p.recordId,
      owner: p.agency,
      status: LicenceStatus.applied,
      kind: p.kind,
      filedBy: ctx.actor.member.id,
      fields: p.fields,
      erasedHeight: null,
      validFromHeight: null,
      validUntilHeight: null,
    },
    { kind: p.kind },
  )
  return done(record)
}

export const licenceApprove: Handler<typeof TxType.licenceApprove> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['applied'])
  return done(updateRecord(ctx, record, { status: 'approved' }, { document: p.document }))
}

export const licenceReject: Handler<typeof TxType.licenceReject> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['applied'])
  return done(updateRecord(ctx, record, { status: 'rejected' }, { reason: p.reason, document: p.document }))
}

export const licenceIssue: Handler<typeof TxType.licenceIssue> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['approved'])
  if (p.validFromHeight > p.validUntilHeight || p.validUntilHeight <= ctx.height) {
    throw new AppError(
      AppErrorCode.BAD_HEIGHT,
      `validity [${p.validFromHeight}, ${p.validUntilHeight}] must end after the current height ${ctx.height}`,
    )
  }
  return done(
    updateRecord(
      ctx,
      record,
      { status: 'issued', validFromHeight: p.validFromHeight, validUntilHeight: p.validUntilHeight },
      { validFromHeight: p.validFromHeight, validUntilHeight: p.validUntilHeight, document: p.document },
    ),
  )
}

export const licenceSuspend: Handler<typeof TxType.licenceSuspend> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['issued'])
  requireNotExpired(ctx, record)
  return done(updateRecord(ctx, record, { status: 'suspended' }, { reason: p.reason, document: p.document }))
}

export const licenceReinstate: Handler<typeof TxType.licenceReinstate> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['suspended'])
  requireNotExpired(ctx, record)
  return done(updateRecord(ctx, record, { status: 'issued' }, { document: p.document }))
}

export const licenceRevoke: Handler<typeof TxType.licenceRevoke> = async (ctx, p) => {
  const record = await ownLicence(ctx, p.recordId, ['issued', 'suspended'])
  return done(updateRecord(ctx, record, { status: 'revoked' }, { reason: p.reason, document: p.document }))
}
