/**
 * Read paths (`Application.query`). Everything on chain is commitments and statuses, never
 * personal data, so every path is a public read: a regulator reads every record and an auditor
 * pages through the full history of any record with the same calls as anyone else (a gateway
 * that must restrict reads does so in front of the node). Each answer names the state keys that
 * prove it (`proveKeys`); the ledger attaches their proofs and the header + commit certificate.
 *
 * | path        | params                                   | value                                      | proveKeys |
 * |-------------|------------------------------------------|--------------------------------------------|-----------|
 * | record      | id, historyFrom?=0, historyLimit?=100 (≤1000) | { record, effectiveStatus, history, historyFrom, historyTotal, height } or null | rec:id + the returned hist: keys (rec:id alone proves absence) |
 * | proposal    | id (as record; null if the id is not a proposal) | same as record                  | same      |
 * | account     | publicKey (hex)                          | AccountRecord or null                      | acct:key |
 * | member      | id                                       | MemberRecord or null                       | mbr:id |
 * | members     | —                                        | active MemberRecords                       | sys:members + mbr:* |
 * | validators  | —                                        | latest validator set                       | sys:validators |
 * | proposals   | —                                        | open ProposalRecords                       | sys:open-proposals + rec:* |
 * | invoice     | fingerprint (hex)                        | { recordId, record } or null               | invfp:fp (+ rec:id) |
 * | config      | —                                        | AppConfig                                  | sys:config |
 * | tx-types    | —                                        | per type: permissions and payload fields   | — |
 *
 * Unknown params are ignored (gateways may pass their own, e.g. `prove`).
 */
import { fromHex, type Encodable, type QueryResult, type QueryState } from '@govchain/ledger'
import { licenceEffectiveStatus } from './domains/licences.js'
import { AppError, AppErrorCode } from './errors.js'
import { describePayload } from './payloads/index.js'
import { IDENT_PATTERN, RECORD_ID_PATTERN } from './payloads/schema.js'
import { TX_PERMISSIONS } from './permissions.js'
import {
  accountKey,
  CONFIG_KEY,
  historyKey,
  invoiceFingerprintKey,
  MEMBERS_KEY,
  memberKey,
  OPEN_PROPOSALS_KEY,
  recordKey,
  VALIDATORS_KEY,
} from './state-keys.js'
import {
  getAccount,
  getActiveMemberIds,
  getConfig,
  getHistoryEntry,
  getInvoiceIdByFingerprint,
  getMember,
  getOpenProposalIds,
  getRecord,
  getValidators,
} from './store.js'
import { TX_TYPES } from './tx-types.js'
import type { AppRecord, HistoryEntry, RecordType } from './types.js'

export const QueryPath = {
  record: 'record',
  proposal: 'proposal',
  account: 'account',
  member: 'member',
  members: 'members',
  validators: 'validators',
  proposals: 'proposals',
  invoice: 'invoice',
  config: 'config',
  txTypes: 'tx-types',
} as const
export type QueryPath = (typeof QueryPath)[keyof typeof QueryPath]

export const DEFAULT_HISTORY_LIMIT = 100
export const MAX_HISTORY_LIMIT = 1000

type Params = Readonly<Record<string, string>>

function badQuery(message: string): AppError {
  return new AppError(AppErrorCode.BAD_QUERY, message)
}

function param(params: Params, name: string, pattern: RegExp): string {
  const v = params[name]
  if (typeof v !== 'string' || !pattern.test(v))
    throw badQuery(`query parameter ${name} is missing or malformed`)
  return v
}

function intParam(params: Params, name: string, fallback: number, max: number): number {
  const v = params[name]
  if (v === undefined) return fallback
  if (!/^\d{1,10}$/.test(v) || Number(v) > max)
    throw badQuery(`query parameter ${name} must be an integer ≤ ${max}`)
  return Number(v)
}

function hexParam(params: Params, name: string): Uint8Array {
  try {
    return fromHex(params[name] ?? '', 32, name)
  } catch {
    throw badQuery(`query parameter ${name} must be 32 bytes of lowercase hex`)
  }
}

/** The status to show at `height` (an issued licence past its validity shows as expired). */
export function effectiveStatus(record: AppRecord, height: number): string {
  if (record.type === 'licence') return licenceEffectiveStatus(record, height)
  if (record.type === 'certificate' && record.status === 'valid') {
    return record.validUntilHeight !== null && height > record.validUntilHeight ? 'expired' : 'valid'
  }
  return record.status
}

async function recordQuery(params: Params, state: QueryState, onlyType?: RecordType): Promise<QueryResult> {
  const id = param(params, 'id', RECORD_ID_PATTERN)
  const record = await getRecord(state, id)
  if (record === undefined || (onlyType !== undefined && record.type !== onlyType)) {
    return { value: null, proveKeys: [recordKey(id)] }
  }
  const from = intParam(params, 'historyFrom', 0, 0xffff_ffff)
  const limit = intParam(params, 'historyLimit', DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT)
  const to = Math.min(record.historyLength, from + limit)
  const history: HistoryEntry[] = []
  const proveKeys = [recordKey(id)]
  for (let seq = from; seq < to; seq++) {
    const entry = await getHistoryEntry(state, id, seq)
    if (entry === undefined)
      throw new AppError(AppErrorCode.CORRUPT_STATE, `record ${id} misses history entry ${seq}`)
    history.push(entry)
    proveKeys.push(historyKey(id, seq))
  }
  const value = {
    record,
    effectiveStatus: effectiveStatus(record, state.height),
    history,
    historyFrom: from,
    historyTotal: record.historyLength,
    height: state.height,
  }
  return { value: value as unknown as Encodable, proveKeys }
}

export async function runQuery(path: string, params: Params, state: QueryState): Promise<QueryResult> {
  switch (path) {
    case QueryPath.record:
      return recordQuery(params, state)
    case QueryPath.proposal:
      return recordQuery(params, state, 'proposal')
    case QueryPath.account: {
      const key = hexParam(params, 'publicKey')
      return { value: ((await getAccount(state, key)) ?? null) as Encodable, proveKeys: [accountKey(key)] }
    }
    case QueryPath.member: {
      const id = param(params, 'id', IDENT_PATTERN)
      return { value: ((await getMember(state, id)) ?? null) as Encodable, proveKeys: [memberKey(id)] }
    }
    case QueryPath.members: {
      const ids = await getActiveMemberIds(state)
      const members = []
      for (const id of ids) members.push(await getMember(state, id))
      return { value: members as Encodable, proveKeys: [MEMBERS_KEY, ...ids.map(memberKey)] }
    }
    case QueryPath.validators:
      return { value: (await getValidators(state)) as Encodable, proveKeys: [VALIDATORS_KEY] }
    case QueryPath.proposals: {
      const ids = await getOpenProposalIds(state)
      const proposals = []
      for (const id of ids) proposals.push(await getRecord(state, id))
      return { value: proposals as Encodable, proveKeys: [OPEN_PROPOSALS_KEY, ...ids.map(recordKey)] }
    }
    case QueryPath.invoice: {
      const fingerprint = hexParam(params, 'fingerprint')
      const id = await getInvoiceIdByFingerprint(state, fingerprint)
      if (id === undefined) return { value: null, proveKeys: [invoiceFingerprintKey(fingerprint)] }
      const record = (await getRecord(state, id)) ?? null
      return {
        value: { recordId: id, record } as unknown as Encodable,
        proveKeys: [invoiceFingerprintKey(fingerprint), recordKey(id)],
      }
    }
    case QueryPath.config:
      return { value: (await getConfig(state)) as unknown as Encodable, proveKeys: [CONFIG_KEY] }
    case QueryPath.txTypes:
      return {
        value: Object.fromEntries(
          TX_TYPES.map((t) => {
            const p = TX_PERMISSIONS[t]
            return [
              t,
              {
                accountRoles: p.accountRoles === 'self-or-admin' ? ['self-or-admin'] : [...p.accountRoles],
                memberRoles: [...p.memberRoles],
                rule: p.rule,
                payload: describePayload(t),
              },
            ]
          }),
        ),
      }
    default:
      throw new AppError(AppErrorCode.UNKNOWN_QUERY, `unknown query path ${path.slice(0, 64)}`, {
        paths: Object.values(QueryPath),
      })
  }
}
