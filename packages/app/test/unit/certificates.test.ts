import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildCertificateAmend,
  buildCertificateIssue,
  buildCertificateRevoke,
  buildRecordErase,
} from '../../src/index.js'
import { citizen, commit } from '../fixtures.js'
import { TestChain } from '../harness.js'

const issue = (recordId: string, kind = 'residence', validUntilHeight: number | null = null) =>
  buildCertificateIssue({ recordId, kind, fields: citizen(recordId), validUntilHeight })

describe('certificates', () => {
  let chain: TestChain
  let n = 0
  const nextId = () => `CERT-${++n}`
  beforeAll(async () => {
    chain = await TestChain.create()
  })

  describe('issue', () => {
    it.each([
      ['the civil registry’s officer, residence', 'registry-officer', 'residence', 'ok'],
      ['social security’s officer, contribution record', 'socsec-officer', 'contribution-record', 'ok'],
      [
        'social security’s officer, a kind only the registry issues',
        'socsec-officer',
        'residence',
        AppErrorCode.NOT_FOUND,
      ],
      ['an unknown kind', 'registry-officer', 'passport', AppErrorCode.NOT_FOUND],
      ['an agency admin without the certificate role', 'registry-admin', 'residence', AppErrorCode.FORBIDDEN],
      ['the licensing agency’s licence officer', 'licensing-officer', 'residence', AppErrorCode.FORBIDDEN],
      ['a bank', 'north-officer', 'residence', AppErrorCode.FORBIDDEN],
      ['the auditor', 'auditor-inspector', 'residence', AppErrorCode.FORBIDDEN],
    ])('by %s', async (_what, signer, kind, expected) => {
      const id = nextId()
      expect(await chain.code(signer, issue(id, kind))).toBe(expected)
      const r = await chain.record(id)
      if (expected === 'ok')
        expect(r.record).toMatchObject({ type: 'certificate', status: 'valid', version: 1, kind })
      else expect(r).toBeNull()
    })

    it('refuses an id in use and a validity that is already over', async () => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id))
      expect(await chain.code('registry-officer', issue(id))).toBe(AppErrorCode.ALREADY_EXISTS)
      expect(await chain.code('registry-officer', issue(nextId(), 'residence', chain.height))).toBe(
        AppErrorCode.BAD_HEIGHT,
      )
    })
  })

  describe('amend and revoke', () => {
    it.each([
      ['the issuing agency’s officer', 'registry-officer', 'ok'],
      ['another agency’s certificate officer', 'socsec-officer', AppErrorCode.FORBIDDEN],
      ['the issuing agency’s admin', 'registry-admin', AppErrorCode.FORBIDDEN],
      ['a regulator', 'regulator-inspector', AppErrorCode.FORBIDDEN],
    ])('by %s', async (_what, signer, expected) => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id))
      const amend = buildCertificateAmend({
        recordId: id,
        fields: commit(id, { address: '2 New Road' }),
        reason: 'moved',
      })
      expect(await chain.code(signer, amend)).toBe(expected)
      expect(
        await chain.code(signer, buildCertificateRevoke({ recordId: id, reason: 'issued-in-error' })),
      ).toBe(expected)
      const r = await chain.record(id)
      expect(r.record.status).toBe(expected === 'ok' ? 'revoked' : 'valid')
      expect(r.record.version).toBe(expected === 'ok' ? 2 : 1)
    })

    it('an amendment replaces only the given fields, bumps the version and is kept in history', async () => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id))
      const before = (await chain.record(id)).record
      const newAddress = commit(id, { address: '2 New Road' })
      await chain.ok(
        'registry-officer',
        buildCertificateAmend({ recordId: id, fields: newAddress, reason: 'moved' }),
      )
      const r = await chain.record(id)
      expect(r.record.version).toBe(2)
      expect(r.record.fields.address).toEqual(newAddress.address)
      expect(r.record.fields.name).toEqual(before.fields.name)
      expect(r.history.at(-1)).toMatchObject({
        action: 'certificate.amend',
        from: 'valid',
        to: 'valid',
        details: { reason: 'moved', fields: 'address' },
      })
    })

    it('invalid transitions: amend or revoke a revoked certificate; amend after erasure', async () => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id))
      await chain.ok('registry-officer', buildCertificateRevoke({ recordId: id, reason: 'issued-in-error' }))
      expect(
        await chain.code('registry-officer', buildCertificateRevoke({ recordId: id, reason: 'again' })),
      ).toBe(AppErrorCode.INVALID_TRANSITION)
      expect(
        await chain.code(
          'registry-officer',
          buildCertificateAmend({ recordId: id, fields: commit(id, { a: 'b' }), reason: 'x' }),
        ),
      ).toBe(AppErrorCode.INVALID_TRANSITION)
      const id2 = nextId()
      await chain.ok('registry-officer', issue(id2))
      await chain.ok('registry-admin', buildRecordErase({ recordId: id2, reason: 'citizen-request' }))
      expect(
        await chain.code(
          'registry-officer',
          buildCertificateAmend({ recordId: id2, fields: commit(id2, { a: 'b' }), reason: 'x' }),
        ),
      ).toBe(AppErrorCode.ERASED)
      // status changes are still possible after erasure
      expect(
        await chain.code('registry-officer', buildCertificateRevoke({ recordId: id2, reason: 'deceased' })),
      ).toBe('ok')
    })

    it('amend / revoke of an unknown id, or of another record type, is APP_NOT_FOUND', async () => {
      expect(
        await chain.code('registry-officer', buildCertificateRevoke({ recordId: 'NOPE', reason: 'x' })),
      ).toBe(AppErrorCode.NOT_FOUND)
      expect(
        await chain.code(
          'registry-officer',
          buildCertificateRevoke({ recordId: 'SUB-HOUSING-2025', reason: 'x' }),
        ),
      ).toBe(AppErrorCode.NOT_FOUND)
    })

    it('a revoked certificate stays provable as revoked: the record key is named for the proof', async () => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id))
      await chain.ok('registry-officer', buildCertificateRevoke({ recordId: id, reason: 'moved-away' }))
      const q = await chain.query('record', { id })
      expect((q.value as { record: { status: string } }).record.status).toBe('revoked')
      expect(new TextDecoder().decode(q.proveKeys![0])).toBe(`rec:${id}`)
      const missing = await chain.query('record', { id: 'NEVER-ISSUED' })
      expect(missing.value).toBeNull()
      expect(new TextDecoder().decode(missing.proveKeys![0])).toBe('rec:NEVER-ISSUED')
    })

    it('a certificate past its validUntilHeight shows as expired', async () => {
      const id = nextId()
      await chain.ok('registry-officer', issue(id, 'residence', chain.height + 2))
      expect((await chain.record(id)).effectiveStatus).toBe('valid')
      await chain.emptyBlocks(2)
      expect((await chain.record(id)).effectiveStatus).toBe('expired')
    })
  })
})
