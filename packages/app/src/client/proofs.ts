/**
 * Offline verification of record proofs (what `GET /v1/records/:id?prove=true` and
 * `govchain query record … --prove --out FILE` return), from the genesis alone or from a trusted
 * checkpoint:
 *
 * 1. the ledger light client checks the bundle: the chain of validator-set changes from the
 *    genesis set (or the checkpoint's), the commit certificate of the proven header, each state
 *    proof against the header's state root (`LIGHT_*` codes; malformed bytes are `DECODE_*`);
 * 2. the proven value of `rec:<id>` is decoded into the record, and the proven history entries
 *    into history;
 * 3. what the node SHOWED must be what the proof proves: the record, its effective status at the
 *    proven height, the history page and the height (`PROOF_MISMATCH` otherwise). A node that
 *    shows a revoked certificate as valid is caught here.
 *
 * The verdict: for licences and certificates `valid` (in force), `revoked`, or `inactive`
 * (expired, suspended, not yet issued, rejected); other records are `proven`.
 */
import {
  appStateKey,
  checkpointFromJSON,
  decode,
  equalBytes,
  genesisValidatorSet,
  isGovchainError,
  jsonSafe,
  parseGenesis,
  stateProofBundleFromJSON,
  toHex,
  verifyStateProofBundle,
  type Encodable,
  type Genesis,
  type LightClientCheckpoint,
  type ValidatorSet,
  type VerifiedState,
} from '@govchain/ledger'
import { effectiveStatus } from '../queries.js'
import { historyKey, recordKey } from '../state-keys.js'
import type { AppRecord, HistoryEntry } from '../types.js'
import { ProofError, ProofErrorCode } from './errors.js'

/**
 * What proofs are checked against: the chain id and the genesis validator set, and optionally a
 * checkpoint — a header trusted already (the `checkpoint` of an earlier verified proof, or one
 * given out of band). With one, proofs are followed from it instead of from the genesis, so keys
 * of validator sets replaced before it cannot pass off another history (`LIGHT_*` codes).
 */
export type ProofTrust = {
  readonly chainId: string
  readonly genesisValidators: ValidatorSet
  readonly checkpoint?: LightClientCheckpoint
}

export type RecordVerdict = 'valid' | 'revoked' | 'inactive' | 'proven'

export type VerifiedRecord = {
  readonly id: string
  readonly verdict: RecordVerdict
  readonly record: AppRecord
  /** The status at the proven height (an issued licence past its validity is `expired`). */
  readonly effectiveStatus: string
  readonly history: readonly HistoryEntry[]
  readonly chainId: string
  readonly height: number
  readonly blockHash: string
  readonly timeMs: number
  readonly stateRoot: string
  /** The proven header as a checkpoint for later proofs (`checkpointToJSON` to keep it), or null. */
  readonly checkpoint: LightClientCheckpoint | null
}

const MAX_VALUE_BYTES = 1024 * 1024

/** The trust root from a genesis document (parsed JSON or already parsed). */
export function proofTrustFromGenesis(genesis: unknown): ProofTrust {
  let g: Genesis
  try {
    g = isParsedGenesis(genesis) ? genesis : parseGenesis(genesis)
  } catch (e) {
    throw new ProofError(
      ProofErrorCode.BAD_GENESIS,
      `genesis: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}`,
    )
  }
  return { chainId: g.chainId, genesisValidators: genesisValidatorSet(g) }
}

/** A checkpoint from its JSON form (`checkpointToJSON`); PROOF_BAD_CHECKPOINT if it does not parse. */
export function proofCheckpointFromJSON(json: unknown): LightClientCheckpoint {
  try {
    return checkpointFromJSON(json)
  } catch (e) {
    throw new ProofError(
      ProofErrorCode.BAD_CHECKPOINT,
      `checkpoint: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}`,
    )
  }
}

function isParsedGenesis(g: unknown): g is Genesis {
  return typeof g === 'object' && g !== null && typeof (g as Genesis).genesisTimeMs === 'number'
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function malformed(message: string): ProofError {
  return new ProofError(ProofErrorCode.MALFORMED, message)
}

function mismatch(message: string, details: Record<string, unknown> = {}): ProofError {
  return new ProofError(ProofErrorCode.MISMATCH, message, details)
}

/** Structural equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
    )
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    )
  }
  return false
}

function provenValue(verified: VerifiedState, key: Uint8Array): { found: boolean; value: Uint8Array | null } {
  const entry = verified.entries.find((e) => equalBytes(e.key, key))
  return entry === undefined ? { found: false, value: null } : { found: true, value: entry.value }
}

function decodeProven(bytes: Uint8Array, what: string): unknown {
  try {
    return decode(bytes, MAX_VALUE_BYTES, what)
  } catch (e) {
    throw mismatch(`the proven ${what} does not decode: ${(e as Error).message}`)
  }
}

function verdictOf(record: AppRecord, status: string): RecordVerdict {
  if (record.type !== 'licence' && record.type !== 'certificate') return 'proven'
  if (status === 'revoked') return 'revoked'
  return status === 'valid' || status === 'issued' ? 'valid' : 'inactive'
}

/**
 * Verifies a record answer with its proof (`{ id, height, record, proof }`) offline against the
 * genesis (JSON, or a `ProofTrust`, which may carry a checkpoint). Returns the proven record and
 * verdict; throws a coded error otherwise.
 */
export function verifyRecordProof(answer: unknown, genesis: unknown): VerifiedRecord {
  const trust = isTrust(genesis) ? genesis : proofTrustFromGenesis(genesis)
  if (!isObject(answer) || typeof answer.id !== 'string' || !isObject(answer.record))
    throw malformed('expected a record answer { id, height, record, proof }')
  if (answer.proof === undefined) throw malformed('the answer carries no proof (ask with prove=true)')
  const { id } = answer
  const shown = answer.record
  if (!isObject(shown.record) || !Array.isArray(shown.history))
    throw malformed('record answer: expected { record, effectiveStatus, history, historyFrom, … }')

  const bundle = stateProofBundleFromJSON(answer.proof)
  const verified = verifyStateProofBundle(bundle, trust)
  const { height } = verified

  const rec = provenValue(verified, appStateKey(recordKey(id)))
  if (!rec.found) throw new ProofError(ProofErrorCode.NOT_PROVEN, `the proof does not cover record ${id}`)
  if (rec.value === null)
    throw mismatch(`the proof shows that record ${id} does not exist at height ${height}`)
  const record = decodeProven(rec.value, 'record') as AppRecord
  if (!isObject(record) || record.id !== id) throw mismatch(`the proven record is not ${id}`)

  if (answer.height !== height || shown.height !== height)
    throw mismatch(`the answer claims height ${String(answer.height)}, the proof is for ${height}`)
  if (!jsonEqual(jsonSafe(record as unknown as Encodable), shown.record))
    throw mismatch(`the record shown differs from the proven record ${id}`, {
      shownStatus: shown.record.status,
      provenStatus: record.status,
    })
  const status = effectiveStatus(record, height)
  if (shown.effectiveStatus !== status)
    throw mismatch(`the answer shows status ${String(shown.effectiveStatus)}, the proof proves ${status}`, {
      shownStatus: shown.effectiveStatus,
      provenStatus: status,
    })
  if (shown.historyTotal !== record.historyLength)
    throw mismatch(
      `the answer claims ${String(shown.historyTotal)} history entries, the record has ${record.historyLength}`,
    )

  const from = shown.historyFrom
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0)
    throw malformed('record answer: historyFrom must be a non-negative integer')
  const history: HistoryEntry[] = []
  shown.history.forEach((shownEntry, i) => {
    const seq = from + i
    if (seq >= record.historyLength) throw mismatch(`history entry ${seq} is beyond the record's history`)
    const h = provenValue(verified, appStateKey(historyKey(id, seq)))
    if (!h.found || h.value === null)
      throw new ProofError(
        ProofErrorCode.NOT_PROVEN,
        `the proof does not cover history entry ${seq} of ${id}`,
      )
    const entry = decodeProven(h.value, 'history entry') as HistoryEntry
    if (!jsonEqual(jsonSafe(entry as unknown as Encodable), shownEntry))
      throw mismatch(`history entry ${seq} shown differs from the proven one`)
    history.push(entry)
  })

  return {
    id,
    verdict: verdictOf(record, status),
    record,
    effectiveStatus: status,
    history,
    chainId: trust.chainId,
    height,
    blockHash: toHex(verified.blockHash),
    timeMs: verified.timeMs,
    stateRoot: toHex(verified.stateRoot),
    checkpoint: verified.checkpoint,
  }
}

function isTrust(v: unknown): v is ProofTrust {
  return isObject(v) && typeof v.chainId === 'string' && isObject(v.genesisValidators) && !('validators' in v)
}

export type VerifiedQuery = {
  readonly path: string
  readonly chainId: string
  readonly height: number
  readonly blockHash: string
  /** The proven state, by application key (hex of the key inside the app namespace): decoded value or null. */
  readonly values: ReadonlyMap<string, unknown>
  /** As `VerifiedRecord.checkpoint`. */
  readonly checkpoint: LightClientCheckpoint | null
}

/**
 * Verifies the proof of any query answer (`GET /v1/query/:path?prove=true`) and returns the
 * proven application values by key; comparing them with the answer's `value` is the caller's
 * (it depends on the query). `verifyRecordProof` is the full check for records.
 */
export function verifyQueryProof(answer: unknown, genesis: unknown): VerifiedQuery {
  const trust = isTrust(genesis) ? genesis : proofTrustFromGenesis(genesis)
  if (!isObject(answer) || typeof answer.path !== 'string' || answer.proof === undefined)
    throw malformed('expected a query answer { path, height, value, proof }')
  const verified = verifyStateProofBundle(stateProofBundleFromJSON(answer.proof), trust)
  if (answer.height !== verified.height)
    throw mismatch(`the answer claims height ${String(answer.height)}, the proof is for ${verified.height}`)
  const prefix = appStateKey(new Uint8Array())
  const values = new Map<string, unknown>()
  for (const e of verified.entries) {
    if (e.key.length < prefix.length || !equalBytes(e.key.subarray(0, prefix.length), prefix)) continue
    values.set(toHex(e.key.subarray(prefix.length)), e.value === null ? null : decodeProven(e.value, 'value'))
  }
  return {
    path: answer.path,
    chainId: trust.chainId,
    height: verified.height,
    blockHash: toHex(verified.blockHash),
    values,
    checkpoint: verified.checkpoint,
  }
}
