/**
 * The genesis document: chain id, start time, chain parameters, member organisations (with the
 * libp2p peer ids of their nodes), validators with power, authorised accounts with roles, and
 * the application's initial state. Parsed strictly from JSON; its hash (of the canonical
 * encoding) is the `prevHash` of block 1, binding the chain to its genesis.
 */
import { fromHex, toHex } from './bytes.js'
import { assertAcceptablePublicKey, sha256 } from './crypto/index.js'
import { encode, readIdent, type Encodable } from './encoding.js'
import { GovchainError, isGovchainError } from './errors.js'
import { DEFAULT_CHAIN_PARAMS, MAX_IDENT_LENGTH, type ChainParams } from './params.js'
import { ValidatorSet, type Validator } from './validators.js'

export const GENESIS_DOMAIN = 'govchain/genesis'
export const GENESIS_VERSION = 1

export const GenesisErrorCode = {
  INVALID: 'GENESIS_INVALID',
} as const
export type GenesisErrorCode = (typeof GenesisErrorCode)[keyof typeof GenesisErrorCode]
export class GenesisError extends GovchainError<GenesisErrorCode> {}

export const MEMBER_ROLES = ['agency', 'bank', 'regulator', 'auditor'] as const
export type MemberRole = (typeof MEMBER_ROLES)[number]

export type Member = {
  readonly id: string
  readonly name: string
  readonly roles: readonly MemberRole[]
  /** libp2p peer ids of the member's nodes (the connection gater admits exactly these). */
  readonly peerIds: readonly string[]
}

export type GenesisValidator = Validator & { readonly member: string; readonly name: string }

export type GenesisAccount = {
  readonly publicKey: Uint8Array
  readonly member: string
  readonly roles: readonly string[]
  readonly name: string
}

export type Genesis = {
  readonly chainId: string
  readonly genesisTimeMs: number
  readonly params: ChainParams
  readonly members: readonly Member[]
  readonly validators: readonly GenesisValidator[]
  readonly accounts: readonly GenesisAccount[]
  /** Application-defined; validated by `Application.initGenesis`. */
  readonly appState: Encodable
}

function fail(message: string): never {
  throw new GenesisError(GenesisErrorCode.INVALID, `genesis: ${message}`)
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`${what} must be an object`)
  return v as Record<string, unknown>
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${what} has an unknown field "${k}"`)
}

function arr(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(`${what} must be an array`)
  if (v.length > max) fail(`${what} has more than ${max} entries`)
  return v
}

function ident(v: unknown, what: string): string {
  try {
    return readIdent(v, what, MAX_IDENT_LENGTH)
  } catch {
    return fail(`${what} must be 1–${MAX_IDENT_LENGTH} printable ASCII characters without spaces`)
  }
}

function text(v: unknown, what: string, max = 200): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max)
    fail(`${what} must be a non-empty string of at most ${max} characters`)
  return v
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) fail(`${what} must be a positive integer`)
  return v
}

function publicKey(v: unknown, what: string): Uint8Array {
  let pk: Uint8Array
  try {
    pk = fromHex(v as string, 32, what)
  } catch {
    return fail(`${what} must be 32 bytes of lowercase hex`)
  }
  try {
    assertAcceptablePublicKey(pk, what)
  } catch (e) {
    fail(isGovchainError(e) ? e.message : `${what} is not acceptable`)
  }
  return pk
}

/** JSON → Encodable: only safe integers, strings, booleans, null, arrays and objects. */
export function jsonToEncodable(v: unknown, what: string, depth = 0): Encodable {
  if (depth > 32) fail(`${what} is nested too deeply`)
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(`${what} holds a non-integer number`)
    return v
  }
  if (Array.isArray(v)) return v.map((x) => jsonToEncodable(x, what, depth + 1))
  if (typeof v === 'object') {
    const out: Record<string, Encodable> = {}
    for (const [k, x] of Object.entries(v as object)) out[k] = jsonToEncodable(x, what, depth + 1)
    return out
  }
  return fail(`${what} holds an unsupported value`)
}

function parseParams(v: unknown): ChainParams {
  if (v === undefined) return DEFAULT_CHAIN_PARAMS
  const o = obj(v, 'params')
  onlyKeys(o, Object.keys(DEFAULT_CHAIN_PARAMS), 'params')
  const out: Record<string, number> = { ...DEFAULT_CHAIN_PARAMS }
  for (const [k, x] of Object.entries(o)) out[k] = positiveInt(x, `params.${k}`)
  return Object.freeze(out as ChainParams)
}

/** Parses and validates a genesis document (already JSON-parsed). Throws `GenesisError`. */
export function parseGenesis(json: unknown): Genesis {
  const g = obj(json, 'genesis')
  onlyKeys(
    g,
    ['chainId', 'genesisTime', 'params', 'members', 'validators', 'accounts', 'appState'],
    'genesis',
  )
  const chainId = ident(g.chainId, 'chainId')
  const genesisTimeMs = typeof g.genesisTime === 'string' ? Date.parse(g.genesisTime) : NaN
  if (!Number.isSafeInteger(genesisTimeMs) || genesisTimeMs < 0) fail('genesisTime must be an ISO-8601 date')
  const params = parseParams(g.params)

  const memberIds = new Set<string>()
  const peerIds = new Set<string>()
  const members = arr(g.members, 'members', 1000).map((m, i): Member => {
    const o = obj(m, `members[${i}]`)
    onlyKeys(o, ['id', 'name', 'roles', 'peerIds'], `members[${i}]`)
    const id = ident(o.id, `members[${i}].id`)
    if (memberIds.has(id)) fail(`member ${id} listed twice`)
    memberIds.add(id)
    const roles = arr(o.roles, `members[${i}].roles`, MEMBER_ROLES.length).map((r) => {
      if (!MEMBER_ROLES.includes(r as MemberRole)) fail(`members[${i}] has unknown role ${String(r)}`)
      return r as MemberRole
    })
    if (new Set(roles).size !== roles.length) fail(`members[${i}] repeats a role`)
    const ids = arr(o.peerIds ?? [], `members[${i}].peerIds`, 16).map((p) => {
      const peer = text(p, `members[${i}].peerIds`, 128)
      if (peerIds.has(peer)) fail(`peer id ${peer} listed twice`)
      peerIds.add(peer)
      return peer
    })
    return Object.freeze({
      id,
      name: text(o.name, `members[${i}].name`),
      roles: Object.freeze(roles),
      peerIds: Object.freeze(ids),
    })
  })
  if (members.length === 0) fail('at least one member is required')

  const validators = arr(g.validators, 'validators', 256).map((v, i): GenesisValidator => {
    const o = obj(v, `validators[${i}]`)
    onlyKeys(o, ['publicKey', 'power', 'member', 'name'], `validators[${i}]`)
    const member = ident(o.member, `validators[${i}].member`)
    if (!memberIds.has(member)) fail(`validators[${i}] belongs to unknown member ${member}`)
    return Object.freeze({
      publicKey: publicKey(o.publicKey, `validators[${i}].publicKey`),
      power: positiveInt(o.power, `validators[${i}].power`),
      member,
      name: ident(o.name, `validators[${i}].name`),
    })
  })
  try {
    new ValidatorSet(validators)
  } catch (e) {
    fail(isGovchainError(e) ? e.message : 'invalid validator set')
  }

  const accountKeys = new Set<string>()
  const accounts = arr(g.accounts ?? [], 'accounts', 100_000).map((a, i): GenesisAccount => {
    const o = obj(a, `accounts[${i}]`)
    onlyKeys(o, ['publicKey', 'member', 'roles', 'name'], `accounts[${i}]`)
    const pk = publicKey(o.publicKey, `accounts[${i}].publicKey`)
    if (accountKeys.has(toHex(pk))) fail(`account ${toHex(pk)} listed twice`)
    accountKeys.add(toHex(pk))
    const member = ident(o.member, `accounts[${i}].member`)
    if (!memberIds.has(member)) fail(`accounts[${i}] belongs to unknown member ${member}`)
    const roles = arr(o.roles, `accounts[${i}].roles`, 32).map((r, j) =>
      ident(r, `accounts[${i}].roles[${j}]`),
    )
    return Object.freeze({
      publicKey: pk,
      member,
      roles: Object.freeze(roles),
      name: ident(o.name, `accounts[${i}].name`),
    })
  })

  const appState = jsonToEncodable(g.appState ?? {}, 'appState')
  return Object.freeze({
    chainId,
    genesisTimeMs,
    params,
    members: Object.freeze(members),
    validators: Object.freeze(validators),
    accounts: Object.freeze(accounts),
    appState,
  })
}

export function genesisValidatorSet(genesis: Genesis): ValidatorSet {
  return new ValidatorSet(genesis.validators)
}

export function memberEncodable(m: Member): Encodable {
  return [m.id, m.name, [...m.roles], [...m.peerIds]]
}

/** Canonical encoding of the parsed genesis (field order fixed here). */
export function genesisEncodable(g: Genesis): Encodable {
  return [
    GENESIS_DOMAIN,
    GENESIS_VERSION,
    g.chainId,
    g.genesisTimeMs,
    Object.entries(g.params).map(([k, v]) => [k, v]),
    g.members.map(memberEncodable),
    g.validators.map((v) => [v.publicKey, v.power, v.member, v.name]),
    g.accounts.map((a) => [a.publicKey, a.member, [...a.roles], a.name]),
    g.appState,
  ]
}

export function genesisHash(g: Genesis): Uint8Array {
  return sha256(encode(genesisEncodable(g)))
}

/** The JSON form written by tools (devnet, tests): inverse of `parseGenesis`. */
export function genesisToJSON(g: Genesis): Record<string, unknown> {
  return {
    chainId: g.chainId,
    genesisTime: new Date(g.genesisTimeMs).toISOString(),
    params: { ...g.params },
    members: g.members.map((m) => ({ id: m.id, name: m.name, roles: [...m.roles], peerIds: [...m.peerIds] })),
    validators: g.validators.map((v) => ({
      publicKey: toHex(v.publicKey),
      power: v.power,
      member: v.member,
      name: v.name,
    })),
    accounts: g.accounts.map((a) => ({
      publicKey: toHex(a.publicKey),
      member: a.member,
      roles: [...a.roles],
      name: a.name,
    })),
    appState: g.appState,
  }
}
