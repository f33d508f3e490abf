/** Payload schemas: certificates (residence, social-security contribution record, …). */
import { commitments } from './common.js'
import { f } from './schema.js'

export const certificateIssueSchema = {
  recordId: f.recordId(),
  kind: f.kind(),
  fields: commitments(1),
  validUntilHeight: f.optional(f.height()),
}

export const certificateAmendSchema = {
  recordId: f.recordId(),
  /** Replaces (or adds) these fields' commitments; the others stay. */
  fields: commitments(1),
  reason: f.code(),
}

export const certificateRevokeSchema = { recordId: f.recordId(), reason: f.code() }
