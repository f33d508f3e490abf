/**
 * Typed reads and writes of the application's state (keys from state-keys.ts). Values are the
 * canonical CBOR of the objects in types.ts; they are written only by this application, so a
 * value that fails to decode is a corrupted database (`APP_CORRUPT_STATE`), never user input.
 */
import {
  decode,
  encode,
  isPending,
  readNow,
  type Encodable,
  type StateReader,
  type StateWriter,
} from '@govchain/ledger'
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

/**
 * Decoded values by the identity of their bytes. A block's execution reads the same stored
 * value again and again (the sender's account, its member, the config): the state overlay hands
 * back the same array each time, so it is decoded once. Decoded values are never mutated (all
 * updates build new objects), which is what makes sharing them safe.
 */
const decoded = new WeakMap<Uint8Array, unknown>()

/**
 * A read that completes without waiting when the state has the value at hand (`getNow`): hot
 * reads skip a promise and a microtask each. `await` it, or test for a Promise on hot paths.
 */
export type Read<T> = T | Promise<T>

/** `f` of the read's value: at once when the value is at hand, else once it arrives. */
export function mapRead<A, B>(read: Read<A>, f: (a: A) => Read<B>): Read<B> {
  return read instanceof Promise ? read.then(f) : f(read)
}

function readValue<T>(state: StateReader, key: Uint8Array, what: string): Read<T | undefined> {
  const read = readNow(state, key)
  // Promise.resolve: a native promise as it is, anything else then-able made one (so that
  // `instanceof Promise` tells the pending reads of this module apart).
  return isPending(read)
    ? Promise.resolve(read).then((bytes) => decodeValue<T>(bytes, what))
    : decodeValue<T>(read, what)
}

function decodeValue<T>(bytes: Uint8Array | undefined, what: string): T | undefined {
  if (bytes === undefined) return undefined
  const known = decoded.get(bytes)
  if (known !== undefined) return known as T
  let value: unknown
  try {
    // Byte fields are views into the stored bytes, which are never written to.
    value = decode(bytes, MAX_STORED_BYTES, what, { byteViews: true })
  } catch (e) {
    throw new AppError(AppErrorCode.CORRUPT_STATE, `stored ${what} does not decode: ${(e as Error).message}`)
  }
  decoded.set(bytes, value)
  return value as T
}

function writeValue(state: StateWriter, key: Uint8Array, value: unknown): void {
  state.set(key, encode(value as Encodable))
}

// ---- records ----

export function getRecord(state: StateReader, id: string): Read<AppRecord | undefined> {
  return readValue<AppRecord>(state, recordKey(id), 'record')
}

/** The record of the given type, or `APP_NOT_FOUND` (also when the id holds another type). */
export function requireRecord<T extends RecordType>(
  state: StateReader,
  id: string,
  type: T,
): Read<Extract<AppRecord, { type: T }>> {
  return mapRead(getRecord(state, id), (r) => recordOfType(r, id, type))
}

function recordOfType<T extends RecordType>(
  record: AppRecord | undefined,
  id: string,
  type: T,
): Extract<AppRecord, { type: T }> {
  if (record === undefined || record.type !== type) {
    throw new AppError(AppErrorCode.NOT_FOUND, `no ${type} with id ${id}`, { recordId: id, recordType: type })
  }
  return record as Extract<AppRecord, { type: T }>
}

export function assertRecordIdFree(state: StateReader, id: string): Read<void> {
  const read = readNow(state, recordKey(id))
  return isPending(read) ? Promise.resolve(read).then((bytes) => assertFree(bytes, id)) : assertFree(read, id)
}

function assertFree(bytes: Uint8Array | undefined, id: string): void {
  if (bytes !== undefined) {
    throw new AppError(AppErrorCode.ALREADY_EXISTS, `a record with id ${id} already exists`, { recordId: id })
  }
}

export function putRecord(state: StateWriter, record: AppRecord): void {
  writeValue(state, recordKey(record.id), record)
}

export function getHistoryEntry(state: StateReader, id: string, seq: number): Read<HistoryEntry | undefined> {
  return readValue<HistoryEntry>(state, historyKey(id, seq), 'history entry')
}

export function putHistoryEntry(state: StateWriter, id: string, entry: HistoryEntry): void {
  writeValue(state, historyKey(id, entry.seq), entry)
}

// ---- invoices ----

export function getInvoiceIdByFingerprint(
  state: StateReader,
  fingerprint: Uint8Array,
): Read<string | undefined> {
  return readValue<string>(state, invoiceFingerprintKey(fingerprint), 'invoice fingerprint')
}

export function putInvoiceFingerprint(state: StateWriter, fingerprint: Uint8Array, id: string): void {
  writeValue(state, invoiceFingerprintKey(fingerprint), id)
}

// ---- accounts, members, validators ----

export function getAccount(state: StateReader, publicKey: Uint8Array): Read<AccountRecord | undefined> {
  return readValue<AccountRecord>(state, accountKey(publicKey), 'account')
}

export function putAccount(state: StateWriter, account: AccountRecord): void {
  writeValue(state, accountKey(account.publicKey), account)
}

export function getMember(state: StateReader, id: string): Read<MemberRecord | undefined> {
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

export function getConfig(state: StateReader): Read<AppConfig> {
  return mapRead(readValue<AppConfig>(state, CONFIG_KEY, 'config'), requireConfig)
}

function requireConfig(config: AppConfig | undefined): AppConfig {
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
