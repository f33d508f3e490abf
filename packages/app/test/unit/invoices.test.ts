import { beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '@govchain/ledger'
import {
  AppErrorCode,
  buildAccountRegister,
  buildInvoiceCancel,
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildInvoiceSettle,
  invoiceFingerprint,
} from '../../src/index.js'
import { fp } from '../fixtures.js'
import { key, TestChain } from '../harness.js'

describe('invoices', () => {
  let chain: TestChain
  let n = 0
  beforeAll(async () => {
    chain = await TestChain.create()
    // an agency may register invoices (e.g. for its suppliers) but never finance them
    await chain.ok(
      'socsec-admin',
      buildAccountRegister({
        member: 'social-security',
        name: 'agency-finance',
        publicKey: key('agency-finance').publicKey,
        roles: ['finance-officer'],
      }),
    )
  })
  async function registered(
    by = 'south-officer',
    amount = 100_000,
  ): Promise<{ id: string; fingerprint: Uint8Array }> {
    const id = `INV-${++n}`
    const fingerprint = fp(String(n))
    await chain.ok(
      by,
      buildInvoiceRegister({ recordId: id, fingerprint, amount, currency: 'EUR', fields: {} }),
    )
    return { id, fingerprint }
  }

  it('the fingerprint ignores case and spacing of the invoice identifiers', () => {
    expect(invoiceFingerprint({ sellerId: 'de 123', buyerId: 'FR9', invoiceNumber: ' inv-1 ' })).toEqual(
      invoiceFingerprint({ sellerId: 'DE  123', buyerId: 'fr9', invoiceNumber: 'INV-1' }),
    )
    expect(invoiceFingerprint({ sellerId: 'A', buyerId: 'B', invoiceNumber: '1' })).not.toEqual(
      invoiceFingerprint({ sellerId: 'B', buyerId: 'A', invoiceNumber: '1' }),
    )
  })

  describe('register', () => {
    it.each([
      ['the seller’s bank', 'south-officer', 'ok'],
      ['an agency with a finance officer', 'agency-finance', 'ok'],
      ['a bank admin without the finance role', 'south-admin', AppErrorCode.FORBIDDEN],
      ['a licence officer', 'licensing-officer', AppErrorCode.FORBIDDEN],
      ['the regulator', 'regulator-inspector', AppErrorCode.FORBIDDEN],
    ])('by %s', async (_what, signer, expected) => {
      const id = `INV-R-${++n}`
      expect(
        await chain.code(
          signer,
          buildInvoiceRegister({ recordId: id, fingerprint: fp(id), amount: 5, currency: 'EUR', fields: {} }),
        ),
      ).toBe(expected)
    })

    it('the same real invoice cannot be registered twice, at any bank (APP_DUPLICATE_INVOICE)', async () => {
      const { id, fingerprint } = await registered('south-officer')
      const again = buildInvoiceRegister({
        recordId: `${id}-AGAIN`,
        fingerprint,
        amount: 100_000,
        currency: 'EUR',
        fields: {},
      })
      expect(await chain.check('north-officer', again)).toBe(AppErrorCode.DUPLICATE_INVOICE)
      expect(await chain.code('north-officer', again)).toBe(AppErrorCode.DUPLICATE_INVOICE)
      expect(await chain.record(`${id}-AGAIN`)).toBeNull()
      // the fingerprint lookup answers with the one registration (and names its proof keys)
      const q = await chain.query('invoice', { fingerprint: toHex(fingerprint) })
      expect((q.value as { recordId: string }).recordId).toBe(id)
      expect(q.proveKeys).toHaveLength(2)
    })

    it('after a cancellation the same invoice may be registered again', async () => {
      const { id, fingerprint } = await registered('south-officer')
      await chain.ok('south-officer', buildInvoiceCancel({ recordId: id, reason: 'wrong-amount' }))
      const again = buildInvoiceRegister({
        recordId: `${id}-FIXED`,
        fingerprint,
        amount: 90_000,
        currency: 'EUR',
        fields: {},
      })
      expect(await chain.code('south-officer', again)).toBe('ok')
      const third = buildInvoiceRegister({
        recordId: `${id}-X`,
        fingerprint,
        amount: 1,
        currency: 'EUR',
        fields: {},
      })
      expect(await chain.code('north-officer', third)).toBe(AppErrorCode.DUPLICATE_INVOICE)
    })
  })

  describe('finance', () => {
    it.each([
      ['another bank’s finance officer', 'north-officer', 'ok'],
      ['the registering bank itself', 'south-officer', 'ok'],
      ['an agency’s finance officer (not a bank)', 'agency-finance', AppErrorCode.FORBIDDEN],
      ['a bank’s admin', 'north-admin', AppErrorCode.FORBIDDEN],
      ['an unknown key', 'stranger', AppErrorCode.UNKNOWN_ACCOUNT],
    ])('by %s', async (_what, signer, expected) => {
      const { id, fingerprint } = await registered()
      expect(
        await chain.code(signer, buildInvoiceFinance({ recordId: id, fingerprint, amount: 80_000 })),
      ).toBe(expected)
      expect((await chain.record(id)).record.status).toBe(expected === 'ok' ? 'financed' : 'registered')
    })

    it('an invoice is financed at most once, across all banks (APP_ALREADY_FINANCED), also within one block', async () => {
      const { id, fingerprint } = await registered()
      const finance = buildInvoiceFinance({ recordId: id, fingerprint, amount: 80_000 })
      const out = await chain.block([
        chain.tx('north-officer', finance),
        chain.tx('south-officer', finance),
        chain.tx('north-officer', finance),
      ])
      expect(out.results.map((r) => (r.ok ? 'ok' : r.code))).toEqual([
        'ok',
        AppErrorCode.ALREADY_FINANCED,
        AppErrorCode.ALREADY_FINANCED,
      ])
      const r = await chain.record(id)
      expect(r.record).toMatchObject({ status: 'financed', financedBy: 'bank-north', financedAmount: 80_000 })
      expect(r.history.filter((e: { action: string }) => e.action === 'invoice.finance')).toHaveLength(1)
      expect(await chain.check('south-officer', finance)).toBe(AppErrorCode.ALREADY_FINANCED)
    })

    it('refuses a wrong fingerprint, an amount above the invoice, and settled / cancelled invoices', async () => {
      const a = await registered()
      expect(
        await chain.code(
          'north-officer',
          buildInvoiceFinance({ recordId: a.id, fingerprint: fp('other'), amount: 1 }),
        ),
      ).toBe(AppErrorCode.FINGERPRINT_MISMATCH)
      expect(
        await chain.code(
          'north-officer',
          buildInvoiceFinance({ recordId: a.id, fingerprint: a.fingerprint, amount: 100_001 }),
        ),
      ).toBe(AppErrorCode.AMOUNT_EXCEEDED)
      await chain.ok('south-officer', buildInvoiceSettle({ recordId: a.id }))
      expect(
        await chain.code(
          'north-officer',
          buildInvoiceFinance({ recordId: a.id, fingerprint: a.fingerprint, amount: 1 }),
        ),
      ).toBe(AppErrorCode.INVALID_TRANSITION)
      const b = await registered()
      await chain.ok('south-officer', buildInvoiceCancel({ recordId: b.id, reason: 'void' }))
      expect(
        await chain.code(
          'north-officer',
          buildInvoiceFinance({ recordId: b.id, fingerprint: b.fingerprint, amount: 1 }),
        ),
      ).toBe(AppErrorCode.INVALID_TRANSITION)
      expect(
        await chain.code(
          'north-officer',
          buildInvoiceFinance({ recordId: 'INV-NONE', fingerprint: b.fingerprint, amount: 1 }),
        ),
      ).toBe(AppErrorCode.NOT_FOUND)
    })
  })

  describe('settle and cancel', () => {
    it('a financed invoice is settled by the financing bank only', async () => {
      const { id, fingerprint } = await registered()
      await chain.ok('north-officer', buildInvoiceFinance({ recordId: id, fingerprint, amount: 100_000 }))
      expect(await chain.code('south-officer', buildInvoiceSettle({ recordId: id }))).toBe(
        AppErrorCode.FORBIDDEN,
      )
      expect(await chain.code('south-officer', buildInvoiceCancel({ recordId: id, reason: 'x' }))).toBe(
        AppErrorCode.INVALID_TRANSITION,
      )
      expect(await chain.code('north-officer', buildInvoiceSettle({ recordId: id }))).toBe('ok')
      expect(await chain.code('north-officer', buildInvoiceSettle({ recordId: id }))).toBe(
        AppErrorCode.INVALID_TRANSITION,
      )
      const r = await chain.record(id)
      expect(r.history.map((e: { action: string; to: string }) => `${e.action}:${e.to}`)).toEqual([
        'invoice.register:registered',
        'invoice.finance:financed',
        'invoice.settle:settled',
      ])
    })

    it('an unfinanced invoice is settled or cancelled by the registering org only', async () => {
      const a = await registered()
      expect(await chain.code('north-officer', buildInvoiceSettle({ recordId: a.id }))).toBe(
        AppErrorCode.FORBIDDEN,
      )
      expect(await chain.code('north-officer', buildInvoiceCancel({ recordId: a.id, reason: 'x' }))).toBe(
        AppErrorCode.FORBIDDEN,
      )
      expect(await chain.code('south-officer', buildInvoiceCancel({ recordId: a.id, reason: 'x' }))).toBe(
        'ok',
      )
      expect(await chain.code('south-officer', buildInvoiceSettle({ recordId: a.id }))).toBe(
        AppErrorCode.INVALID_TRANSITION,
      )
    })
  })
})
