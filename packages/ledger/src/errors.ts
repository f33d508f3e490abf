/**
 * One error base class for all of govchain. Every rejection carries a stable machine-readable
 * `code` (what clients, metrics and HTTP map on) and optional structured details.
 * Modelled on lodestar's `LodestarError`.
 */
export class GovchainError<C extends string = string> extends Error {
  readonly code: C
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: C, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.details = details
  }

  toJSON(): { code: C; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: { ...this.details } }
      : { code: this.code, message: this.message }
  }
}

export function isGovchainError(e: unknown): e is GovchainError {
  return e instanceof GovchainError
}

export const EncodeErrorCode = {
  UNSUPPORTED_TEXT: 'ENCODE_UNSUPPORTED_TEXT',
} as const
export type EncodeErrorCode = (typeof EncodeErrorCode)[keyof typeof EncodeErrorCode]

/** A value that govchain's canonical encoding cannot carry (see cbor-encode.ts). */
export class EncodeError extends GovchainError<EncodeErrorCode> {}

/** Codes of malformed bytes, shared by every decoder. */
export const DecodeErrorCode = {
  TOO_LARGE: 'DECODE_TOO_LARGE',
  MALFORMED_CBOR: 'DECODE_MALFORMED_CBOR',
  NON_CANONICAL: 'DECODE_NON_CANONICAL',
  BAD_SHAPE: 'DECODE_BAD_SHAPE',
  WRONG_DOMAIN: 'DECODE_WRONG_DOMAIN',
  UNSUPPORTED_VERSION: 'DECODE_UNSUPPORTED_VERSION',
} as const
export type DecodeErrorCode = (typeof DecodeErrorCode)[keyof typeof DecodeErrorCode]

export class DecodeError extends GovchainError<DecodeErrorCode> {}

export const CryptoErrorCode = {
  BAD_KEY_LENGTH: 'CRYPTO_BAD_KEY_LENGTH',
  BAD_SIGNATURE_LENGTH: 'CRYPTO_BAD_SIGNATURE_LENGTH',
  WEAK_PUBLIC_KEY: 'CRYPTO_WEAK_PUBLIC_KEY',
  BAD_KEY_FILE: 'CRYPTO_BAD_KEY_FILE',
} as const
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode]

export class CryptoError extends GovchainError<CryptoErrorCode> {}
