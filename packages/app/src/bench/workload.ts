/**
 * The benchmark's workload: a demo alliance whose genesis also registers `senders` officer
 * accounts, a state filled with application records (licences, certificates, invoices, loans with
 * their history) up to a requested number of keys, and blocks of signed transactions of eight
 * types from many distinct senders that are all valid against that state.
 *
 * Everything is derived from a seed, so a cached state and freshly generated blocks agree on
 * which records exist. Records of the filler are named `<T>-F-<n>`; records created by a block
 * `<T>-N-<n>` (blocks are validated one at a time against the same base, never chained).
 */
import {
  APP_NAMESPACE,
  keyPairFromSeed,
  parseGenesis,
  prefixedWriter,
  sha256,
  toHex,
  utf8,
  type Genesis,
  type KeyPair,
  type StateWriter,
  type Transaction,
} from '@govchain/ledger'
import {
  buildAuditNote,
  buildCertificateAmend,
  buildCertificateIssue,
  buildInvoiceRegister,
  buildLicenceApply,
  buildLoanApply,
  buildLoanRepay,
  buildSubsidyRegisterBeneficiary,
  signTx,
  type TxDraft,
} from '../builders.js'
import { commitField, invoiceFingerprint } from '../commitments.js'
import { buildDemoGenesis, DEMO_ACCOUNTS } from '../demo.js'
import { createRecord, updateRecord, type ChangeContext } from '../domains/context.js'
import type { AccountRole } from '../permissions.js'
import type { CertificateRecord, Commitments, InvoiceRecord, LicenceRecord, LoanRecord } from '../types.js'

export const BENCH_CHAIN_ID = 'govchain-bench'
export const BENCH_GENESIS_TIME_MS = Date.parse('2025-01-01T00:00:00.000Z')
export const BENCH_VALIDATORS = 4

/** Deterministic PRNG (mulberry32): the same seed gives the same workload everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A group of bench officer accounts: same organisation(s) and role. */
type SenderGroup = {
  readonly role: AccountRole
  readonly orgs: readonly string[]
  /** Share of the senders (and of the transactions they send). */
  readonly weight: number
}

const SENDER_GROUPS: Readonly<Record<string, SenderGroup>> = {
  licence: { role: 'licence-officer', orgs: ['city-licensing'], weight: 1 },
  certificate: { role: 'certificate-officer', orgs: ['civil-registry'], weight: 2 },
  finance: { role: 'finance-officer', orgs: ['bank-north', 'bank-south'], weight: 1 },
  loan: { role: 'loan-officer', orgs: ['bank-north', 'bank-south'], weight: 2 },
  audit: { role: 'audit-officer', orgs: ['regulator', 'auditor'], weight: 1 },
  subsidy: { role: 'subsidy-officer', orgs: ['social-security'], weight: 1 },
}
type GroupName = keyof typeof SENDER_GROUPS

export type BenchSender = {
  readonly name: string
  readonly group: GroupName
  readonly org: string
  readonly keyPair: KeyPair
}

/** The transaction types of a bench block, equally frequent, with the group that sends each. */
export const BENCH_TX_MIX = [
  { type: 'licence.apply', group: 'licence' },
  { type: 'certificate.issue', group: 'certificate' },
  { type: 'certificate.amend', group: 'certificate' },
  { type: 'invoice.register', group: 'finance' },
  { type: 'loan.apply', group: 'loan' },
  { type: 'loan.repay', group: 'loan' },
  { type: 'audit.note', group: 'audit' },
  { type: 'subsidy.register-beneficiary', group: 'subsidy' },
] as const satisfies readonly { type: string; group: GroupName }[]

export function validatorKey(i: number): KeyPair {
  return keyPairFromSeed(`bench-validator-${i}`)
}

const sendersCache = new Map<number, readonly BenchSender[]>()

/** `count` officer accounts spread over the groups by weight (at least one per group). */
export function benchSenders(count: number): readonly BenchSender[] {
  let senders = sendersCache.get(count)
  if (senders === undefined) sendersCache.set(count, (senders = makeSenders(count)))
  return senders
}

function makeSenders(count: number): BenchSender[] {
  const groups = Object.entries(SENDER_GROUPS)
  const total = groups.reduce((s, [, g]) => s + g.weight, 0)
  const out: BenchSender[] = []
  for (const [name, g] of groups) {
    const n = Math.max(1, Math.round((count * g.weight) / total))
    for (let i = 0; i < n; i++) {
      const org = g.orgs[i % g.orgs.length]!
      const account = `bench-${name}-${i}`
      out.push({ name: account, group: name, org, keyPair: keyPairFromSeed(account) })
    }
  }
  return out
}

/** The demo alliance (4 validators, the demo accounts) plus the bench senders. */
export function benchGenesis(senders: readonly BenchSender[]): Genesis {
  const demoKeys = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.name, keyPairFromSeed(a.name).publicKey]))
  const { genesis } = buildDemoGenesis({
    chainId: BENCH_CHAIN_ID,
    genesisTime: new Date(BENCH_GENESIS_TIME_MS).toISOString(),
    nodes: Array.from({ length: BENCH_VALIDATORS }, (_, i) => ({
      peerId: `12D3KooWBenchPeer${i}`,
      validatorPublicKey: validatorKey(i).publicKey,
    })),
    accountKeys: demoKeys,
  })
  const accounts = genesis.accounts as unknown[]
  for (const s of senders) {
    accounts.push({
      publicKey: toHex(s.keyPair.publicKey),
      member: s.org,
      roles: [SENDER_GROUPS[s.group]!.role],
      name: s.name,
    })
  }
  return parseGenesis(genesis)
}

const hashOf = (s: string): Uint8Array => sha256(utf8.encode(s))

/** Commitments to a citizen's personal data (salts derived from the record id: bench only). */
function citizen(recordId: string): Commitments {
  const values = { name: 'Maria Example', nationalId: '850101-1234', address: '1 Main Street' }
  return Object.fromEntries(
    Object.entries(values).map(([field, v]) => [
      field,
      commitField(recordId, field, hashOf(`salt/${recordId}/${field}`), v),
    ]),
  )
}

/** How many filler records of each kind exist (ids `<prefix>-F-<n>`, loans per bank). */
export type FillerCounts = {
  readonly licences: number
  readonly certificates: number
  readonly invoices: number
  /** Active loans per lending bank. */
  readonly loansPerBank: number
}

const LOAN_BANKS = ['bank-north', 'bank-south'] as const
const FILLER_DISBURSED = 1_000_000_000

/**
 * Writes filler records into `state` (the full key space; the app namespace is added here) until
 * about `keys` state keys were written, calling `flush` every `batchKeys` keys. Each record gets
 * 1–3 history entries. Returns the counts of records written.
 */
export async function writeFiller(opts: {
  readonly keys: number
  readonly seed: number
  readonly newState: () => StateWriter & { readonly size: number }
  readonly flush: (state: StateWriter & { readonly size: number }) => Promise<void>
  readonly batchKeys?: number
  readonly onProgress?: (keysWritten: number) => void
}): Promise<FillerCounts> {
  const rng = prng(opts.seed)
  const batchKeys = opts.batchKeys ?? 50_000
  const counts = { licences: 0, certificates: 0, invoices: 0, loansPerBank: 0 }
  let written = 0
  let state = opts.newState()
  const ctxFor = (s: StateWriter): ChangeContext => ({
    state: prefixedWriter(s, APP_NAMESPACE),
    height: 0,
    timeMs: BENCH_GENESIS_TIME_MS,
    action: 'genesis',
    actor: null,
    txHash: null,
    events: [],
  })
  let ctx = ctxFor(state)
  const withHistory = <R extends LicenceRecord | CertificateRecord | InvoiceRecord | LoanRecord>(
    record: R,
  ) => {
    let r = record
    const extra = Math.floor(rng() * 3)
    for (let i = 0; i < extra; i++) r = updateRecord<R>(ctx, r, {}, { note: `review-${i}` })
    return 2 + extra
  }
  while (written < opts.keys) {
    const pick = rng()
    if (pick < 0.4) {
      const id = `CERT-F-${counts.certificates++}`
      written += withHistory(
        createRecord<CertificateRecord>(ctx, {
          type: 'certificate',
          id,
          owner: 'civil-registry',
          status: 'valid',
          kind: 'residence',
          version: 1,
          fields: citizen(id),
          erasedHeight: null,
          validUntilHeight: null,
        }),
      )
    } else if (pick < 0.7) {
      const n = counts.loansPerBank++
      for (const bank of LOAN_BANKS) {
        const id = `LOAN-F-${bank}-${n}`
        written += withHistory(
          createRecord<LoanRecord>(ctx, {
            type: 'loan',
            id,
            owner: bank,
            status: 'active',
            currency: 'EUR',
            requestedAmount: FILLER_DISBURSED,
            approvedAmount: FILLER_DISBURSED,
            disbursed: FILLER_DISBURSED,
            repaid: 0,
            fields: citizen(id),
            erasedHeight: null,
          }),
        )
      }
    } else if (pick < 0.85) {
      const id = `LIC-F-${counts.licences++}`
      written += withHistory(
        createRecord<LicenceRecord>(ctx, {
          type: 'licence',
          id,
          owner: 'city-licensing',
          status: 'issued',
          kind: 'business-licence',
          filedBy: 'city-licensing',
          validFromHeight: null,
          validUntilHeight: null,
          fields: citizen(id),
          erasedHeight: null,
        }),
      )
    } else {
      const id = `INV-F-${counts.invoices++}`
      written += withHistory(
        createRecord<InvoiceRecord>(ctx, {
          type: 'invoice',
          id,
          owner: 'bank-north',
          status: 'registered',
          fingerprint: invoiceFingerprint({ sellerId: 'SELLER-F', buyerId: 'BUYER-F', invoiceNumber: id }),
          amount: 250_000,
          currency: 'EUR',
          fields: {},
          erasedHeight: null,
          financedBy: null,
          financedAmount: 0,
        }),
      )
    }
    if (state.size >= batchKeys) {
      await opts.flush(state)
      opts.onProgress?.(written)
      state = opts.newState()
      ctx = ctxFor(state)
    }
  }
  if (state.size > 0) await opts.flush(state)
  opts.onProgress?.(written)
  return counts
}

function fillerRecordId(counts: FillerCounts, rng: () => number): string {
  const total = counts.licences + counts.certificates + counts.invoices + 2 * counts.loansPerBank
  let k = Math.floor(rng() * total)
  if (k < counts.licences) return `LIC-F-${k}`
  k -= counts.licences
  if (k < counts.certificates) return `CERT-F-${k}`
  k -= counts.certificates
  if (k < counts.invoices) return `INV-F-${k}`
  k -= counts.invoices
  return `LOAN-F-${LOAN_BANKS[k % 2]}-${k >> 1}`
}

/**
 * `count` signed transactions, all valid in order against the base state (nonces from 0 per
 * sender; updates only touch filler records their sender's organisation owns).
 */
export function generateBlockTxs(opts: {
  readonly count: number
  readonly seed: number
  readonly senders: readonly BenchSender[]
  readonly filler: FillerCounts
  readonly onProgress?: (done: number) => void
}): Transaction[] {
  const rng = prng(opts.seed)
  const byGroup = new Map<GroupName, BenchSender[]>()
  for (const s of opts.senders) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s])
  const nonces = new Map<BenchSender, number>()
  const { filler } = opts
  const pickIndex = (n: number) => Math.floor(rng() * n)
  const txs: Transaction[] = []
  for (let i = 0; i < opts.count; i++) {
    const mix = BENCH_TX_MIX[i % BENCH_TX_MIX.length]!
    const group = byGroup.get(mix.group)!
    const sender = group[pickIndex(group.length)]!
    let draft: TxDraft
    switch (mix.type) {
      case 'licence.apply': {
        const recordId = `LIC-N-${i}`
        draft = buildLicenceApply({
          recordId,
          agency: 'city-licensing',
          kind: 'food-premises-permit',
          fields: citizen(recordId),
        })
        break
      }
      case 'certificate.issue': {
        const recordId = `CERT-N-${i}`
        draft = buildCertificateIssue({ recordId, kind: 'residence', fields: citizen(recordId) })
        break
      }
      case 'certificate.amend': {
        const recordId = `CERT-F-${pickIndex(filler.certificates)}`
        draft = buildCertificateAmend({
          recordId,
          fields: { address: commitField(recordId, 'address', hashOf(`salt/${i}`), `${i} New Road`) },
          reason: 'moved',
        })
        break
      }
      case 'invoice.register':
        draft = buildInvoiceRegister({
          recordId: `INV-N-${i}`,
          fingerprint: invoiceFingerprint({
            sellerId: `SELLER-${i % 97}`,
            buyerId: `BUYER-${i % 89}`,
            invoiceNumber: `N-${i}`,
          }),
          amount: 1000 + (i % 100_000),
          currency: 'EUR',
          fields: {},
        })
        break
      case 'loan.apply': {
        const recordId = `LOAN-N-${i}`
        draft = buildLoanApply({ recordId, amount: 50_000, currency: 'EUR', fields: citizen(recordId) })
        break
      }
      case 'loan.repay':
        draft = buildLoanRepay({
          recordId: `LOAN-F-${sender.org}-${pickIndex(filler.loansPerBank)}`,
          amount: 100 + (i % 1000),
        })
        break
      case 'audit.note':
        draft = buildAuditNote({
          recordId: fillerRecordId(filler, rng),
          finding: hashOf(`finding/${i}`),
          severity: 'info',
        })
        break
      case 'subsidy.register-beneficiary': {
        const recordId = `BEN-N-${i}`
        draft = buildSubsidyRegisterBeneficiary({ recordId, fields: citizen(recordId) })
        break
      }
    }
    const nonce = nonces.get(sender) ?? 0
    nonces.set(sender, nonce + 1)
    txs.push(signTx(draft, { chainId: BENCH_CHAIN_ID, keyPair: sender.keyPair, nonce }))
    if ((i + 1) % 1000 === 0) opts.onProgress?.(i + 1)
  }
  opts.onProgress?.(opts.count)
  return txs
}
