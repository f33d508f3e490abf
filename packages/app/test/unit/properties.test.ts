/**
 * Property tests over random sequences of transactions, grouped into random blocks:
 * - no invoice is ever financed twice (across banks, within and across blocks);
 * - subsidy grants never exceed a programme's budget, disbursements never exceed grants;
 * - the licence state machine never takes an illegal transition or leaves a final state;
 * - governance never leaves fewer than 4 validators.
 */
import fc from 'fast-check'
import { toHex } from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import {
  buildGovPropose,
  buildGovVote,
  buildInvoiceCancel,
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildInvoiceSettle,
  buildLicenceApply,
  buildLicenceApprove,
  buildLicenceIssue,
  buildLicenceReinstate,
  buildLicenceReject,
  buildLicenceRevoke,
  buildLicenceSuspend,
  buildRecordErase,
  buildSubsidyCreateProgramme,
  buildSubsidyDisburse,
  buildSubsidyGrant,
  buildSubsidyRegisterBeneficiary,
  LICENCE_TRANSITIONS,
  MIN_VALIDATORS,
  type LicenceStatus,
  type ProposalAction,
  type TxDraft,
  type ValidatorEntry,
} from '../../src/index.js'
import { citizen, fp } from '../fixtures.js'
import { demoGenesisJson, key, TestChain } from '../harness.js'

type Op = { signer: string; draft: TxDraft }

/** Splits ops into blocks of the given sizes and runs them. */
async function runBlocks(chain: TestChain, ops: Op[], sizes: number[], after?: () => Promise<void>) {
  const outcomes = []
  let i = 0
  let s = 0
  while (i < ops.length) {
    const size = sizes[s++ % sizes.length]!
    const block = ops.slice(i, i + size)
    i += size
    const out = await chain.block(block.map((o) => chain.tx(o.signer, o.draft)))
    outcomes.push(out)
    await after?.()
  }
  return outcomes
}

/** What the random runs actually exercised (asserted after each property so it cannot pass vacuously). */
function counter() {
  const counts = new Map<string, number>()
  return {
    add(outcomes: { results: { ok: boolean; tx: { type: string }; code?: string }[] }[]) {
      for (const o of outcomes) {
        for (const r of o.results) {
          const k = r.ok ? `${r.tx.type}:ok` : `${r.tx.type}:${r.code}`
          counts.set(k, (counts.get(k) ?? 0) + 1)
        }
      }
    },
    get: (k: string) => counts.get(k) ?? 0,
  }
}

const blockSizes = fc.array(
  fc.integer({ min: 0, max: 6 }).map((n) => n + 1),
  { minLength: 1, maxLength: 8 },
)
const RUNS = { numRuns: 25 }

describe('property: no invoice is financed twice', () => {
  const BANKS = ['north-officer', 'south-officer']
  // Record INV-i is the real invoice i mod 2 (so INV-0 / INV-2 and INV-1 / INV-3 are the same
  // invoice registered twice); requests mostly carry the right fingerprint, sometimes another.
  const fingerprintOf = (id: number, f: number | null) => fp(String(f ?? id % 2))
  const maybeWrong = fc.option(fc.nat(1), { freq: 5 })
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({ id: fc.nat(3), f: maybeWrong, bank: fc.nat(1) }).map(({ id, f, bank }) => ({
        signer: BANKS[bank]!,
        draft: buildInvoiceRegister({
          recordId: `INV-${id}`,
          fingerprint: fingerprintOf(id, f),
          amount: 1000,
          currency: 'EUR',
          fields: {},
        }),
      })),
    },
    {
      weight: 4,
      arbitrary: fc
        .record({ id: fc.nat(3), f: maybeWrong, bank: fc.nat(1), amount: fc.integer({ min: 1, max: 1100 }) })
        .map(({ id, f, bank, amount }) => ({
          signer: BANKS[bank]!,
          draft: buildInvoiceFinance({ recordId: `INV-${id}`, fingerprint: fingerprintOf(id, f), amount }),
        })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id: fc.nat(3), bank: fc.nat(1) }).map(({ id, bank }) => ({
        signer: BANKS[bank]!,
        draft: buildInvoiceSettle({ recordId: `INV-${id}` }),
      })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ id: fc.nat(3), bank: fc.nat(1) }).map(({ id, bank }) => ({
        signer: BANKS[bank]!,
        draft: buildInvoiceCancel({ recordId: `INV-${id}`, reason: 'void' }),
      })),
    },
  )

  it('across banks, within and across blocks', async () => {
    const seen = counter()
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 10, maxLength: 50, size: 'max' }),
        blockSizes,
        async (ops, sizes) => {
          const chain = await TestChain.create()
          const outcomes = await runBlocks(chain, ops, sizes)
          seen.add(outcomes)
          const financedPerFingerprint = new Map<string, number>()
          for (const o of outcomes) {
            for (const r of o.results) {
              if (!r.ok || r.tx.type !== 'invoice.finance') continue
              const record = await chain.record(r.receipt.events[0]!.attributes.recordId!)
              const k = toHex(record.record.fingerprint)
              financedPerFingerprint.set(k, (financedPerFingerprint.get(k) ?? 0) + 1)
            }
          }
          for (const count of financedPerFingerprint.values()) expect(count).toBe(1)
          const liveByFingerprint = new Map<string, number>()
          for (let id = 0; id <= 3; id++) {
            const r = await chain.record(`INV-${id}`)
            if (r === null) continue
            const finances = r.history.filter(
              (e: { action: string }) => e.action === 'invoice.finance',
            ).length
            expect(finances).toBeLessThanOrEqual(1)
            expect(r.record.financedAmount).toBeLessThanOrEqual(r.record.amount)
            if (r.record.status !== 'cancelled') {
              const k = toHex(r.record.fingerprint)
              liveByFingerprint.set(k, (liveByFingerprint.get(k) ?? 0) + 1)
            }
          }
          for (const count of liveByFingerprint.values()) expect(count).toBe(1)
        },
      ),
      RUNS,
    )
    expect(seen.get('invoice.finance:ok')).toBeGreaterThan(0)
    expect(seen.get('invoice.finance:APP_ALREADY_FINANCED')).toBeGreaterThan(0)
    expect(seen.get('invoice.register:APP_DUPLICATE_INVOICE')).toBeGreaterThan(0)
  })
})

describe('property: subsidy budgets are never exceeded', () => {
  const OFFICER = 'socsec-officer'
  // erasing a beneficiary is rare: after it, grants to them are refused (APP_ERASED)
  const grant = fc
    .record({ g: fc.nat(7), p: fc.nat(1), b: fc.nat(2), amount: fc.integer({ min: 1, max: 700 }) })
    .map(({ g, p, b, amount }) => ({
      signer: OFFICER,
      draft: buildSubsidyGrant({ recordId: `G-${g}`, programme: `P-${p}`, beneficiary: `B-${b}`, amount }),
    }))
  const disburse = fc
    .record({ g: fc.nat(7), amount: fc.integer({ min: 1, max: 500 }) })
    .map(({ g, amount }) => ({
      signer: OFFICER,
      draft: buildSubsidyDisburse({ recordId: `G-${g}`, amount }),
    }))
  const erase = fc
    .nat(2)
    .map((b) => ({ signer: OFFICER, draft: buildRecordErase({ recordId: `B-${b}`, reason: 'request' }) }))
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 8, arbitrary: grant },
    { weight: 8, arbitrary: disburse },
    { weight: 1, arbitrary: erase },
  )

  it('grants ≤ budget and disbursements ≤ grants, per programme and per grant', async () => {
    const seen = counter()
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 10, maxLength: 50, size: 'max' }),
        blockSizes,
        async (ops, sizes) => {
          const chain = await TestChain.create()
          await chain.block([
            chain.tx(
              'socsec-admin',
              buildSubsidyCreateProgramme({ recordId: 'P-0', budget: 1000, currency: 'EUR' }),
            ),
            chain.tx(
              'socsec-admin',
              buildSubsidyCreateProgramme({ recordId: 'P-1', budget: 1500, currency: 'EUR' }),
            ),
            ...[0, 1, 2].map((b) =>
              chain.tx(
                OFFICER,
                buildSubsidyRegisterBeneficiary({ recordId: `B-${b}`, fields: citizen(`B-${b}`) }),
              ),
            ),
          ])
          const outcomes = await runBlocks(chain, ops, sizes)
          seen.add(outcomes)
          const disbursedByReceipts = new Map<string, number>()
          for (const o of outcomes) {
            for (const r of o.results) {
              if (!r.ok || r.tx.type !== 'subsidy.disburse') continue
              const prog = r.receipt.events.find(
                (e) => e.attributes.recordType === 'subsidy-programme',
              )!.attributes
              disbursedByReceipts.set(
                prog.recordId!,
                (disbursedByReceipts.get(prog.recordId!) ?? 0) + Number(prog.amount),
              )
            }
          }
          const grants = []
          for (let g = 0; g <= 7; g++) {
            const r = await chain.record(`G-${g}`)
            if (r === null) continue
            expect(r.record.disbursed).toBeLessThanOrEqual(r.record.amount)
            expect(r.record.status).toBe(r.record.disbursed === r.record.amount ? 'disbursed' : 'granted')
            grants.push(r.record)
          }
          for (const p of ['P-0', 'P-1']) {
            const prog = (await chain.record(p)).record
            const mine = grants.filter((g) => g.programme === p)
            expect(prog.granted).toBeLessThanOrEqual(prog.budget)
            expect(prog.disbursed).toBeLessThanOrEqual(prog.granted)
            expect(prog.granted).toBe(mine.reduce((s, g) => s + g.amount, 0))
            expect(prog.disbursed).toBe(mine.reduce((s, g) => s + g.disbursed, 0))
            expect(disbursedByReceipts.get(p) ?? 0).toBe(prog.disbursed)
          }
        },
      ),
      RUNS,
    )
    expect(seen.get('subsidy.disburse:ok')).toBeGreaterThan(0)
    expect(seen.get('subsidy.grant:APP_BUDGET_EXCEEDED')).toBeGreaterThan(0)
    expect(seen.get('subsidy.disburse:APP_BUDGET_EXCEEDED')).toBeGreaterThan(0)
  })
})

describe('property: the licence state machine never reaches an illegal state', () => {
  // mostly the issuing agency's officer; sometimes a bank officer or the agency's admin (both refused)
  const SIGNERS = [...Array<string>(6).fill('licensing-officer'), 'north-officer', 'licensing-admin']
  const ACTIONS = [
    'apply',
    'approve',
    'reject',
    'issue',
    'suspend',
    'reinstate',
    'revoke',
    'erase',
    'wait',
  ] as const
  type Action = (typeof ACTIONS)[number]
  /** The actions that are legal from each status (plus erase / wait, always possible). */
  const NEXT: Record<LicenceStatus | 'none', Action[]> = {
    none: ['apply'],
    applied: ['approve', 'reject'],
    approved: ['issue'],
    rejected: ['wait'],
    issued: ['suspend', 'suspend', 'revoke', 'wait'],
    suspended: ['reinstate', 'reinstate', 'revoke', 'wait'],
    revoked: ['wait'],
  }
  // `legal`: pick among the actions legal for the licence's current status (most of the time),
  // otherwise among the moves that are NOT legal from it — so runs both go deep and keep trying
  // every illegal move from every state they reach.
  const op = fc.record({
    id: fc.nat(1),
    legal: fc.nat(9).map((x) => x > 2),
    choice: fc.nat(),
    signer: fc.nat(SIGNERS.length - 1),
    // validity: short (expires during the run) or long (suspend / reinstate cycles happen first)
    span: fc.oneof(fc.nat(3), fc.integer({ min: 20, max: 60 })),
  })
  type RawOp = typeof op extends fc.Arbitrary<infer T> ? T : never

  async function actionOf(chain: TestChain, o: RawOp): Promise<Action> {
    const status = ((await chain.record(`LIC-${o.id}`))?.record.status ?? 'none') as LicenceStatus | 'none'
    const options = o.legal ? NEXT[status] : ACTIONS.filter((a) => a !== 'wait' && !NEXT[status].includes(a))
    return options[o.choice % options.length]!
  }

  function draftOf(o: RawOp, action: Action, height: number): TxDraft | null {
    const recordId = `LIC-${o.id}`
    switch (action) {
      case 'apply':
        return buildLicenceApply({
          recordId,
          agency: 'city-licensing',
          kind: 'business-licence',
          fields: citizen(recordId),
        })
      case 'approve':
        return buildLicenceApprove({ recordId })
      case 'reject':
        return buildLicenceReject({ recordId, reason: 'no' })
      case 'issue':
        // short validity periods so that expiry happens during the run
        return buildLicenceIssue({ recordId, validFromHeight: height, validUntilHeight: height + 1 + o.span })
      case 'suspend':
        return buildLicenceSuspend({ recordId, reason: 'check' })
      case 'reinstate':
        return buildLicenceReinstate({ recordId })
      case 'revoke':
        return buildLicenceRevoke({ recordId, reason: 'fraud' })
      case 'erase':
        return buildRecordErase({ recordId, reason: 'request' })
      case 'wait':
        return null
    }
  }

  it('every recorded transition is legal, final states stay final, and only the issuing agency moves a licence', async () => {
    const STATUSES = Object.keys(LICENCE_TRANSITIONS)
    const seen = counter()
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60, size: 'max' }), async (ops) => {
        const chain = await TestChain.create()
        for (const o of ops) {
          const draft = draftOf(o, await actionOf(chain, o), chain.height + 1)
          seen.add([await chain.block(draft === null ? [] : [chain.tx(SIGNERS[o.signer]!, draft)])])
        }
        for (let id = 0; id <= 1; id++) {
          const r = await chain.record(`LIC-${id}`)
          if (r === null) continue
          expect(STATUSES).toContain(r.record.status)
          expect(r.history[0]).toMatchObject({ from: null, to: 'applied', action: 'licence.apply' })
          for (const e of r.history.slice(1)) {
            expect(e.org).toBe('city-licensing')
            if (e.action === 'record.erase') expect(e.to).toBe(e.from)
            else expect(LICENCE_TRANSITIONS[e.from as LicenceStatus]).toContain(e.to)
            if (e.action === 'licence.suspend' || e.action === 'licence.reinstate') {
              // never moved after expiry
              const issued = r.history.filter((h: { action: string }) => h.action === 'licence.issue').at(-1)
              expect(e.height).toBeLessThanOrEqual(issued.details.validUntilHeight)
            }
          }
          expect(r.history.at(-1).to).toBe(r.record.status)
        }
      }),
      { numRuns: 40 },
    )
    // (sums of outcomes that each occur a handful of times per run, so that coverage never flakes)
    expect(seen.get('licence.suspend:ok')).toBeGreaterThan(0)
    expect(seen.get('licence.revoke:ok')).toBeGreaterThan(0)
    expect(seen.get('licence.reinstate:ok') + seen.get('licence.reinstate:APP_EXPIRED')).toBeGreaterThan(0)
    expect(
      seen.get('licence.suspend:APP_EXPIRED') + seen.get('licence.reinstate:APP_EXPIRED'),
    ).toBeGreaterThan(0)
    expect(
      seen.get('licence.approve:APP_INVALID_TRANSITION') + seen.get('licence.issue:APP_INVALID_TRANSITION'),
    ).toBeGreaterThan(0)
  })
})

describe('property: governance never leaves fewer than 4 validators', () => {
  const DELEGATES = [
    'licensing-admin',
    'registry-admin',
    'socsec-admin',
    'north-admin',
    'south-admin',
    'regulator-admin',
    'auditor-admin',
  ]
  const MEMBERS = [
    'city-licensing',
    'bank-north',
    'civil-registry',
    'bank-south',
    'social-security',
    'regulator',
    'auditor',
  ]
  const POOL: ValidatorEntry[] = Array.from({ length: 8 }, (_, i) => ({
    publicKey: key(`validator-${i}`).publicKey,
    power: 1,
    member: MEMBERS[i % MEMBERS.length]!,
    name: `pool-${i}`,
  }))
  const action: fc.Arbitrary<ProposalAction> = fc.oneof(
    fc.constantFrom(...MEMBERS).map((memberId): ProposalAction => ({ type: 'remove-member', memberId })),
    fc
      .subarray(POOL, { minLength: 1 })
      .map((validators): ProposalAction => ({ type: 'set-validators', validators })),
  )
  const op = fc.oneof(
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('propose' as const), p: fc.nat(2), action, by: fc.nat(6) }),
    },
    // votes are frequent and lean "yes" so that proposals get decided within a run
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('vote' as const),
        p: fc.nat(2),
        by: fc.nat(6),
        yes: fc.nat(4).map((x) => x > 0),
      }),
    },
  )

  it('proposals and votes in random order, with the validator set checked after every block', async () => {
    const seen = counter()
    let executed = 0
    let failedAtExecution = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 20, maxLength: 80, size: 'max' }),
        blockSizes,
        async (raw, sizes) => {
          const chain = await TestChain.create(demoGenesisJson(6))
          const ops: Op[] = raw.map((o) => ({
            signer: DELEGATES[o.by]!,
            draft:
              o.kind === 'propose'
                ? buildGovPropose({ recordId: `P-${o.p}`, action: o.action, deadlineHeight: 200 })
                : buildGovVote({ recordId: `P-${o.p}`, vote: o.yes ? 'yes' : 'no' }),
          }))
          const outcomes = await runBlocks(chain, ops, sizes, async () => {
            expect(((await chain.query('validators')).value as unknown[]).length).toBeGreaterThanOrEqual(
              MIN_VALIDATORS,
            )
          })
          seen.add(outcomes)
          for (let p = 0; p <= 2; p++) {
            const status = (await chain.record(`P-${p}`))?.record.status
            if (status === 'executed') executed++
            if (status === 'failed') failedAtExecution++
          }
          for (const o of outcomes) {
            if (o.end.validators !== undefined)
              expect(o.end.validators.length).toBeGreaterThanOrEqual(MIN_VALIDATORS)
          }
          // every reported validator belongs to an active member
          const members = ((await chain.query('members')).value as { id: string }[]).map((m) => m.id)
          for (const v of (await chain.query('validators')).value as ValidatorEntry[])
            expect(members).toContain(v.member)
        },
      ),
      RUNS,
    )
    expect(executed).toBeGreaterThan(0)
    expect(seen.get('gov.propose:APP_TOO_FEW_VALIDATORS')).toBeGreaterThan(0)
    expect(failedAtExecution + seen.get('gov.vote:ok')).toBeGreaterThan(0)
  })
})
