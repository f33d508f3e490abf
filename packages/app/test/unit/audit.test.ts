import { sha256, toHex, utf8 } from '@govchain/ledger'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildAuditNote,
  buildCertificateIssue,
  buildInvoiceRegister,
  buildLicenceApply,
  buildLoanApply,
  buildRecordErase,
  TX_TYPES,
} from '../../src/index.js'
import { citizen, fp } from '../fixtures.js'
import { key, TestChain } from '../harness.js'

const text = (b: Uint8Array) => new TextDecoder().decode(b)

describe('erasure, audit notes and queries', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await TestChain.create()
    await chain.ok(
      'licensing-officer',
      buildLicenceApply({
        recordId: 'LIC-A',
        agency: 'city-licensing',
        kind: 'business-licence',
        fields: citizen('LIC-A'),
      }),
    )
    await chain.ok(
      'registry-officer',
      buildCertificateIssue({ recordId: 'CERT-A', kind: 'residence', fields: citizen('CERT-A') }),
    )
    await chain.ok(
      'north-officer',
      buildLoanApply({ recordId: 'LOAN-A', amount: 10, currency: 'EUR', fields: citizen('LOAN-A') }),
    )
    await chain.ok(
      'south-officer',
      buildInvoiceRegister({
        recordId: 'INV-A',
        fingerprint: fp('A'),
        amount: 10,
        currency: 'EUR',
        fields: {},
      }),
    )
  })

  describe('record.erase', () => {
    it.each([
      ['the owner’s domain officer', 'LIC-A', 'licensing-officer', 'ok'],
      ['the owner’s admin', 'CERT-A', 'registry-admin', 'ok'],
      ['another organisation’s admin', 'LOAN-A', 'south-admin', AppErrorCode.FORBIDDEN],
      ['the lending bank’s loan officer', 'LOAN-A', 'north-officer', 'ok'],
      ['the regulator', 'INV-A', 'regulator-inspector', AppErrorCode.FORBIDDEN],
      ['a record without personal data', 'SUB-HOUSING-2025', 'socsec-admin', AppErrorCode.INVALID_TRANSITION],
      ['an unknown record', 'NOPE', 'socsec-admin', AppErrorCode.NOT_FOUND],
    ])('by %s', async (_w, recordId, signer, expected) => {
      const before = await chain.record(recordId)
      expect(await chain.code(signer, buildRecordErase({ recordId, reason: 'citizen-request' }))).toBe(
        expected,
      )
      const after = await chain.record(recordId)
      if (expected === 'ok') {
        expect(after.record.erasedHeight).toBe(chain.height)
        expect(after.record.status).toBe(before.record.status)
        expect(after.record.fields).toEqual(before.record.fields) // commitments stay; they reveal nothing without salts
        expect(after.history.at(-1)).toMatchObject({
          action: 'record.erase',
          details: { reason: 'citizen-request' },
        })
        expect(await chain.code(signer, buildRecordErase({ recordId, reason: 'again' }))).toBe(
          AppErrorCode.ERASED,
        )
      } else if (before !== null) {
        expect(after.record).toEqual(before.record)
      }
    })
  })

  describe('audit.note', () => {
    const finding = sha256(utf8.encode('audit report 2025-Q1'))
    it.each([
      ['the regulator’s inspector', 'regulator-inspector', 'ok'],
      ['the auditor’s inspector', 'auditor-inspector', 'ok'],
      ['the regulator’s admin', 'regulator-admin', AppErrorCode.FORBIDDEN],
      ['an agency officer', 'licensing-officer', AppErrorCode.FORBIDDEN],
    ])('by %s', async (_w, signer, expected) => {
      const before = (await chain.record('SUB-HOUSING-2025')).historyTotal
      expect(
        await chain.code(
          signer,
          buildAuditNote({ recordId: 'SUB-HOUSING-2025', finding, severity: 'warning' }),
        ),
      ).toBe(expected)
      const after = await chain.record('SUB-HOUSING-2025')
      expect(after.historyTotal).toBe(before + (expected === 'ok' ? 1 : 0))
      if (expected === 'ok') {
        expect(after.history.at(-1)).toMatchObject({
          action: 'audit.note',
          details: { finding, severity: 'warning' },
        })
        expect(toHex(after.history.at(-1).actor)).toBe(toHex(key(signer).publicKey))
      }
    })
    it('on an unknown record is APP_NOT_FOUND', async () => {
      expect(
        await chain.code(
          'auditor-inspector',
          buildAuditNote({ recordId: 'NOPE', finding, severity: 'info' }),
        ),
      ).toBe(AppErrorCode.NOT_FOUND)
    })
  })

  describe('queries name the state keys that prove them', () => {
    it('record: the record key and one key per returned history entry', async () => {
      const q = await chain.query('record', { id: 'LIC-A' })
      const value = q.value as { historyTotal: number; history: unknown[] }
      expect(q.proveKeys!.map(text)).toEqual([
        'rec:LIC-A',
        ...value.history.map((_, i) => `hist:LIC-A\0${String.fromCharCode(0, 0, 0, i)}`),
      ])
    })
    it('account, member, members, validators, proposals, config, invoice', async () => {
      const acct = await chain.query('account', { publicKey: toHex(key('north-officer').publicKey) })
      expect(acct.value).toMatchObject({ member: 'bank-north', name: 'north-officer' })
      expect(text(acct.proveKeys![0]!.subarray(0, 5))).toBe('acct:')
      const member = await chain.query('member', { id: 'regulator' })
      expect(member.value).toMatchObject({ id: 'regulator', roles: ['regulator'], status: 'active' })
      expect(member.proveKeys!.map(text)).toEqual(['mbr:regulator'])
      const members = await chain.query('members')
      expect((members.value as unknown[]).length).toBe(7)
      expect(members.proveKeys!.map(text)[0]).toBe('sys:members')
      expect((await chain.query('validators')).proveKeys!.map(text)).toEqual(['sys:validators'])
      expect((await chain.query('proposals')).value).toEqual([])
      expect((await chain.query('proposal', { id: 'LIC-A' })).value).toBeNull()
      expect((await chain.query('proposal', { id: 'LIC-A' })).proveKeys!.map(text)).toEqual(['rec:LIC-A'])
      expect((await chain.query('config')).proveKeys!.map(text)).toEqual(['sys:config'])
      const none = await chain.query('invoice', { fingerprint: toHex(fp('never')) })
      expect(none.value).toBeNull()
      expect(none.proveKeys).toHaveLength(1)
      expect((await chain.query('account', { publicKey: toHex(key('nobody').publicKey) })).value).toBeNull()
    })
    it('tx-types lists every type with its permissions and payload fields', async () => {
      const v = (await chain.query('tx-types')).value as Record<string, { payload: Record<string, string> }>
      expect(Object.keys(v)).toEqual([...TX_TYPES])
      expect(Object.keys(v['invoice.finance']!.payload)).toEqual(['recordId', 'fingerprint', 'amount'])
    })
    it.each([
      ['record', {}, AppErrorCode.BAD_QUERY],
      ['record', { id: 'bad id' }, AppErrorCode.BAD_QUERY],
      ['record', { id: 'LIC-A', historyLimit: '5000' }, AppErrorCode.BAD_QUERY],
      ['record', { id: 'LIC-A', historyFrom: '-1' }, AppErrorCode.BAD_QUERY],
      ['account', { publicKey: 'zz' }, AppErrorCode.BAD_QUERY],
      ['invoice', {}, AppErrorCode.BAD_QUERY],
      ['balances', {}, AppErrorCode.UNKNOWN_QUERY],
    ])('%s %j → %s', async (path, params, code) => {
      await expect(chain.query(path, params as Record<string, string>)).rejects.toMatchObject({ code })
    })
  })
})
