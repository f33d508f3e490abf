/**
 * A realistic alliance for the devnet and examples: three city agencies (licensing, civil
 * registry / residence, social security), two banks, a regulator and an auditor, with an admin +
 * governance delegate and domain officers per organisation, licence / certificate catalogues and
 * two subsidy programmes.
 *
 * The devnet launcher generates node keys and account keys, then calls `buildDemoGenesis`; node
 * i belongs to member DEMO_NODE_ORDER[i mod 7] (4 nodes: licensing, north bank, registry, south
 * bank), so every node is owned by a different organisation up to 7 nodes. Members without a
 * node still vote in governance.
 */
import { generateKeyPair, parseGenesis, toHex, type KeyPair, type MemberRole } from '@govchain/ledger'
import { AppError, AppErrorCode } from './errors.js'
import type { AccountRole } from './permissions.js'
import type { AppGenesisState } from './app-genesis.js'

export type DemoMember = { readonly id: string; readonly name: string; readonly roles: readonly MemberRole[] }
export type DemoAccountSpec = {
  readonly name: string
  readonly org: string
  readonly roles: readonly AccountRole[]
}

export const DEMO_MEMBERS: readonly DemoMember[] = [
  { id: 'city-licensing', name: 'City Licensing Office', roles: ['agency'] },
  { id: 'civil-registry', name: 'Civil Registry and Residence Office', roles: ['agency'] },
  { id: 'social-security', name: 'Social Security Office', roles: ['agency'] },
  { id: 'bank-north', name: 'Northern Commercial Bank', roles: ['bank'] },
  { id: 'bank-south', name: 'Southern Savings Bank', roles: ['bank'] },
  { id: 'regulator', name: 'Financial and Public Services Regulator', roles: ['regulator'] },
  { id: 'auditor', name: 'Office of the Auditor-General', roles: ['auditor'] },
]

/** Which member owns devnet node i (i mod 7). */
export const DEMO_NODE_ORDER: readonly string[] = [
  'city-licensing',
  'bank-north',
  'civil-registry',
  'bank-south',
  'social-security',
  'regulator',
  'auditor',
]

export function demoNodeMember(index: number): string {
  return DEMO_NODE_ORDER[index % DEMO_NODE_ORDER.length]!
}

const admin = (name: string, org: string): DemoAccountSpec => ({
  name,
  org,
  roles: ['admin', 'governance-delegate'],
})

export const DEMO_ACCOUNTS: readonly DemoAccountSpec[] = [
  admin('licensing-admin', 'city-licensing'),
  { name: 'licensing-officer', org: 'city-licensing', roles: ['licence-officer'] },
  admin('registry-admin', 'civil-registry'),
  { name: 'registry-officer', org: 'civil-registry', roles: ['certificate-officer'] },
  admin('socsec-admin', 'social-security'),
  { name: 'socsec-officer', org: 'social-security', roles: ['certificate-officer', 'subsidy-officer'] },
  admin('north-admin', 'bank-north'),
  { name: 'north-officer', org: 'bank-north', roles: ['finance-officer', 'loan-officer'] },
  admin('south-admin', 'bank-south'),
  { name: 'south-officer', org: 'bank-south', roles: ['finance-officer', 'loan-officer'] },
  admin('regulator-admin', 'regulator'),
  { name: 'regulator-inspector', org: 'regulator', roles: ['audit-officer'] },
  admin('auditor-admin', 'auditor'),
  { name: 'auditor-inspector', org: 'auditor', roles: ['audit-officer'] },
]

export function demoGenesisAppState(): AppGenesisState {
  return {
    licenceKinds: {
      'city-licensing': [
        'business-licence',
        'food-premises-permit',
        'building-permit',
        'street-vending-permit',
        'taxi-licence',
      ],
    },
    certificateKinds: {
      'civil-registry': ['residence', 'birth', 'marital-status'],
      'social-security': ['contribution-record', 'benefit-entitlement'],
    },
    subsidyProgrammes: [
      { id: 'SUB-HOUSING-2025', agency: 'social-security', budget: 250_000_000, currency: 'EUR' },
      { id: 'SUB-CHILDCARE-2025', agency: 'social-security', budget: 100_000_000, currency: 'EUR' },
    ],
    maxVotingPeriod: 1000,
  }
}

export type DemoNode = {
  /** libp2p peer id of the node. */
  readonly peerId: string
  readonly validatorPublicKey: Uint8Array
  /** Owning member; default `demoNodeMember(index)`. */
  readonly member?: string
  readonly power?: number
}

export type DemoAccountOut = DemoAccountSpec & { readonly publicKey: string }

/**
 * The genesis JSON (for `parseGenesis`, checked before returning) of the demo alliance with the
 * given nodes and account public keys (by demo account name; accounts without a key are left out).
 */
export function buildDemoGenesis(opts: {
  readonly chainId: string
  readonly genesisTime: string
  readonly nodes: readonly DemoNode[]
  readonly accountKeys: Readonly<Record<string, Uint8Array>>
}): {
  genesis: Record<string, unknown>
  accounts: DemoAccountOut[]
  nodes: { name: string; member: string }[]
} {
  for (const name of Object.keys(opts.accountKeys)) {
    if (!DEMO_ACCOUNTS.some((a) => a.name === name)) {
      throw new AppError(AppErrorCode.BAD_GENESIS, `no demo account named ${name}`)
    }
  }
  const perMember = new Map<string, number>()
  const nodes = opts.nodes.map((n, i) => {
    const member = n.member ?? demoNodeMember(i)
    if (!DEMO_MEMBERS.some((m) => m.id === member)) {
      throw new AppError(AppErrorCode.BAD_GENESIS, `node ${i}: no demo member ${member}`)
    }
    const k = (perMember.get(member) ?? 0) + 1
    perMember.set(member, k)
    return { ...n, member, name: `${member}-node-${k}` }
  })
  const accounts: DemoAccountOut[] = DEMO_ACCOUNTS.filter((a) => opts.accountKeys[a.name] !== undefined).map(
    (a) => ({ ...a, publicKey: toHex(opts.accountKeys[a.name]!) }),
  )
  const genesis = {
    chainId: opts.chainId,
    genesisTime: opts.genesisTime,
    members: DEMO_MEMBERS.map((m) => ({
      id: m.id,
      name: m.name,
      roles: [...m.roles],
      peerIds: nodes.filter((n) => n.member === m.id).map((n) => n.peerId),
    })),
    validators: nodes.map((n) => ({
      publicKey: toHex(n.validatorPublicKey),
      power: n.power ?? 1,
      member: n.member,
      name: n.name,
    })),
    accounts: accounts.map((a) => ({
      publicKey: a.publicKey,
      member: a.org,
      roles: [...a.roles],
      name: a.name,
    })),
    appState: demoGenesisAppState(),
  }
  parseGenesis(genesis)
  return { genesis, accounts, nodes: nodes.map((n) => ({ name: n.name, member: n.member })) }
}

/** Fresh key pairs for every demo account (write them with `keyPairToFile`). */
export function generateDemoAccountKeys(): { spec: DemoAccountSpec; keyPair: KeyPair }[] {
  return DEMO_ACCOUNTS.map((spec) => ({ spec, keyPair: generateKeyPair() }))
}
