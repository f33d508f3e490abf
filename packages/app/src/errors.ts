/**
 * The application's coded errors. Every rejection of a transaction, query or genesis carries one
 * of these codes; `APP_ERROR_STATUS` says which HTTP status class each belongs to so that the
 * network layer can map them (forbidden → 403, duplicates and state conflicts → 409, malformed →
 * 400, oversized → 413, unknown → 404, business-rule violations → 422).
 */
import { GovchainError } from '@govchain/ledger'

export const AppErrorCode = {
  /** The payload is not canonical CBOR of the type's schema (the message names the field). */
  BAD_PAYLOAD: 'APP_BAD_PAYLOAD',
  /** The payload is larger than its type's limit. */
  PAYLOAD_TOO_LARGE: 'APP_PAYLOAD_TOO_LARGE',
  UNKNOWN_TX_TYPE: 'APP_UNKNOWN_TX_TYPE',
  /** A public key that is small-order, non-canonical or not on the curve. */
  WEAK_KEY: 'APP_WEAK_KEY',
  /** The sender is not a registered account. */
  UNKNOWN_ACCOUNT: 'APP_UNKNOWN_ACCOUNT',
  /** The sender's account was revoked or rotated away, or its organisation was removed. */
  ACCOUNT_INACTIVE: 'APP_ACCOUNT_INACTIVE',
  /** The sender lacks the account role, its organisation lacks the member role, or the record belongs to another organisation. */
  FORBIDDEN: 'APP_FORBIDDEN',
  NOT_FOUND: 'APP_NOT_FOUND',
  /** A record, account, member or kind with this id already exists. */
  ALREADY_EXISTS: 'APP_ALREADY_EXISTS',
  /** The same real invoice (same fingerprint) is already registered. */
  DUPLICATE_INVOICE: 'APP_DUPLICATE_INVOICE',
  /** The invoice is already financed (by any bank). */
  ALREADY_FINANCED: 'APP_ALREADY_FINANCED',
  /** This member organisation already voted on the proposal. */
  ALREADY_VOTED: 'APP_ALREADY_VOTED',
  /** The record's current status does not allow this action. */
  INVALID_TRANSITION: 'APP_INVALID_TRANSITION',
  /** The licence's validity period has ended. */
  EXPIRED: 'APP_EXPIRED',
  /** The personal data of the record was erased; its fields can no longer change. */
  ERASED: 'APP_ERASED',
  /** A grant would take a programme's grants above its budget, or a disbursement above its grant. */
  BUDGET_EXCEEDED: 'APP_BUDGET_EXCEEDED',
  /** An amount above what the record allows (finance above the invoice, disburse above approval, repay above outstanding). */
  AMOUNT_EXCEEDED: 'APP_AMOUNT_EXCEEDED',
  /** The invoice fingerprint in a finance request differs from the registered one. */
  FINGERPRINT_MISMATCH: 'APP_FINGERPRINT_MISMATCH',
  /** A height or period that is in the past, too far ahead or inverted. */
  BAD_HEIGHT: 'APP_BAD_HEIGHT',
  /** The proposal is no longer open (decided, failed or past its deadline). */
  PROPOSAL_CLOSED: 'APP_PROPOSAL_CLOSED',
  /** The proposal's change is inconsistent with the current members / validators. */
  INVALID_PROPOSAL: 'APP_INVALID_PROPOSAL',
  /** The change would leave fewer than the minimum number of validators. */
  TOO_FEW_VALIDATORS: 'APP_TOO_FEW_VALIDATORS',
  /** A bounded list (open proposals, a record's history) is full. */
  LIMIT_REACHED: 'APP_LIMIT_REACHED',
  BAD_GENESIS: 'APP_BAD_GENESIS',
  BAD_QUERY: 'APP_BAD_QUERY',
  UNKNOWN_QUERY: 'APP_UNKNOWN_QUERY',
  /** Off-chain store: no value / salt held for this record field (never stored, or erased). */
  OFFCHAIN_MISSING: 'APP_OFFCHAIN_MISSING',
  /** A stored value that does not decode: a bug or a corrupted database, never user input. */
  CORRUPT_STATE: 'APP_CORRUPT_STATE',
} as const
export type AppErrorCode = (typeof AppErrorCode)[keyof typeof AppErrorCode]

export class AppError extends GovchainError<AppErrorCode> {}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError
}

/** The HTTP status class of each code (for the network layer and the CLI's exit messages). */
export const APP_ERROR_STATUS: Readonly<Record<AppErrorCode, 400 | 403 | 404 | 409 | 413 | 422 | 500>> = {
  APP_BAD_PAYLOAD: 400,
  APP_PAYLOAD_TOO_LARGE: 413,
  APP_UNKNOWN_TX_TYPE: 400,
  APP_WEAK_KEY: 400,
  APP_UNKNOWN_ACCOUNT: 403,
  APP_ACCOUNT_INACTIVE: 403,
  APP_FORBIDDEN: 403,
  APP_NOT_FOUND: 404,
  APP_ALREADY_EXISTS: 409,
  APP_DUPLICATE_INVOICE: 409,
  APP_ALREADY_FINANCED: 409,
  APP_ALREADY_VOTED: 409,
  APP_INVALID_TRANSITION: 409,
  APP_EXPIRED: 409,
  APP_ERASED: 409,
  APP_PROPOSAL_CLOSED: 409,
  APP_BUDGET_EXCEEDED: 422,
  APP_AMOUNT_EXCEEDED: 422,
  APP_FINGERPRINT_MISMATCH: 422,
  APP_BAD_HEIGHT: 422,
  APP_INVALID_PROPOSAL: 422,
  APP_TOO_FEW_VALIDATORS: 422,
  APP_LIMIT_REACHED: 422,
  APP_BAD_GENESIS: 400,
  APP_BAD_QUERY: 400,
  APP_UNKNOWN_QUERY: 404,
  APP_OFFCHAIN_MISSING: 404,
  APP_CORRUPT_STATE: 500,
}

export function appError(
  code: AppErrorCode,
  message: string,
  details: Record<string, unknown> = {},
): AppError {
  return new AppError(code, message, details)
}

/** The HTTP status of an application code, or undefined for codes that are not the application's. */
export function appErrorStatus(code: string): number | undefined {
  return Object.hasOwn(APP_ERROR_STATUS, code) ? APP_ERROR_STATUS[code as AppErrorCode] : undefined
}
