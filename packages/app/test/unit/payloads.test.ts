import fc from 'fast-check'
import { encode, type Encodable } from '@govchain/ledger'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildTx,
  decodePayload,
  encodePayload,
  MAX_PAYLOAD_BYTES,
  PAYLOAD_SCHEMAS,
  payloadFromJson,
  toJsonValue,
  TX_TYPES,
  TxType,
  type Schema,
  type TxDraft,
} from '../../src/index.js'
import { SAMPLE_PAYLOADS } from '../fixtures.js'
import { TestChain } from '../harness.js'

function errorOf(fn: () => unknown): { code: string; field?: unknown } | null {
  try {
    fn()
    return null
  } catch (e) {
    const err = e as { code: string; details?: { field?: unknown } }
    return { code: err.code, field: err.details?.field }
  }
}

/** Values of every CBOR kind, to put where a field expects another. */
const WRONG_VALUES: Encodable[] = [
  null,
  -1,
  0,
  2 ** 53 - 1,
  '',
  'x'.repeat(300),
  'with space',
  true,
  new Uint8Array(0),
  new Uint8Array(31),
  new Uint8Array(33),
  [],
  [1, 2, 3],
  {},
  { a: 1 },
]

const MALFORMED_SIGNER: Record<TxType, string> = Object.fromEntries(
  TX_TYPES.map((t) => [t, 'licensing-admin']),
) as Record<TxType, string>

describe('payload schemas', () => {
  it.each(TX_TYPES)('%s: a valid payload round-trips through bytes and JSON', (type) => {
    const sample = SAMPLE_PAYLOADS[type]
    const bytes = encodePayload(type, sample as never)
    expect(decodePayload(type, bytes)).toEqual(sample)
    const json = JSON.parse(JSON.stringify(toJsonValue(sample)))
    expect(payloadFromJson(type, json)).toEqual(sample)
    expect(buildTx(type, sample as never).payload).toEqual(bytes)
  })

  it.each(TX_TYPES)(
    '%s: every missing, unknown or wrong-typed field is APP_BAD_PAYLOAD naming the field',
    (type) => {
      const schema: Schema = PAYLOAD_SCHEMAS[type]
      const sample = SAMPLE_PAYLOADS[type] as unknown as Record<string, Encodable>
      let cases = 0
      for (const fieldName of Object.keys(schema)) {
        const { [fieldName]: _dropped, ...missing } = sample
        expect(errorOf(() => decodePayload(type, encode(missing)))).toEqual({
          code: AppErrorCode.BAD_PAYLOAD,
          field: fieldName,
        })
        cases++
        for (const wrong of WRONG_VALUES) {
          if (errorOf(() => schema[fieldName]!.read(wrong, fieldName)) === null) continue // valid for this field
          const err = errorOf(() => decodePayload(type, encode({ ...sample, [fieldName]: wrong })))
          expect(err?.code).toBe(AppErrorCode.BAD_PAYLOAD)
          expect(String(err?.field).startsWith(fieldName)).toBe(true)
          cases++
        }
      }
      expect(errorOf(() => decodePayload(type, encode({ ...sample, extra: 1 })))).toEqual({
        code: AppErrorCode.BAD_PAYLOAD,
        field: 'extra',
      })
      expect(cases).toBeGreaterThan(Object.keys(schema).length)
    },
  )

  it.each(TX_TYPES)('%s: non-map, non-canonical, truncated and oversized payloads are refused', (type) => {
    const bytes = encodePayload(type, SAMPLE_PAYLOADS[type] as never)
    expect(bytes[0]! >> 5).toBe(5) // a CBOR map with < 24 entries: 0xa0 + n
    const entries = bytes[0]! & 0x1f
    const indefinite = Uint8Array.of(0xbf, ...bytes.subarray(1), 0xff)
    const longHeader = Uint8Array.of(0xb8, entries, ...bytes.subarray(1))
    for (const bad of [
      encode([1, 2]),
      encode('payload'),
      encode(null),
      new Uint8Array(0),
      indefinite,
      longHeader,
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.of(...bytes, 0x00),
    ]) {
      expect(errorOf(() => decodePayload(type, bad))?.code).toBe(AppErrorCode.BAD_PAYLOAD)
    }
    const big = new Uint8Array(MAX_PAYLOAD_BYTES[type] + 1)
    expect(errorOf(() => decodePayload(type, big))?.code).toBe(AppErrorCode.PAYLOAD_TOO_LARGE)
  })

  it.each([
    {
      type: 'add-member',
      member: { id: 'fintech', name: 'Fintech Bank', roles: ['bank'], peerIds: ['12D3KooWx'] },
      admin: { name: 'fintech-admin', publicKey: 'ab'.repeat(32) },
    },
    { type: 'remove-member', memberId: 'auditor' },
    {
      type: 'add-admin',
      memberId: 'social-security',
      admin: { name: 'socsec-admin-2', publicKey: 'ef'.repeat(32) },
    },
    {
      type: 'set-validators',
      validators: [{ publicKey: 'cd'.repeat(32), power: 2, member: 'bank-north', name: 'bank-north-node-1' }],
    },
  ])('gov.propose JSON with a $type action converts hex keys to bytes and back', (action) => {
    const json = { recordId: 'PROP-J', action, deadlineHeight: 10 }
    const payload = payloadFromJson(TxType.govPropose, json)
    expect(payload.document).toBeNull()
    expect(toJsonValue(decodePayload(TxType.govPropose, encodePayload(TxType.govPropose, payload)))).toEqual({
      ...json,
      document: null,
    })
    expect(
      errorOf(() => payloadFromJson(TxType.govPropose, { ...json, action: { ...action, type: 'dissolve' } })),
    ).toEqual({
      code: AppErrorCode.BAD_PAYLOAD,
      field: 'action.type',
    })
  })

  it('builders refuse invalid input with the same codes', () => {
    expect(errorOf(() => buildTx(TxType.licenceApprove, { recordId: 'bad id' }))).toEqual({
      code: AppErrorCode.BAD_PAYLOAD,
      field: 'recordId',
    })
    expect(
      errorOf(() =>
        buildTx(TxType.invoiceRegister, {
          recordId: 'INV-1',
          fingerprint: new Uint8Array(32),
          amount: 0,
          currency: 'EUR',
          fields: {},
        }),
      ),
    ).toEqual({ code: AppErrorCode.BAD_PAYLOAD, field: 'amount' })
    expect(errorOf(() => buildTx(TxType.govVote, { recordId: 'P', vote: 'maybe' as 'yes' }))?.code).toBe(
      AppErrorCode.BAD_PAYLOAD,
    )
    const tooManyFields = Object.fromEntries(
      Array.from({ length: 17 }, (_, i) => [`f${i}`, new Uint8Array(32)]),
    )
    expect(
      errorOf(() =>
        buildTx(TxType.loanApply, { recordId: 'L', amount: 1, currency: 'EUR', fields: tooManyFields }),
      ),
    ).toEqual({ code: AppErrorCode.BAD_PAYLOAD, field: 'fields' })
  })

  it('random bytes and random CBOR values never decode as any payload', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TX_TYPES),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.jsonValue().map((v) => encode(v as Encodable)),
        ),
        (type, bytes) => {
          const err = errorOf(() => decodePayload(type, bytes))
          expect([AppErrorCode.BAD_PAYLOAD, AppErrorCode.PAYLOAD_TOO_LARGE]).toContain(err?.code)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('a corrupted valid payload is either refused with a payload code or decodes to a schema-valid payload', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TX_TYPES),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (type, at, byte) => {
          const bytes = encodePayload(type, SAMPLE_PAYLOADS[type] as never).slice()
          bytes[at % bytes.length] = byte
          const err = errorOf(() => decodePayload(type, bytes))
          if (err !== null)
            expect([AppErrorCode.BAD_PAYLOAD, AppErrorCode.PAYLOAD_TOO_LARGE]).toContain(err.code)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('malformed payloads through the application', () => {
  let chain: TestChain
  beforeAll(async () => {
    chain = await TestChain.create()
  })

  async function expectRefusedUnchanged(draft: TxDraft, codes: string[]): Promise<void> {
    const before = chain.state.snapshot()
    const signer = MALFORMED_SIGNER[draft.type as TxType] ?? 'licensing-admin'
    expect(codes).toContain(await chain.check(signer, draft))
    const r = await chain.run(signer, draft)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(codes).toContain(r.code)
    expect(chain.state.snapshot()).toEqual(before)
  }

  it.each(TX_TYPES)(
    '%s: malformed payloads are refused by checkTx and deliverTx and change nothing',
    async (type) => {
      const sample = SAMPLE_PAYLOADS[type] as unknown as Record<string, Encodable>
      const firstField = Object.keys(sample)[0]!
      const cases: Uint8Array[] = [
        encode([sample[firstField]!]),
        encode({ ...sample, extra: 'x' }),
        encode({ ...sample, [firstField]: new Uint8Array(7) }),
        encodePayload(type, sample as never).subarray(1),
      ]
      for (const payload of cases) await expectRefusedUnchanged({ type, payload }, [AppErrorCode.BAD_PAYLOAD])
      await expectRefusedUnchanged({ type, payload: new Uint8Array(MAX_PAYLOAD_BYTES[type] + 1) }, [
        AppErrorCode.PAYLOAD_TOO_LARGE,
      ])
    },
  )

  it('an unknown transaction type is APP_UNKNOWN_TX_TYPE and changes nothing', async () => {
    await expectRefusedUnchanged({ type: 'licence.teleport' as TxType, payload: encode({}) }, [
      AppErrorCode.UNKNOWN_TX_TYPE,
    ])
  })

  it('random payloads for random types change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...TX_TYPES),
        fc.uint8Array({ maxLength: 200 }),
        async (type, payload) => {
          await expectRefusedUnchanged({ type, payload }, [
            AppErrorCode.BAD_PAYLOAD,
            AppErrorCode.PAYLOAD_TOO_LARGE,
          ])
        },
      ),
      { numRuns: 200 },
    )
  })
})
