/** Organisations' accounts (register, rotate key, revoke, set roles) and agencies' catalogues of kinds. */
import { toHex } from '@govchain/ledger'
import { AppError, AppErrorCode } from '../errors.js'
import { accountRoleFits, type AccountRole } from '../permissions.js'
import { getAccount, getConfig, putAccount, putConfig } from '../store.js'
import type { TxType } from '../tx-types.js'
import type { AccountRecord } from '../types.js'
import { forbidden, requireAcceptableKey, type ExecContext, type Handler } from './context.js'

/** Most kinds one agency may define per domain. */
export const MAX_KINDS_PER_AGENCY = 64

async function requireUnusedKey(ctx: ExecContext, publicKey: Uint8Array): Promise<void> {
  requireAcceptableKey(publicKey, 'account key')
  // Keys are never reused, not even revoked or rotated ones: a key names one account forever.
  if ((await getAccount(ctx.state, publicKey)) !== undefined) {
    throw new AppError(AppErrorCode.ALREADY_EXISTS, `key ${toHex(publicKey)} is already registered`)
  }
}

/** The account itself, or an admin of the account's organisation. */
async function requireSelfOrAdmin(ctx: ExecContext, publicKey: Uint8Array): Promise<AccountRecord> {
  const target = await getAccount(ctx.state, publicKey)
  if (target === undefined) {
    throw new AppError(AppErrorCode.NOT_FOUND, `no account with key ${toHex(publicKey)}`)
  }
  const self = toHex(publicKey) === toHex(ctx.actor.publicKey)
  const admin = ctx.actor.roles.includes('admin') && ctx.actor.member.id === target.member
  if (!self && !admin) throw forbidden(`only the account itself or an admin of ${target.member} may do this`)
  if (target.status !== 'active') {
    throw new AppError(AppErrorCode.INVALID_TRANSITION, `account ${target.name} is ${target.status}`, {
      status: target.status,
    })
  }
  return target
}

function accountEvent(ctx: ExecContext, account: AccountRecord): void {
  ctx.events.push({
    type: ctx.action,
    attributes: {
      publicKey: toHex(account.publicKey),
      member: account.member,
      name: account.name,
      status: account.status,
    },
  })
}

/** Every role fits the sender's organisation (an admin gives roles only within its own). */
function requireRolesFit(ctx: ExecContext, roles: readonly AccountRole[]): void {
  for (const role of roles) {
    if (!accountRoleFits(role, ctx.actor.member.roles)) {
      throw forbidden(
        `role ${role} does not fit an organisation with roles ${ctx.actor.member.roles.join(', ')}`,
      )
    }
  }
}

export const accountRegister: Handler<typeof TxType.accountRegister> = async (ctx, p) => {
  if (p.member !== ctx.actor.member.id)
    throw forbidden(`an admin registers accounts only for its own organisation`)
  requireRolesFit(ctx, p.roles)
  await requireUnusedKey(ctx, p.publicKey)
  const account: AccountRecord = {
    publicKey: p.publicKey,
    member: p.member,
    name: p.name,
    roles: p.roles,
    status: 'active',
    createdHeight: ctx.height,
    updatedHeight: ctx.height,
    rotatedFrom: null,
    rotatedTo: null,
  }
  putAccount(ctx.state, account)
  accountEvent(ctx, account)
  return { publicKey: p.publicKey }
}

export const accountRotateKey: Handler<typeof TxType.accountRotateKey> = async (ctx, p) => {
  const old = await requireSelfOrAdmin(ctx, p.publicKey)
  await requireUnusedKey(ctx, p.newPublicKey)
  const rotated: AccountRecord = {
    ...old,
    status: 'rotated',
    rotatedTo: p.newPublicKey,
    updatedHeight: ctx.height,
  }
  const fresh: AccountRecord = {
    ...old,
    publicKey: p.newPublicKey,
    status: 'active',
    createdHeight: ctx.height,
    updatedHeight: ctx.height,
    rotatedFrom: p.publicKey,
    rotatedTo: null,
  }
  putAccount(ctx.state, rotated)
  putAccount(ctx.state, fresh)
  accountEvent(ctx, rotated)
  accountEvent(ctx, fresh)
  return { publicKey: p.newPublicKey }
}

export const accountRevoke: Handler<typeof TxType.accountRevoke> = async (ctx, p) => {
  const target = await requireSelfOrAdmin(ctx, p.publicKey)
  const revoked: AccountRecord = { ...target, status: 'revoked', updatedHeight: ctx.height }
  putAccount(ctx.state, revoked)
  accountEvent(ctx, revoked)
  return { publicKey: p.publicKey }
}

/** An admin changes the roles of an active account of its own organisation; the key stays. */
export const accountSetRoles: Handler<typeof TxType.accountSetRoles> = async (ctx, p) => {
  // The sender is an admin (TX_PERMISSIONS), so this finds an account of its own organisation.
  const target = await requireSelfOrAdmin(ctx, p.publicKey)
  requireRolesFit(ctx, p.roles)
  const updated: AccountRecord = { ...target, roles: p.roles, updatedHeight: ctx.height }
  putAccount(ctx.state, updated)
  ctx.events.push({
    type: ctx.action,
    attributes: {
      publicKey: toHex(updated.publicKey),
      member: updated.member,
      name: updated.name,
      roles: updated.roles.join(','),
    },
  })
  return { publicKey: p.publicKey, roles: p.roles }
}

export const agencyDefineKind: Handler<typeof TxType.agencyDefineKind> = async (ctx, p) => {
  const config = await getConfig(ctx.state)
  const catalogue = p.domain === 'licence' ? config.licenceKinds : config.certificateKinds
  const kinds = catalogue[ctx.actor.member.id] ?? []
  if (kinds.includes(p.kind)) {
    throw new AppError(AppErrorCode.ALREADY_EXISTS, `${p.domain} kind ${p.kind} is already defined`)
  }
  if (kinds.length >= MAX_KINDS_PER_AGENCY) {
    throw new AppError(AppErrorCode.LIMIT_REACHED, `an agency defines at most ${MAX_KINDS_PER_AGENCY} kinds`)
  }
  const updated = { ...catalogue, [ctx.actor.member.id]: [...kinds, p.kind] }
  putConfig(
    ctx.state,
    p.domain === 'licence' ? { ...config, licenceKinds: updated } : { ...config, certificateKinds: updated },
  )
  ctx.events.push({
    type: ctx.action,
    attributes: { agency: ctx.actor.member.id, domain: p.domain, kind: p.kind },
  })
  return { domain: p.domain, kind: p.kind }
}
