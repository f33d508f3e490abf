/**
 * The payload schema of every transaction type, its size limit, and the typed encode / decode /
 * JSON entry points used by the application, the builders and the CLI.
 */
import { AppError, AppErrorCode } from '../errors.js'
import { isTxType, TxType } from '../tx-types.js'
import {
  accountRegisterSchema,
  accountRevokeSchema,
  accountRotateKeySchema,
  accountSetRolesSchema,
  agencyDefineKindSchema,
} from './accounts.js'
import { certificateAmendSchema, certificateIssueSchema, certificateRevokeSchema } from './certificates.js'
import {
  invoiceCancelSchema,
  invoiceFinanceSchema,
  invoiceRegisterSchema,
  invoiceSettleSchema,
  loanApplySchema,
  loanApproveSchema,
  loanCloseSchema,
  loanDisburseSchema,
  loanRejectSchema,
  loanRepaySchema,
  subsidyCreateProgrammeSchema,
  subsidyDisburseSchema,
  subsidyGrantSchema,
  subsidyRegisterBeneficiarySchema,
} from './finance.js'
import { govProposeSchema, govVoteSchema } from './governance.js'
import {
  licenceApplySchema,
  licenceApproveSchema,
  licenceIssueSchema,
  licenceReinstateSchema,
  licenceRejectSchema,
  licenceRevokeSchema,
  licenceSuspendSchema,
} from './licences.js'
import { auditNoteSchema, recordEraseSchema } from './records.js'
import {
  decodeWithSchema,
  encodeWithSchema,
  fromJsonWithSchema,
  type PayloadOf,
  type Schema,
} from './schema.js'

export const PAYLOAD_SCHEMAS = {
  [TxType.accountRegister]: accountRegisterSchema,
  [TxType.accountRotateKey]: accountRotateKeySchema,
  [TxType.accountRevoke]: accountRevokeSchema,
  [TxType.accountSetRoles]: accountSetRolesSchema,
  [TxType.agencyDefineKind]: agencyDefineKindSchema,
  [TxType.licenceApply]: licenceApplySchema,
  [TxType.licenceApprove]: licenceApproveSchema,
  [TxType.licenceReject]: licenceRejectSchema,
  [TxType.licenceIssue]: licenceIssueSchema,
  [TxType.licenceSuspend]: licenceSuspendSchema,
  [TxType.licenceReinstate]: licenceReinstateSchema,
  [TxType.licenceRevoke]: licenceRevokeSchema,
  [TxType.certificateIssue]: certificateIssueSchema,
  [TxType.certificateAmend]: certificateAmendSchema,
  [TxType.certificateRevoke]: certificateRevokeSchema,
  [TxType.invoiceRegister]: invoiceRegisterSchema,
  [TxType.invoiceFinance]: invoiceFinanceSchema,
  [TxType.invoiceSettle]: invoiceSettleSchema,
  [TxType.invoiceCancel]: invoiceCancelSchema,
  [TxType.loanApply]: loanApplySchema,
  [TxType.loanApprove]: loanApproveSchema,
  [TxType.loanReject]: loanRejectSchema,
  [TxType.loanDisburse]: loanDisburseSchema,
  [TxType.loanRepay]: loanRepaySchema,
  [TxType.loanClose]: loanCloseSchema,
  [TxType.subsidyCreateProgramme]: subsidyCreateProgrammeSchema,
  [TxType.subsidyRegisterBeneficiary]: subsidyRegisterBeneficiarySchema,
  [TxType.subsidyGrant]: subsidyGrantSchema,
  [TxType.subsidyDisburse]: subsidyDisburseSchema,
  [TxType.recordErase]: recordEraseSchema,
  [TxType.auditNote]: auditNoteSchema,
  [TxType.govPropose]: govProposeSchema,
  [TxType.govVote]: govVoteSchema,
} as const satisfies Record<TxType, Schema>

/** The decoded payload of each transaction type. */
export type TxPayloads = { [T in TxType]: PayloadOf<(typeof PAYLOAD_SCHEMAS)[T]> }

/** Largest accepted payload per type; proposals may carry a full validator set. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024
export const MAX_PAYLOAD_BYTES: Readonly<Record<TxType, number>> = Object.fromEntries(
  Object.values(TxType).map((t) => [t, t === TxType.govPropose ? 60 * 1024 : DEFAULT_MAX_PAYLOAD_BYTES]),
) as Record<TxType, number>

function schemaOf(type: string): Schema {
  if (!isTxType(type)) {
    throw new AppError(AppErrorCode.UNKNOWN_TX_TYPE, `unknown transaction type ${type.slice(0, 64)}`, {
      type: type.slice(0, 64),
    })
  }
  return PAYLOAD_SCHEMAS[type]
}

export function decodePayload<T extends TxType>(type: T, bytes: Uint8Array): TxPayloads[T] {
  return decodeWithSchema(schemaOf(type), bytes, MAX_PAYLOAD_BYTES[type], type) as TxPayloads[T]
}

export function encodePayload<T extends TxType>(type: T, payload: TxPayloads[T]): Uint8Array {
  return encodeWithSchema(schemaOf(type), payload as never, MAX_PAYLOAD_BYTES[type], type)
}

/** JSON (bytes as lowercase hex; optional fields may be left out) → a checked payload. */
export function payloadFromJson<T extends TxType>(type: T, json: unknown): TxPayloads[T] {
  return fromJsonWithSchema(schemaOf(type), json) as TxPayloads[T]
}

/** One line per field, for CLI help and docs. */
export function describePayload(type: TxType): Record<string, string> {
  return Object.fromEntries(Object.entries(PAYLOAD_SCHEMAS[type] as Schema).map(([k, v]) => [k, v.describe]))
}
