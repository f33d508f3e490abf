/** Payload schemas: invoices (supply-chain finance), loans, subsidies. */
import { commitments } from './common.js'
import { f } from './schema.js'

export const invoiceRegisterSchema = {
  recordId: f.recordId(),
  /** `invoiceFingerprint(seller, buyer, number)`: equal for every registration of the same real invoice. */
  fingerprint: f.bytes(32),
  amount: f.amount(),
  currency: f.currency(),
  /** Optional party data as commitments (may be empty). */
  fields: commitments(0),
}

export const invoiceFinanceSchema = {
  recordId: f.recordId(),
  /** The fingerprint the bank computed from the invoice it checked; must match the record's. */
  fingerprint: f.bytes(32),
  amount: f.amount(),
}

export const invoiceSettleSchema = { recordId: f.recordId() }
export const invoiceCancelSchema = { recordId: f.recordId(), reason: f.code() }

export const loanApplySchema = {
  recordId: f.recordId(),
  amount: f.amount(),
  currency: f.currency(),
  /** Borrower's personal data as commitments. */
  fields: commitments(1),
}
export const loanApproveSchema = { recordId: f.recordId(), amount: f.amount() }
export const loanRejectSchema = { recordId: f.recordId(), reason: f.code() }
export const loanDisburseSchema = { recordId: f.recordId(), amount: f.amount() }
export const loanRepaySchema = { recordId: f.recordId(), amount: f.amount() }
export const loanCloseSchema = { recordId: f.recordId() }

export const subsidyCreateProgrammeSchema = {
  recordId: f.recordId(),
  budget: f.amount(),
  currency: f.currency(),
}
export const subsidyRegisterBeneficiarySchema = {
  recordId: f.recordId(),
  /** Beneficiary's personal data as commitments. */
  fields: commitments(1),
}
export const subsidyGrantSchema = {
  recordId: f.recordId(),
  programme: f.recordId(),
  beneficiary: f.recordId(),
  amount: f.amount(),
}
export const subsidyDisburseSchema = { recordId: f.recordId(), amount: f.amount() }
