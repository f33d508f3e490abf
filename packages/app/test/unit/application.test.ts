import {
  decodeMembers,
  decodeReceipt,
  encodeReceipt,
  readValidators,
  SystemKey,
  toHex,
} from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import {
  APPLICATION_NAME,
  AppErrorCode,
  buildGovPropose,
  buildGovVote,
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildLicenceApply,
  buildLicenceApprove,
  createGovApplication,
  type TxDraft,
} from '../../src/index.js'
import { citizen, fp } from '../fixtures.js'
import { demoGenesisJson, key, TestChain } from '../harness.js'

const apply = buildLicenceApply({
  recordId: 'LIC-1',
  agency: 'city-licensing',
  kind: 'business-licence',
  fields: citizen('LIC-1'),
})

describe('the Application', () => {
  it('has a name and all hooks', () => {
    const app = createGovApplication()
    expect(app.name).toBe(APPLICATION_NAME)
    expect(typeof app.endBlock).toBe('function')
  })

  it('checkTx never writes, even for a valid transaction', async () => {
    const chain = await TestChain.create()
    const before = chain.state.snapshot()
    expect(await chain.check('licensing-officer', apply)).toBe('ok')
    expect(chain.state.snapshot()).toEqual(before)
  })

  it('checkTx "full" judges against the committed state; "authorize" checks payload and permissions only', async () => {
    const full = await TestChain.create()
    const light = await TestChain.create(demoGenesisJson(), createGovApplication({ checkTx: 'authorize' }))
    const approve = buildLicenceApprove({ recordId: 'LIC-1' })
    expect(await full.check('licensing-officer', approve)).toBe(AppErrorCode.NOT_FOUND)
    expect(await light.check('licensing-officer', approve)).toBe('ok')
    expect(await light.check('north-officer', approve)).toBe(AppErrorCode.FORBIDDEN)
    expect(await light.check('licensing-officer', { ...approve, payload: new Uint8Array([1]) })).toBe(
      AppErrorCode.BAD_PAYLOAD,
    )
    // both still refuse it in execution while the licence does not exist, and accept it once it does
    expect(await light.code('licensing-officer', approve)).toBe(AppErrorCode.NOT_FOUND)
    const both = await light.block([
      light.tx('licensing-officer', apply),
      light.tx('licensing-officer', approve),
    ])
    expect(both.results.map((r) => r.ok)).toEqual([true, true])
  })

  it('a rejected transaction in a block leaves no trace while its neighbours apply', async () => {
    const chain = await TestChain.create()
    const register = buildInvoiceRegister({
      recordId: 'INV-1',
      fingerprint: fp('1'),
      amount: 10,
      currency: 'EUR',
      fields: {},
    })
    const finance = buildInvoiceFinance({ recordId: 'INV-1', fingerprint: fp('1'), amount: 20 }) // above the invoice
    const out = await chain.block([chain.tx('south-officer', register), chain.tx('north-officer', finance)])
    expect(out.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', AppErrorCode.AMOUNT_EXCEEDED])
    const r = await chain.record('INV-1')
    expect(r.record.status).toBe('registered')
    expect(r.historyTotal).toBe(1)
  })

  it('is deterministic: the same blocks give the same state and receipts on two nodes', async () => {
    const a = await TestChain.create()
    const b = await TestChain.create()
    const script: [string, TxDraft][] = [
      ['licensing-officer', apply],
      ['licensing-officer', buildLicenceApprove({ recordId: 'LIC-1' })],
      [
        'licensing-admin',
        buildGovPropose({
          recordId: 'P',
          action: { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor', 'regulator'] },
          deadlineHeight: 20,
        }),
      ],
      ...['licensing-admin', 'registry-admin', 'socsec-admin', 'north-admin', 'south-admin'].map(
        (d) => [d, buildGovVote({ recordId: 'P', vote: 'yes' })] as [string, TxDraft],
      ),
    ]
    for (const [signer, draft] of script) {
      const txA = a.tx(signer, draft)
      const txB = b.tx(signer, draft)
      expect(txA.hashHex()).toBe(txB.hashHex())
      const [ra, rb] = [await a.block([txA]), await b.block([txB])]
      expect(ra).toEqual(rb)
    }
    expect(a.state.snapshot()).toEqual(b.state.snapshot())
  })

  it('receipts survive the ledger’s receipt encoding (event types are identifiers, attributes text)', async () => {
    const chain = await TestChain.create()
    const out = await chain.block([
      chain.tx('licensing-officer', apply),
      chain.tx('licensing-officer', buildLicenceApprove({ recordId: 'LIC-1' })),
    ])
    for (const r of out.results) {
      if (!r.ok) throw new Error(r.code)
      const decoded = decodeReceipt(encodeReceipt(r.tx.hash(), r.receipt))
      expect(decoded.receipt).toEqual(r.receipt)
    }
  })

  it('an executed validator change reaches the ledger’s system keys and applies at H+2', async () => {
    const chain = await TestChain.create(demoGenesisJson(4))
    const current = chain.genesis.validators.map((v) => ({
      publicKey: v.publicKey,
      power: v.power,
      member: v.member,
      name: v.name,
    }))
    const extra = {
      publicKey: key('validator-new').publicKey,
      power: 1,
      member: 'regulator',
      name: 'regulator-node-1',
    }
    await chain.ok(
      'licensing-admin',
      buildGovPropose({
        recordId: 'P',
        action: { type: 'set-validators', validators: [...current, extra] },
        deadlineHeight: 50,
      }),
    )
    let decidedAt = 0
    for (const d of ['licensing-admin', 'registry-admin', 'socsec-admin', 'north-admin', 'south-admin']) {
      decidedAt = (await chain.block([chain.tx(d, buildGovVote({ recordId: 'P', vote: 'yes' }))])).height
    }
    const size = async (which: Uint8Array) => (await readValidators(chain.state, which)).size
    expect([
      await size(SystemKey.validatorsCurrent),
      await size(SystemKey.validatorsNext),
      await size(SystemKey.validatorsAfterNext),
    ]).toEqual([4, 4, 5])
    await chain.block([])
    expect(await size(SystemKey.validatorsNext)).toBe(5)
    await chain.block([])
    expect(chain.height).toBe(decidedAt + 2)
    expect(await size(SystemKey.validatorsCurrent)).toBe(5)
    const set = await readValidators(chain.state, SystemKey.validatorsCurrent)
    expect(set.has(extra.publicKey)).toBe(true)
    expect(toHex(set.hash())).toBe(
      toHex((await readValidators(chain.state, SystemKey.validatorsAfterNext)).hash()),
    )
  })

  it('an executed member change reaches the ledger’s member list (the connection gater’s source)', async () => {
    const chain = await TestChain.create()
    await chain.ok(
      'licensing-admin',
      buildGovPropose({
        recordId: 'P',
        action: { type: 'remove-member', memberId: 'auditor' },
        deadlineHeight: 50,
      }),
    )
    for (const d of ['licensing-admin', 'registry-admin', 'socsec-admin', 'north-admin', 'south-admin']) {
      await chain.ok(d, buildGovVote({ recordId: 'P', vote: 'yes' }))
    }
    const members = decodeMembers((await chain.state.get(SystemKey.members))!)
    expect(members.map((m) => m.id)).not.toContain('auditor')
    expect(members).toHaveLength(6)
  })
})
