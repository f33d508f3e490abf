/**
 * What every state transition works with: the execution context, the authorised actor, and the
 * helpers that move a record while keeping its history (one `hist:` entry per change) and
 * emitting the receipt event.
 */
import {
  assertAcceptablePublicKey,
  isGovchainError,
  toHex,
  type Encodable,
  type StateReader,
  type StateWriter,
} from '@govchain/ledger'
import { AppError, AppErrorCode } from '../errors.js'
import { accountRoleFits, TX_PERMISSIONS, type AccountRole } from '../permissions.js'
import { getAccount, getMember, mapRead, putHistoryEntry, putRecord, type Read } from '../store.js'
import type { TxPayloads } from '../payloads/index.js'
import type { TxType } from '../tx-types.js'
import type { AccountRecord, AppRecord, HistoryEntry, MemberRecord } from '../types.js'

export type AppEvent = { readonly type: string; readonly attributes: Readonly<Record<string, string>> }

/** Who acts: an active account of an active member organisation, with its effective roles. */
export type Actor = {
  readonly publicKey: Uint8Array
  readonly account: AccountRecord
  readonly member: MemberRecord
  /** The account's roles that fit its organisation's current member roles. */
  readonly roles: readonly AccountRole[]
}

/** A change of state at a height: by a transaction (actor set) or by the chain itself (endBlock). */
export type ChangeContext = {
  readonly state: StateWriter
  readonly height: number
  readonly timeMs: number
  /** The transaction type, or the name of an end-of-block action. */
  readonly action: string
  readonly actor: Actor | null
  readonly txHash: Uint8Array | null
  readonly events: AppEvent[]
}

export type ExecContext = ChangeContext & { readonly actor: Actor; readonly type: TxType }

const MAX_HISTORY = 0xffff_ffff

/**
 * Layer 1 of the permissions (permissions.ts): the sender is an active account of an active
 * member whose roles allow this transaction type. Completes without waiting when the state has
 * the account and member at hand (see store.ts `Read`).
 */
export function authorize(state: StateReader, sender: Uint8Array, type: TxType): Read<Actor> {
  return mapRead(getAccount(state, sender), (a) => authorizeAccount(state, sender, type, a))
}

function authorizeAccount(
  state: StateReader,
  sender: Uint8Array,
  type: TxType,
  account: AccountRecord | undefined,
): Read<Actor> {
  if (account === undefined) {
    throw new AppError(AppErrorCode.UNKNOWN_ACCOUNT, `sender ${toHex(sender)} is not a registered account`)
  }
  if (account.status !== 'active') {
    throw new AppError(AppErrorCode.ACCOUNT_INACTIVE, `account ${account.name} is ${account.status}`)
  }
  return mapRead(getMember(state, account.member), (m) => actorOf(sender, type, account, m))
}

function actorOf(
  sender: Uint8Array,
  type: TxType,
  account: AccountRecord,
  member: MemberRecord | undefined,
): Actor {
  if (member === undefined || member.status !== 'active') {
    throw new AppError(
      AppErrorCode.ACCOUNT_INACTIVE,
      `organisation ${account.member} is not an active member`,
    )
  }
  const permission = TX_PERMISSIONS[type]
  if (!someIn(permission.memberRoles, member.roles)) {
    throw new AppError(
      AppErrorCode.FORBIDDEN,
      `${type} needs an organisation with role ${permission.memberRoles.join(' or ')}`,
      { type, member: member.id },
    )
  }
  const roles = effectiveRoles(account, member)
  if (permission.accountRoles !== 'self-or-admin' && !someIn(permission.accountRoles, roles)) {
    throw new AppError(
      AppErrorCode.FORBIDDEN,
      `${type} needs an account with role ${permission.accountRoles.join(' or ')}`,
      { type, account: account.name },
    )
  }
  return { publicKey: sender, account, member, roles }
}

function someIn<T>(wanted: readonly T[], held: readonly T[]): boolean {
  for (const r of wanted) if (held.includes(r)) return true
  return false
}

/**
 * The account's roles that fit its member's, by the identity of both records: decoded state
 * values are shared and never mutated (store.ts), so a block's transactions by one sender
 * compute them once.
 */
const rolesOf = new WeakMap<AccountRecord, { member: MemberRecord; roles: readonly AccountRole[] }>()

function effectiveRoles(account: AccountRecord, member: MemberRecord): readonly AccountRole[] {
  const known = rolesOf.get(account)
  if (known !== undefined && known.member === member) return known.roles
  const roles = account.roles.filter((r) => accountRoleFits(r, member.roles))
  rolesOf.set(account, { member, roles })
  return roles
}

export function forbidden(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError(AppErrorCode.FORBIDDEN, message, details)
}

/** Layer 2: only the owning organisation moves a record. */
export function requireOwner(ctx: ExecContext, record: AppRecord): void {
  if (record.owner !== ctx.actor.member.id) {
    throw forbidden(`${record.type} ${record.id} belongs to ${record.owner}, not ${ctx.actor.member.id}`, {
      recordId: record.id,
      owner: record.owner,
    })
  }
}

export function requireStatus<R extends AppRecord>(
  ctx: ChangeContext,
  record: R,
  allowed: readonly R['status'][],
): void {
  if (!allowed.includes(record.status)) {
    throw new AppError(
      AppErrorCode.INVALID_TRANSITION,
      `${ctx.action} needs ${record.type} ${record.id} to be ${allowed.join(' or ')}, it is ${record.status}`,
      { recordId: record.id, status: record.status, action: ctx.action },
    )
  }
}

/** Refuses small-order / non-canonical keys with `APP_WEAK_KEY`. */
export function requireAcceptableKey(publicKey: Uint8Array, what: string): void {
  try {
    assertAcceptablePublicKey(publicKey, what)
  } catch (e) {
    throw new AppError(AppErrorCode.WEAK_KEY, isGovchainError(e) ? e.message : `${what} is not acceptable`)
  }
}

type Details = HistoryEntry['details']
type WithoutBookkeeping<R> = Omit<R, 'historyLength' | 'createdHeight' | 'updatedHeight'>

/** Writes history entry `seq` of `record` (its state after the change). */
function addHistory(
  ctx: ChangeContext,
  record: AppRecord,
  seq: number,
  from: string | null,
  details: Details,
): void {
  if (seq >= MAX_HISTORY) {
    throw new AppError(AppErrorCode.LIMIT_REACHED, `record ${record.id} has the maximum history length`)
  }
  const actor = ctx.actor
  putHistoryEntry(ctx.state, record.id, {
    seq,
    height: ctx.height,
    timeMs: ctx.timeMs,
    action: ctx.action,
    actor: actor?.publicKey ?? null,
    org: actor?.member.id ?? null,
    txHash: ctx.txHash,
    from,
    to: record.status,
    details,
  })
}

function emit(ctx: ChangeContext, record: AppRecord, details: Details): void {
  const attributes: Record<string, string> = {
    recordId: record.id,
    recordType: record.type,
    owner: record.owner,
    status: record.status,
  }
  for (const k of Object.keys(details)) {
    const v = details[k]
    if (typeof v === 'string' || typeof v === 'number') attributes[k] = String(v)
    else if (v instanceof Uint8Array) attributes[k] = toHex(v)
  }
  ctx.events.push({ type: ctx.action, attributes })
}

/** Writes a new record with history entry 0 (from null to its status). */
export function createRecord<R extends AppRecord>(
  ctx: ChangeContext,
  fields: WithoutBookkeeping<R>,
  details: Details = {},
): R {
  // Built once, with its first history entry (0) counted.
  const stored = { ...fields, createdHeight: ctx.height, updatedHeight: ctx.height, historyLength: 1 } as R
  addHistory(ctx, stored, 0, null, details)
  putRecord(ctx.state, stored)
  emit(ctx, stored, details)
  return stored
}

/** Applies `changes` to a record and appends one history entry (from its old status to the new). */
export function updateRecord<R extends AppRecord>(
  ctx: ChangeContext,
  record: R,
  changes: Partial<WithoutBookkeeping<R>>,
  details: Details = {},
): R {
  const stored = {
    ...record,
    ...changes,
    updatedHeight: ctx.height,
    historyLength: record.historyLength + 1,
  } as R
  addHistory(ctx, stored, record.historyLength, record.status, details)
  putRecord(ctx.state, stored)
  emit(ctx, stored, details)
  return stored
}

/** Sums that must stay safe integers (amounts are capped, so this only trips on a bug). */
export function addAmounts(a: number, b: number): number {
  const sum = a + b
  if (!Number.isSafeInteger(sum)) throw new AppError(AppErrorCode.LIMIT_REACHED, 'amount overflow')
  return sum
}

/** A state transition: checks the record-level rules, writes, returns the receipt's `data`. */
export type Handler<T extends TxType> = (ctx: ExecContext, payload: TxPayloads[T]) => Promise<Encodable>
