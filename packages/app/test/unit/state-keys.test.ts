/**
 * The key layout (state-keys.ts) byte for byte: keys are built in one array, and must equal the
 * UTF-8 of the documented `<table>:<id>` forms for any id (ASCII or not).
 */
import fc from 'fast-check'
import { concatBytes, toHex, utf8 } from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import { accountKey, historyKey, invoiceFingerprintKey, memberKey, recordKey } from '../../src/index.js'

const text = (s: string) => utf8.encode(s)
const hex = (b: Uint8Array) => toHex(b)

describe('state keys', () => {
  it('are the UTF-8 of their documented forms', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 20 })),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (id, seq, bytes) => {
          expect(hex(recordKey(id))).toBe(hex(text(`rec:${id}`)))
          expect(hex(memberKey(id))).toBe(hex(text(`mbr:${id}`)))
          const n = Uint8Array.of(seq >>> 24, (seq >>> 16) & 0xff, (seq >>> 8) & 0xff, seq & 0xff)
          expect(hex(historyKey(id, seq))).toBe(hex(concatBytes(text(`hist:${id}\0`), n)))
          expect(hex(accountKey(bytes))).toBe(hex(concatBytes(text('acct:'), bytes)))
          expect(hex(invoiceFingerprintKey(bytes))).toBe(hex(concatBytes(text('invfp:'), bytes)))
        },
      ),
      { numRuns: 2000 },
    )
  })
})
