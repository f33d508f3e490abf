/**
 * Genesis for the application: validates `genesis.appState` strictly and writes the initial
 * members, validators, accounts, catalogues and subsidy programmes into the app's state.
 *
 * appState (every key optional):
 *   {
 *     "licenceKinds":      { "<agency member id>": ["<kind>", …] },
 *     "certificateKinds":  { "<agency member id>": ["<kind>", …] },
 *     "subsidyProgrammes": [{ "id": "<record id>", "agency": "<agency id>", "budget": <minor units>, "currency": "EUR" }],
 *     "maxVotingPeriod":   <blocks, default 10000>
 *   }
 * Genesis accounts' roles must be account roles (permissions.ts) that fit their organisation.
 */
import type { Genesis, MemberRole, StateWriter } from '@govchain/ledger'
import { compareBytes } from '@govchain/ledger'
import { createRecord, type ChangeContext } from './domains/context.js'
import { MAX_KINDS_PER_AGENCY } from './domains/accounts.js'
import { AppError, AppErrorCode } from './errors.js'
import { CURRENCY_PATTERN, KIND_PATTERN, MAX_AMOUNT, RECORD_ID_PATTERN } from './payloads/schema.js'
import { accountRoleFits, isAccountRole } from './permissions.js'
import { putAccount, putActiveMemberIds, putConfig, putMember, putValidators } from './store.js'
import type { AppConfig, ProgrammeRecord } from './types.js'

export const DEFAULT_MAX_VOTING_PERIOD = 10_000
export const MAX_GENESIS_PROGRAMMES = 1000

export type GenesisProgramme = {
  readonly id: string
  readonly agency: string
  readonly budget: number
  readonly currency: string
}

export type AppGenesisState = {
  readonly licenceKinds: Readonly<Record<string, readonly string[]>>
  readonly certificateKinds: Readonly<Record<string, readonly string[]>>
  readonly subsidyProgrammes: readonly GenesisProgramme[]
  readonly maxVotingPeriod: number
}

function fail(message: string): never {
  throw new AppError(AppErrorCode.BAD_GENESIS, `genesis appState: ${message}`)
}

function obj(v: unknown, what: string, allowed: readonly string[] | null): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    fail(`${what} must be an object`)
  if (allowed !== null) {
    for (const k of Object.keys(v)) if (!allowed.includes(k)) fail(`${what} has an unknown field "${k}"`)
  }
  return v as Record<string, unknown>
}

function str(v: unknown, what: string, pattern: RegExp): string {
  if (typeof v !== 'string' || !pattern.test(v)) fail(`${what} must match ${String(pattern)}`)
  return v
}

/** Parses appState against the genesis members (agencies must exist and hold the agency role). */
export function parseAppGenesisState(genesis: Genesis): AppGenesisState {
  const rolesOf = new Map<string, readonly MemberRole[]>(genesis.members.map((m) => [m.id, m.roles]))
  const requireAgency = (id: string, what: string): void => {
    if (!rolesOf.get(id)?.includes('agency')) fail(`${what}: ${id} is not an agency member`)
  }
  const o = obj(genesis.appState, 'appState', [
    'licenceKinds',
    'certificateKinds',
    'subsidyProgrammes',
    'maxVotingPeriod',
  ])

  const catalogue = (v: unknown, what: string): Record<string, string[]> => {
    const out: Record<string, string[]> = {}
    for (const [agency, kinds] of Object.entries(obj(v ?? {}, what, null))) {
      requireAgency(agency, what)
      if (!Array.isArray(kinds) || kinds.length > MAX_KINDS_PER_AGENCY) {
        fail(`${what}.${agency} must be a list of at most ${MAX_KINDS_PER_AGENCY} kinds`)
      }
      const list = kinds.map((k, i) => str(k, `${what}.${agency}[${i}]`, KIND_PATTERN))
      if (new Set(list).size !== list.length) fail(`${what}.${agency} repeats a kind`)
      out[agency] = list
    }
    return out
  }

  const programmesIn = o.subsidyProgrammes ?? []
  if (!Array.isArray(programmesIn) || programmesIn.length > MAX_GENESIS_PROGRAMMES) {
    fail(`subsidyProgrammes must be a list of at most ${MAX_GENESIS_PROGRAMMES}`)
  }
  const ids = new Set<string>()
  const subsidyProgrammes = programmesIn.map((p, i): GenesisProgramme => {
    const what = `subsidyProgrammes[${i}]`
    const q = obj(p, what, ['id', 'agency', 'budget', 'currency'])
    const id = str(q.id, `${what}.id`, RECORD_ID_PATTERN)
    if (ids.has(id)) fail(`programme ${id} listed twice`)
    ids.add(id)
    const agency = str(q.agency, `${what}.agency`, /^[\x21-\x7e]{1,64}$/)
    requireAgency(agency, what)
    const budget = q.budget
    if (typeof budget !== 'number' || !Number.isSafeInteger(budget) || budget < 1 || budget > MAX_AMOUNT) {
      fail(`${what}.budget must be an integer in [1, ${MAX_AMOUNT}]`)
    }
    return { id, agency, budget, currency: str(q.currency, `${what}.currency`, CURRENCY_PATTERN) }
  })

  const period = o.maxVotingPeriod ?? DEFAULT_MAX_VOTING_PERIOD
  if (typeof period !== 'number' || !Number.isSafeInteger(period) || period < 1 || period > 10_000_000) {
    fail('maxVotingPeriod must be an integer in [1, 10000000]')
  }
  return {
    licenceKinds: catalogue(o.licenceKinds, 'licenceKinds'),
    certificateKinds: catalogue(o.certificateKinds, 'certificateKinds'),
    subsidyProgrammes,
    maxVotingPeriod: period,
  }
}

export async function initAppGenesis(genesis: Genesis, state: StateWriter): Promise<void> {
  const app = parseAppGenesisState(genesis)
  const rolesOf = new Map(genesis.members.map((m) => [m.id, m.roles]))

  for (const m of genesis.members) {
    putMember(state, {
      id: m.id,
      name: m.name,
      roles: m.roles,
      peerIds: m.peerIds,
      status: 'active',
      updatedHeight: 0,
    })
  }
  putActiveMemberIds(
    state,
    genesis.members.map((m) => m.id),
  )
  putValidators(
    state,
    [...genesis.validators]
      .sort((a, b) => compareBytes(a.publicKey, b.publicKey))
      .map((v) => ({ publicKey: v.publicKey, power: v.power, member: v.member, name: v.name })),
  )

  genesis.accounts.forEach((a, i) => {
    const memberRoles = rolesOf.get(a.member) ?? []
    for (const role of a.roles) {
      if (!isAccountRole(role)) fail(`accounts[${i}] (${a.name}) has unknown account role ${role}`)
      if (!accountRoleFits(role, memberRoles)) {
        fail(
          `accounts[${i}] (${a.name}): role ${role} does not fit member ${a.member} (${memberRoles.join(', ')})`,
        )
      }
    }
    if (new Set(a.roles).size !== a.roles.length) fail(`accounts[${i}] (${a.name}) repeats a role`)
    putAccount(state, {
      publicKey: a.publicKey,
      member: a.member,
      name: a.name,
      roles: a.roles.filter(isAccountRole),
      status: 'active',
      createdHeight: 0,
      updatedHeight: 0,
      rotatedFrom: null,
      rotatedTo: null,
    })
  })

  const config: AppConfig = {
    licenceKinds: app.licenceKinds,
    certificateKinds: app.certificateKinds,
    maxVotingPeriod: app.maxVotingPeriod,
  }
  putConfig(state, config)

  const ctx: ChangeContext = {
    state,
    height: 0,
    timeMs: genesis.genesisTimeMs,
    action: 'genesis',
    actor: null,
    txHash: null,
    events: [],
  }
  for (const p of app.subsidyProgrammes) {
    createRecord<ProgrammeRecord>(
      ctx,
      {
        type: 'subsidy-programme',
        id: p.id,
        owner: p.agency,
        status: 'open',
        currency: p.currency,
        budget: p.budget,
        granted: 0,
        disbursed: 0,
      },
      { budget: p.budget, currency: p.currency },
    )
  }
}
