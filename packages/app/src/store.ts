/**
 * Typed reads and writes of the application's state (keys from state-keys.ts). Values are the
 * canonical CBOR of the objects in types.ts; they are written only by this application, so a
 * value that fails to decode is a corrupted database (`APP_CORRUPT_STATE`), never user input.
 */
import { decode, encode, type Encodable, type StateReader, type StateWriter } from '@govchain/ledger'
import { AppError, AppErrorCode } from './errors.js'
import {
  accountKey,
  CONFIG_KEY,
  historyKey,
  invoiceFingerprintKey,
  MEMBERS_KEY,
  memberKey,
  OPEN_PROPOSALS_KEY,
  PENDING_KEY,
  recordKey,
  VALIDATORS_KEY,
} from './state-keys.js'
import type {
  AccountRecord,
  AppConfig,
  AppRecord,
  HistoryEntry,
  MemberRecord,
  PendingChainUpdate,
  RecordType,
  ValidatorEntry,
} from './types.js'

/** Largest value the application ever stores (a record with its commitments, the validator list). */
const MAX_STORED_BYTES = 1024 * 1024

async function readValue<T>(state: StateReader, key: Uint8Array, what: string): Promise<T | undefined> {
  const bytes = await state.get(key)
  if (bytes === undefined) return undefined
  try {
    return decode(bytes, MAX_STORED_BYTES, what) as T
  } catch (e) {
    throw new AppError(AppErrorCode.CORRUPT_STATE, `stored ${what} does not decode: ${(e as Error).message}`)
  }
}

function writeValue(state: StateWriter, key: Uint8Array, value: unknown): void {
  state.set(key, encode(value as Encodable))
}

// ---- records ----

export function getRecord(state: StateReader, id: string): Promise<AppRecord | undefined> {
  return readValue<AppRecord>(state, recordKey(id), 'record')
}

/** The record of the given type, or `APP_NOT_FOUND` (also when the id holds another type). */
export async function requireRecord<T extends RecordType>(
  state: StateReader,
  id: string,
  type: T,
): Promise<Extract<AppRecord, { type: T }>> {
  const record = await getRecord(state, id)
  if (record === undefined || record.type !== type) {
    throw new AppError(AppErrorCode.NOT_FOUND, `no ${type} with id ${id}`, { recordId: id, recordType: type })
  }
  return record as Extract<AppRecord, { type: T }>
}

export async function assertRecordIdFree(state: StateReader, id: string): Promise<void> {
  if ((await state.get(recordKey(id))) !== undefined) {
    throw new AppError(AppErrorCode.ALREADY_EXISTS, `a record with id ${id} already exists`, { recordId: id })
  }
}

export function putRecord(state: StateWriter, record: AppRecord): void {
  writeValue(state, recordKey(record.id), record)
}

export function getHistoryEntry(
  state: StateReader,
  id: string,
  seq: number,
): Promise<HistoryEntry | undefined> {
  return readValue<HistoryEntry>(state, historyKey(id, seq), 'history entry')
}

export function putHistoryEntry(state: StateWriter, id: string, entry: HistoryEntry): void {
  writeValue(state, historyKey(id, entry.seq), entry)
}

// ---- invoices ----

export async function getInvoiceIdByFingerprint(
  state: StateReader,
  fingerprint: Uint8Array,
): Promise<string | undefined> {
  return readValue<string>(state, invoiceFingerprintKey(fingerprint), 'invoice fingerprint')
}

export function putInvoiceFingerprint(state: StateWriter, fingerprint: Uint8Array, id: string): void {
  writeValue(state, invoiceFingerprintKey(fingerprint), id)
}

// ---- accounts, members, validators ----

export function getAccount(state: StateReader, publicKey: Uint8Array): Promise<AccountRecord | undefined> {
  return readValue<AccountRecord>(state, accountKey(publicKey), 'account')
}

export function putAccount(state: StateWriter, account: AccountRecord): void {
  writeValue(state, accountKey(account.publicKey), account)
}

export function getMember(state: StateReader, id: string): Promise<MemberRecord | undefined> {
  return readValue<MemberRecord>(state, memberKey(id), 'member')
}

export function putMember(state: StateWriter, member: MemberRecord): void {
  writeValue(state, memberKey(member.id), member)
}

export async function getActiveMemberIds(state: StateReader): Promise<readonly string[]> {
  return (await readValue<string[]>(state, MEMBERS_KEY, 'member list')) ?? []
}

export function putActiveMemberIds(state: StateWriter, ids: readonly string[]): void {
  writeValue(state, MEMBERS_KEY, [...ids].sort())
}

export async function getValidators(state: StateReader): Promise<readonly ValidatorEntry[]> {
  return (await readValue<ValidatorEntry[]>(state, VALIDATORS_KEY, 'validator list')) ?? []
}

export function putValidators(state: StateWriter, validators: readonly ValidatorEntry[]): void {
  writeValue(state, VALIDATORS_KEY, validators)
}

// ---- configuration, governance bookkeeping ----

export async function getConfig(state: StateReader): Promise<AppConfig> {
  const config = await readValue<AppConfig>(state, CONFIG_KEY, 'config')
  if (config === undefined) throw new AppError(AppErrorCode.CORRUPT_STATE, 'application state has no config')
  return config
}

export function putConfig(state: StateWriter, config: AppConfig): void {
  writeValue(state, CONFIG_KEY, config)
}

export async function getOpenProposalIds(state: StateReader): Promise<readonly string[]> {
  return (await readValue<string[]>(state, OPEN_PROPOSALS_KEY, 'open proposals')) ?? []
}

export function putOpenProposalIds(state: StateWriter, ids: readonly string[]): void {
  if (ids.length === 0) state.delete(OPEN_PROPOSALS_KEY)
  else writeValue(state, OPEN_PROPOSALS_KEY, ids)
}

export async function getPending(state: StateReader): Promise<PendingChainUpdate> {
  return (
    (await readValue<PendingChainUpdate>(state, PENDING_KEY, 'pending update')) ?? {
      validators: false,
      members: false,
    }
  )
}

export async function markPending(state: StateWriter, change: Partial<PendingChainUpdate>): Promise<void> {
  const now = await getPending(state)
  writeValue(state, PENDING_KEY, {
    validators: now.validators || change.validators === true,
    members: now.members || change.members === true,
  })
}

export function clearPending(state: StateWriter): void {
  state.delete(PENDING_KEY)
}
