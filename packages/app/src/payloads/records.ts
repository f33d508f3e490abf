/** Payload schemas: privacy (erasure) and auditing, which apply to records of any type. */
import { f } from './schema.js'

export const recordEraseSchema = { recordId: f.recordId(), reason: f.code() }

export const AuditSeverity = ['info', 'warning', 'critical'] as const
export const auditNoteSchema = {
  recordId: f.recordId(),
  /** Hash of the audit finding document (kept off chain by the auditor). */
  finding: f.bytes(32),
  severity: f.oneOf(AuditSeverity),
}
