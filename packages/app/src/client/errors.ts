/**
 * The SDK's coded errors. A `ClientError` is what a call to a node ends in when it does not
 * succeed: for an answer of the node its `code` is the node's own code (e.g.
 * `APP_ALREADY_FINANCED`, `TX_BAD_NONCE`) with the HTTP status and the node's `{ code, message }`
 * attached; a transaction the chain refused after admission carries the code of the refusal;
 * the client's own failures (unreachable node, timeout, a malformed answer) have `CLIENT_*`
 * codes. Offline proof checks throw `ProofError` or the ledger's light-client / decode errors.
 */
import { GovchainError } from '@govchain/ledger'

export const ClientErrorCode = {
  /** The node could not be reached (after the connection retries). */
  NETWORK: 'CLIENT_NETWORK',
  /** A request, or the wait for a commit, took longer than allowed. */
  TIMEOUT: 'CLIENT_TIMEOUT',
  /** The node answered with something that is not the API's JSON shape. */
  BAD_RESPONSE: 'CLIENT_BAD_RESPONSE',
  /** The node answered an HTTP error without a coded body. */
  HTTP: 'CLIENT_HTTP',
  /** A bad argument to an SDK call (not a URL, not a transaction type, …). */
  BAD_INPUT: 'CLIENT_BAD_INPUT',
  /** A key file that is missing, not JSON, or not an Ed25519 key pair. */
  BAD_KEY_FILE: 'CLIENT_BAD_KEY_FILE',
  /** A network.json that is missing or not the devnet's shape, or names an unknown node / account. */
  BAD_NETWORK_FILE: 'CLIENT_BAD_NETWORK_FILE',
  /** The event stream ended before the awaited transaction reached a final status. */
  STREAM_CLOSED: 'CLIENT_STREAM_CLOSED',
} as const
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode]

export type NodeErrorBody = { readonly code: string; readonly message: string }

export class ClientError extends GovchainError<string> {
  /** The HTTP status of the node's answer, when there was one. */
  readonly httpStatus: number | undefined
  /** The node's coded error, when it sent one. */
  readonly nodeError: NodeErrorBody | undefined

  constructor(
    code: string,
    message: string,
    opts: { httpStatus?: number; nodeError?: NodeErrorBody; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, {
      ...opts.details,
      ...(opts.httpStatus === undefined ? {} : { httpStatus: opts.httpStatus }),
      ...(opts.nodeError === undefined ? {} : { nodeError: opts.nodeError }),
    })
    this.httpStatus = opts.httpStatus
    this.nodeError = opts.nodeError
  }
}

export function isClientError(e: unknown): e is ClientError {
  return e instanceof ClientError
}

export const ProofErrorCode = {
  /** The file is not a record answer with a proof (`{ id, height, record, proof }`). */
  MALFORMED: 'PROOF_MALFORMED',
  /** The genesis given as trust root does not parse. */
  BAD_GENESIS: 'PROOF_BAD_GENESIS',
  /** The checkpoint given as trust root does not parse. */
  BAD_CHECKPOINT: 'PROOF_BAD_CHECKPOINT',
  /** The bundle proves no value for a key the answer depends on (the record or a history entry). */
  NOT_PROVEN: 'PROOF_NOT_PROVEN',
  /** What the node showed (record, status, history, height) differs from what the proof proves. */
  MISMATCH: 'PROOF_MISMATCH',
} as const
export type ProofErrorCode = (typeof ProofErrorCode)[keyof typeof ProofErrorCode]

export class ProofError extends GovchainError<ProofErrorCode> {}
