/** Payload schemas: licences and permits. */
import { commitments, documentHash } from './common.js'
import { f } from './schema.js'

export const licenceApplySchema = {
  recordId: f.recordId(),
  /** The issuing agency (member id). */
  agency: f.ident(),
  kind: f.kind(),
  /** Applicant's personal data as commitments (e.g. name, nationalId, address). */
  fields: commitments(1),
}

export const licenceApproveSchema = { recordId: f.recordId(), document: documentHash() }
export const licenceRejectSchema = { recordId: f.recordId(), reason: f.code(), document: documentHash() }

export const licenceIssueSchema = {
  recordId: f.recordId(),
  validFromHeight: f.height(),
  /** Last height at which the licence is valid. */
  validUntilHeight: f.height(),
  document: documentHash(),
}

export const licenceSuspendSchema = { recordId: f.recordId(), reason: f.code(), document: documentHash() }
export const licenceReinstateSchema = { recordId: f.recordId(), document: documentHash() }
export const licenceRevokeSchema = { recordId: f.recordId(), reason: f.code(), document: documentHash() }
