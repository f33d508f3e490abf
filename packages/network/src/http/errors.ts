/**
 * HTTP error mapping: every error response is `{ error: { code, message } }` with a status
 * chosen by code. 400 malformed · 403 unauthorised (bad signature, permission) · 404 unknown ·
 * 409 duplicate or replayed · 413 oversized · 415 not JSON · 429 rate limited (per client, or
 * one sender's queue full) · 503 mempool full (capacity of this node, retry later).
 */
import { isGovchainError, type GovchainError } from '@govchain/ledger'
import { ApiErrorCode, ExplorerErrorCode } from '../errors.js'

const BY_CODE: Record<string, number> = {
  TX_BAD_SIGNATURE: 403,
  TX_DUPLICATE: 409,
  TX_BAD_NONCE: 409,
  MEMPOOL_DUPLICATE: 409,
  MEMPOOL_ALREADY_COMMITTED: 409,
  MEMPOOL_NONCE_TAKEN: 409,
  DECODE_TOO_LARGE: 413,
  TX_TOO_LARGE: 413,
  [ApiErrorCode.TOO_LARGE]: 413,
  [ApiErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ApiErrorCode.RATE_LIMITED]: 429,
  MEMPOOL_SENDER_FULL: 429,
  MEMPOOL_FULL: 503,
  [ApiErrorCode.UNAVAILABLE]: 503,
  [ApiErrorCode.NOT_FOUND]: 404,
  [ApiErrorCode.INTERNAL]: 500,
  // The node could not build its explorer page script: a fault of the node, not of the request.
  [ExplorerErrorCode.BUILD_FAILED]: 500,
  [ExplorerErrorCode.NODE_BUILTIN]: 500,
}

/** Application codes that mean "not allowed" map to 403 by name. */
const FORBIDDEN =
  /_(UNAUTHORISED|UNAUTHORIZED|FORBIDDEN|NOT_PERMITTED|PERMISSION_DENIED|NOT_AUTHORISED|NOT_AUTHORIZED)$/

export function statusOf(code: string): number {
  const s = BY_CODE[code]
  if (s !== undefined) return s
  if (FORBIDDEN.test(code)) return 403
  return 400
}

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } }

export function errorBody(e: GovchainError): ErrorBody {
  const { code, message, details } = e.toJSON()
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

/**
 * Turns anything thrown into a status and a coded body. `appStatusOf` gives the status of the
 * application's own codes (e.g. 409 for a state conflict), when it knows them.
 */
export function toHttpError(
  e: unknown,
  appStatusOf?: (code: string) => number | undefined,
): { status: number; body: ErrorBody } {
  if (isGovchainError(e)) return { status: appStatusOf?.(e.code) ?? statusOf(e.code), body: errorBody(e) }
  const fe = e as { code?: string; statusCode?: number; message?: string; validation?: unknown }
  if (fe.validation !== undefined)
    return {
      status: 400,
      body: { error: { code: ApiErrorCode.BAD_REQUEST, message: fe.message ?? 'invalid request' } },
    }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: { error: { code: ApiErrorCode.TOO_LARGE, message: 'request body is too large' } },
      }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { error: { code: ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'send application/json' } },
      }
    default:
      if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)
        return {
          status: 400,
          body: { error: { code: ApiErrorCode.BAD_REQUEST, message: fe.message ?? 'malformed request' } },
        }
      return { status: 500, body: { error: { code: ApiErrorCode.INTERNAL, message: 'internal error' } } }
  }
}
