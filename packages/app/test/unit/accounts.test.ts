import { fromHex, toHex } from '@govchain/ledger'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildAccountRegister,
  buildAccountRevoke,
  buildAccountRotateKey,
  buildAccountSetRoles,
  buildAgencyDefineKind,
  buildCertificateIssue,
  buildLicenceApply,
  buildSubsidyRegisterBeneficiary,
  type AccountRole,
} from '../../src/index.js'
import { citizen } from '../fixtures.js'
import { key, TestChain } from '../harness.js'

/** Small-order (the identity point) and non-canonical (y = p) encodings. */
const WEAK_KEYS: [string, Uint8Array][] = [
  ['small-order identity point', fromHex('01' + '00'.repeat(31))],
  ['small-order point of order 2', fromHex('ec' + 'ff'.repeat(30) + '7f')],
  ['non-canonical y = p', fromHex('ed' + 'ff'.repeat(30) + '7f')],
]

const register = (member: string, name: string, roles: AccountRole[]) =>
  buildAccountRegister({ member, name, publicKey: key(name).publicKey, roles })

describe('accounts', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await TestChain.create()
  })

  describe('register', () => {
    it.each([
      ['an admin for its own agency', 'licensing-admin', 'city-licensing', ['licence-officer'], 'ok'],
      ['an admin for its own bank', 'north-admin', 'bank-north', ['loan-officer', 'finance-officer'], 'ok'],
      [
        'an admin for another organisation',
        'licensing-admin',
        'bank-north',
        ['admin'],
        AppErrorCode.FORBIDDEN,
      ],
      [
        'an admin, a role that does not fit a bank',
        'north-admin',
        'bank-north',
        ['licence-officer'],
        AppErrorCode.FORBIDDEN,
      ],
      [
        'an admin, a role that does not fit an agency',
        'licensing-admin',
        'city-licensing',
        ['loan-officer'],
        AppErrorCode.FORBIDDEN,
      ],
      ['an admin, audit role at the regulator', 'regulator-admin', 'regulator', ['audit-officer'], 'ok'],
      [
        'a non-admin officer',
        'licensing-officer',
        'city-licensing',
        ['licence-officer'],
        AppErrorCode.FORBIDDEN,
      ],
      ['an unregistered key', 'stranger', 'city-licensing', ['admin'], AppErrorCode.UNKNOWN_ACCOUNT],
    ] as [string, string, string, AccountRole[], string][])(
      '%s',
      async (what, signer, member, roles, expected) => {
        const name = `acct-${what.replace(/[^a-z]+/g, '-')}`.slice(0, 60)
        expect(await chain.check(signer, register(member, name, roles))).toBe(expected)
        expect(await chain.code(signer, register(member, name, roles))).toBe(expected)
        const account = (await chain.query('account', { publicKey: toHex(key(name).publicKey) })).value
        if (expected === 'ok') expect(account).toMatchObject({ member, name, roles, status: 'active' })
        else expect(account).toBeNull()
      },
    )

    it.each(WEAK_KEYS)('refuses a %s key with APP_WEAK_KEY', async (_what, publicKey) => {
      const draft = buildAccountRegister({
        member: 'city-licensing',
        name: 'weak',
        publicKey,
        roles: ['admin'],
      })
      expect(await chain.code('licensing-admin', draft)).toBe(AppErrorCode.WEAK_KEY)
      expect((await chain.query('account', { publicKey: toHex(publicKey) })).value).toBeNull()
    })

    it('refuses a key that is already registered, even to another organisation', async () => {
      const draft = buildAccountRegister({
        member: 'bank-south',
        name: 'copy',
        publicKey: key('north-officer').publicKey,
        roles: ['loan-officer'],
      })
      expect(await chain.code('south-admin', draft)).toBe(AppErrorCode.ALREADY_EXISTS)
    })

    it('a new account can act at once with its roles', async () => {
      await chain.ok('licensing-admin', register('city-licensing', 'fresh-officer', ['licence-officer']))
      const draft = buildLicenceApply({
        recordId: 'LIC-FRESH',
        agency: 'city-licensing',
        kind: 'business-licence',
        fields: citizen('LIC-FRESH'),
      })
      expect(await chain.code('fresh-officer', draft)).toBe('ok')
    })
  })

  describe('rotate key', () => {
    it('by the account itself: the old key stops working, the new one keeps name, org and roles', async () => {
      await chain.ok('registry-admin', register('civil-registry', 'rot-1', ['certificate-officer']))
      await chain.ok(
        'rot-1',
        buildAccountRotateKey({ publicKey: key('rot-1').publicKey, newPublicKey: key('rot-1b').publicKey }),
      )
      const issue = (id: string) =>
        buildCertificateIssue({ recordId: id, kind: 'residence', fields: citizen(id) })
      expect(await chain.code('rot-1', issue('CERT-ROT-A'))).toBe(AppErrorCode.ACCOUNT_INACTIVE)
      expect(await chain.code('rot-1b', issue('CERT-ROT-B'))).toBe('ok')
      const old = (await chain.query('account', { publicKey: toHex(key('rot-1').publicKey) }))
        .value as Record<string, unknown>
      const fresh = (await chain.query('account', { publicKey: toHex(key('rot-1b').publicKey) }))
        .value as Record<string, unknown>
      expect(old).toMatchObject({ status: 'rotated', rotatedTo: key('rot-1b').publicKey })
      expect(fresh).toMatchObject({
        status: 'active',
        name: 'rot-1',
        member: 'civil-registry',
        roles: ['certificate-officer'],
        rotatedFrom: key('rot-1').publicKey,
      })
    })

    it.each([
      ['an admin of the same org', 'registry-admin', 'ok'],
      ['an admin of another org', 'licensing-admin', AppErrorCode.FORBIDDEN],
      ['another officer of the same org', 'registry-officer', AppErrorCode.FORBIDDEN],
    ])('by %s', async (what, signer, expected) => {
      const name = `rot-${what.length}-${signer}`
      await chain.ok('registry-admin', register('civil-registry', name, ['certificate-officer']))
      const draft = buildAccountRotateKey({
        publicKey: key(name).publicKey,
        newPublicKey: key(`${name}-new`).publicKey,
      })
      expect(await chain.code(signer, draft)).toBe(expected)
    })

    it('refuses weak, used or inactive keys', async () => {
      await chain.ok('registry-admin', register('civil-registry', 'rot-x', ['certificate-officer']))
      const pk = key('rot-x').publicKey
      for (const [, weak] of WEAK_KEYS) {
        expect(await chain.code('rot-x', buildAccountRotateKey({ publicKey: pk, newPublicKey: weak }))).toBe(
          AppErrorCode.WEAK_KEY,
        )
      }
      expect(
        await chain.code(
          'rot-x',
          buildAccountRotateKey({ publicKey: pk, newPublicKey: key('registry-officer').publicKey }),
        ),
      ).toBe(AppErrorCode.ALREADY_EXISTS)
      expect(
        await chain.code(
          'registry-admin',
          buildAccountRotateKey({
            publicKey: key('nobody').publicKey,
            newPublicKey: key('nobody2').publicKey,
          }),
        ),
      ).toBe(AppErrorCode.NOT_FOUND)
      await chain.ok('registry-admin', buildAccountRevoke({ publicKey: pk, reason: 'left-office' }))
      expect(
        await chain.code(
          'registry-admin',
          buildAccountRotateKey({ publicKey: pk, newPublicKey: key('rot-x2').publicKey }),
        ),
      ).toBe(AppErrorCode.INVALID_TRANSITION)
    })
  })

  describe('revoke', () => {
    it.each([
      ['the account itself', 'self', 'ok'],
      ['an admin of its org', 'south-admin', 'ok'],
      ['an admin of another org', 'north-admin', AppErrorCode.FORBIDDEN],
      ['an officer of its org', 'south-officer', AppErrorCode.FORBIDDEN],
    ])('by %s', async (what, signer, expected) => {
      const name = `rev-${what.replace(/[^a-z]+/g, '-')}`.slice(0, 60)
      await chain.ok('south-admin', register('bank-south', name, ['loan-officer']))
      const draft = buildAccountRevoke({ publicKey: key(name).publicKey, reason: 'left-office' })
      expect(await chain.code(signer === 'self' ? name : signer, draft)).toBe(expected)
      const account = (await chain.query('account', { publicKey: toHex(key(name).publicKey) })).value as {
        status: string
      }
      expect(account.status).toBe(expected === 'ok' ? 'revoked' : 'active')
      if (expected === 'ok') {
        expect(
          await chain.code(name, buildAccountRevoke({ publicKey: key(name).publicKey, reason: 'again' })),
        ).toBe(AppErrorCode.ACCOUNT_INACTIVE)
        // a revoked key can never be registered again
        expect(await chain.code('south-admin', register('bank-south', name, ['loan-officer']))).toBe(
          AppErrorCode.ALREADY_EXISTS,
        )
      }
    })
  })

  describe('set roles', () => {
    const setRoles = (name: string, roles: AccountRole[]) =>
      buildAccountSetRoles({ publicKey: key(name).publicKey, roles })
    const issue = (id: string) =>
      buildCertificateIssue({ recordId: id, kind: 'residence', fields: citizen(id) })

    it('by an admin of its org: the key stays, the new roles count from the next transaction', async () => {
      await chain.ok('registry-admin', register('civil-registry', 'roles-1', ['subsidy-officer']))
      expect(await chain.code('roles-1', issue('CERT-ROLES-A'))).toBe(AppErrorCode.FORBIDDEN)
      await chain.ok('registry-admin', setRoles('roles-1', ['certificate-officer']))
      const changedAt = chain.height
      expect(await chain.code('roles-1', issue('CERT-ROLES-B'))).toBe('ok')
      expect(
        await chain.code(
          'roles-1',
          buildSubsidyRegisterBeneficiary({ recordId: 'BEN-ROLES', fields: citizen('BEN-ROLES') }),
        ),
      ).toBe(AppErrorCode.FORBIDDEN)
      const account = (await chain.query('account', { publicKey: toHex(key('roles-1').publicKey) }))
        .value as Record<string, unknown>
      expect(account).toMatchObject({
        status: 'active',
        name: 'roles-1',
        member: 'civil-registry',
        roles: ['certificate-officer'],
      })
      expect(account['updatedHeight']).toBe(changedAt)
    })

    it.each<[string, string, AccountRole[], string]>([
      ['an admin of another org', 'licensing-admin', ['certificate-officer'], AppErrorCode.FORBIDDEN],
      ['the account itself', 'self', ['certificate-officer', 'subsidy-officer'], AppErrorCode.FORBIDDEN],
      [
        'its admin, a role that does not fit an agency',
        'registry-admin',
        ['loan-officer'],
        AppErrorCode.FORBIDDEN,
      ],
    ])('refused: %s', async (what, signer, roles, expected) => {
      const name = `roles-${what.replace(/[^a-z]+/g, '-')}`.slice(0, 60)
      await chain.ok('registry-admin', register('civil-registry', name, ['certificate-officer']))
      expect(await chain.code(signer === 'self' ? name : signer, setRoles(name, roles))).toBe(expected)
      const account = (await chain.query('account', { publicKey: toHex(key(name).publicKey) })).value as {
        roles: string[]
      }
      expect(account.roles).toEqual(['certificate-officer'])
    })

    it('refuses an unknown or inactive account, and an empty role list', async () => {
      expect(await chain.code('registry-admin', setRoles('roles-nobody', ['certificate-officer']))).toBe(
        AppErrorCode.NOT_FOUND,
      )
      await chain.ok('registry-admin', register('civil-registry', 'roles-gone', ['certificate-officer']))
      await chain.ok(
        'registry-admin',
        buildAccountRevoke({ publicKey: key('roles-gone').publicKey, reason: 'left-office' }),
      )
      expect(await chain.code('registry-admin', setRoles('roles-gone', ['certificate-officer']))).toBe(
        AppErrorCode.INVALID_TRANSITION,
      )
      expect(() => setRoles('roles-gone', [])).toThrow(
        expect.objectContaining({ code: AppErrorCode.BAD_PAYLOAD }),
      )
    })
  })

  describe('agency.define-kind', () => {
    it('an agency admin adds a kind its officers can then use; duplicates are refused', async () => {
      const draft = buildAgencyDefineKind({ domain: 'certificate', kind: 'death' })
      expect(await chain.code('registry-officer', draft)).toBe(AppErrorCode.FORBIDDEN)
      expect(await chain.code('north-admin', draft)).toBe(AppErrorCode.FORBIDDEN)
      expect(
        await chain.code(
          'registry-officer',
          buildCertificateIssue({ recordId: 'CERT-D1', kind: 'death', fields: citizen('CERT-D1') }),
        ),
      ).toBe(AppErrorCode.NOT_FOUND)
      expect(await chain.code('registry-admin', draft)).toBe('ok')
      expect(await chain.code('registry-admin', draft)).toBe(AppErrorCode.ALREADY_EXISTS)
      expect(
        await chain.code(
          'registry-officer',
          buildCertificateIssue({ recordId: 'CERT-D1', kind: 'death', fields: citizen('CERT-D1') }),
        ),
      ).toBe('ok')
      const config = (await chain.query('config')).value as { certificateKinds: Record<string, string[]> }
      expect(config.certificateKinds['civil-registry']).toContain('death')
    })
  })
})
