/**
 * The record verdict the explorer shows, computed in the browser (pure; unit-tested in Node with
 * the same code): the node's answer to `GET /v1/records/:id?prove=true` is checked against the
 * trust root — the chain id and genesis validator set — with the ledger's light client (noble in
 * the page), and what the node SHOWS is compared with what is PROVEN.
 *
 *   valid    the proof verifies, the record shown is the proven one, its status is not revoked
 *   revoked  the proof verifies and the proven record's `status` is `revoked`
 *   invalid  anything else: no proof, a proof that does not decode or verify (a flipped byte in a
 *            sibling, header or certificate), a proof for another height or record, or a record
 *            or history entry shown that the proof does not contain
 *
 * Generic over applications: it relies only on the answer's shape — `record.record` (or
 * `record`) is the record, `record.history` its history entries, a `status` field its status,
 * an `id` field its id — and on the proven state key ending with the record id.
 */
import {
  decode,
  genesisHash,
  genesisValidatorSet,
  isGovchainError,
  jsonSafe,
  parseGenesis,
  stateProofBundleFromJSON,
  toHex,
  utf8,
  verifyStateProofBundle,
  type Encodable,
  type StateProofBundle,
  type ValidatorSet,
} from '@govchain/ledger/browser'
import { canonicalJson, isObject } from './format.js'

export type TrustRoot = {
  readonly chainId: string
  readonly genesisHash: string
  readonly validators: ValidatorSet
}

/** The light client's trust root from a genesis document (validated as the node validates it). */
export function trustRootFromGenesis(json: unknown): TrustRoot {
  const genesis = parseGenesis(json)
  return {
    chainId: genesis.chainId,
    genesisHash: toHex(genesisHash(genesis)),
    validators: genesisValidatorSet(genesis),
  }
}

/** Statuses that make a proven record "revoked". */
export const REVOKED_STATUSES: ReadonlySet<string> = new Set(['revoked'])

export const VerdictCode = {
  MALFORMED_ANSWER: 'VERDICT_MALFORMED_ANSWER',
  NO_PROOF: 'VERDICT_NO_PROOF',
  MALFORMED_PROOF: 'VERDICT_MALFORMED_PROOF',
  WRONG_RECORD: 'VERDICT_WRONG_RECORD',
  HEIGHT_MISMATCH: 'VERDICT_HEIGHT_MISMATCH',
  RECORD_NOT_PROVEN: 'VERDICT_RECORD_NOT_PROVEN',
  HISTORY_NOT_PROVEN: 'VERDICT_HISTORY_NOT_PROVEN',
} as const
export type VerdictCode = (typeof VerdictCode)[keyof typeof VerdictCode]

export type VerdictKind = 'valid' | 'revoked' | 'invalid'

export type RecordVerdict = {
  readonly kind: VerdictKind
  /** One sentence for people. */
  readonly summary: string
  /** Why it is invalid: a `VerdictCode` or the light client's code (e.g. `LIGHT_BAD_CERTIFICATE`). */
  readonly code: string | null
  /** The proven record's `status`, when it has one. */
  readonly status: string | null
  readonly height: number | null
  readonly blockHash: string | null
  /** What was checked, in order; the last one failed when the verdict is invalid. */
  readonly checks: readonly { readonly ok: boolean; readonly text: string }[]
}

const MAX_VALUE_BYTES = 1 << 20

function endsWith(bytes: Uint8Array, suffix: Uint8Array): boolean {
  if (suffix.length === 0 || suffix.length > bytes.length) return false
  const off = bytes.length - suffix.length
  return suffix.every((b, i) => bytes[off + i] === b)
}

export function verifyRecordAnswer(answer: unknown, trust: TrustRoot, expectedId?: string): RecordVerdict {
  const checks: { ok: boolean; text: string }[] = []
  const invalid = (code: string, text: string, at?: { height: number; blockHash: string }) => {
    checks.push({ ok: false, text })
    return {
      kind: 'invalid' as const,
      summary: `Invalid: ${text}`,
      code,
      status: null,
      height: at?.height ?? null,
      blockHash: at?.blockHash ?? null,
      checks,
    }
  }
  if (!isObject(answer) || typeof answer.id !== 'string' || typeof answer.height !== 'number')
    return invalid(VerdictCode.MALFORMED_ANSWER, 'the answer is not { id, height, record, proof }')
  const id = answer.id
  if (expectedId !== undefined && id !== expectedId)
    return invalid(VerdictCode.WRONG_RECORD, `the node answered for record ${id}, not ${expectedId}`)
  if (answer.proof === undefined || answer.proof === null)
    return invalid(VerdictCode.NO_PROOF, 'the node sent no proof')

  let bundle: StateProofBundle
  try {
    bundle = stateProofBundleFromJSON(answer.proof)
  } catch (e) {
    return invalid(VerdictCode.MALFORMED_PROOF, `the proof does not decode (${messageOf(e)})`)
  }
  checks.push({ ok: true, text: 'the proof decodes (canonical header, certificate and state proofs)' })

  let verified: ReturnType<typeof verifyStateProofBundle>
  try {
    verified = verifyStateProofBundle(bundle, { chainId: trust.chainId, genesisValidators: trust.validators })
  } catch (e) {
    return invalid(
      isGovchainError(e) ? e.code : VerdictCode.MALFORMED_PROOF,
      `the proof fails: ${messageOf(e)}`,
    )
  }
  const at = { height: verified.height, blockHash: toHex(verified.blockHash) }
  const cert = bundle.certificate
  checks.push({
    ok: true,
    text:
      `block ${at.height} is certified by ${cert.signatures.length} validator signatures` +
      (bundle.validatorChanges.length > 0
        ? `, following ${bundle.validatorChanges.length} certified validator-set change(s) from genesis`
        : ' of the genesis validator set'),
  })
  checks.push({ ok: true, text: `every state proof leads to the block's state root` })

  if (verified.height !== answer.height)
    return invalid(
      VerdictCode.HEIGHT_MISMATCH,
      `the node says height ${answer.height} but the proof is for height ${verified.height}`,
      at,
    )

  let proven: { key: Uint8Array; value: unknown; canonical: string }[]
  try {
    proven = verified.entries.map((e) => {
      const value =
        e.value === null ? null : jsonSafe(decode(e.value, MAX_VALUE_BYTES, 'proven value') as Encodable)
      return { key: e.key, value, canonical: canonicalJson(value) }
    })
  } catch (e) {
    return invalid(VerdictCode.MALFORMED_PROOF, `a proven value does not decode (${messageOf(e)})`, at)
  }

  const shownAnswer = isObject(answer.record) ? answer.record : undefined
  const shown = shownAnswer !== undefined && isObject(shownAnswer.record) ? shownAnswer.record : answer.record
  const shownCanonical = canonicalJson(shown)
  const match = proven.find((p) => p.value !== null && p.canonical === shownCanonical)
  if (match === undefined)
    return invalid(
      VerdictCode.RECORD_NOT_PROVEN,
      'the record this node shows differs from the record the proof contains',
      at,
    )
  const provenRecord = match.value
  const idField = isObject(provenRecord) ? provenRecord.id : undefined
  if (!endsWith(match.key, utf8.encode(id)) || (idField !== undefined && idField !== id))
    return invalid(VerdictCode.WRONG_RECORD, `the proven record is not record ${id}`, at)
  checks.push({ ok: true, text: `the record shown is exactly the proven value of record ${id}` })

  // History beside the record (`record.history`) must be proven entry by entry; history inside
  // the record itself was proven with it.
  const history =
    shown !== shownAnswer && shownAnswer !== undefined && Array.isArray(shownAnswer.history)
      ? shownAnswer.history
      : []
  const provenSet = new Set(proven.filter((p) => p !== match).map((p) => p.canonical))
  const unproven = history.findIndex((entry) => !provenSet.has(canonicalJson(entry)))
  if (unproven >= 0)
    return invalid(
      VerdictCode.HISTORY_NOT_PROVEN,
      `history entry ${unproven + 1} shown by the node is not in the proof`,
      at,
    )
  if (history.length > 0)
    checks.push({ ok: true, text: `all ${history.length} history entries shown are proven` })

  const status =
    isObject(provenRecord) && typeof provenRecord.status === 'string' ? provenRecord.status : null
  if (status !== null && REVOKED_STATUSES.has(status)) {
    return {
      kind: 'revoked',
      summary: `Revoked: the proof verifies and record ${id} is revoked (proven at height ${at.height}).`,
      code: null,
      status,
      ...at,
      checks,
    }
  }
  return {
    kind: 'valid',
    summary:
      `Valid: the proof verifies for record ${id} at height ${at.height}` +
      (status === null ? '.' : `; its proven status is "${status}".`),
    code: null,
    status,
    ...at,
    checks,
  }
}

function messageOf(e: unknown): string {
  if (isGovchainError(e)) return `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}
