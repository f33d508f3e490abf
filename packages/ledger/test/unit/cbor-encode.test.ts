/**
 * The canonical writer (cbor-encode.ts) must produce exactly cborg's bytes for every value —
 * cborg is the reference it replaced for speed. Differential property tests on random values,
 * plus the boundaries where the head form changes.
 */
import { encode as cborgEncode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeCanonical } from '../../src/cbor-encode.js'
import { decode, toHex } from '../../src/index.js'
import { hasLeadingBom } from '../helpers/bom.js'

const same = (v: unknown): void => {
  if (hasLeadingBom(v)) {
    expect(() => encodeCanonical(v)).toThrow(expect.objectContaining({ code: 'ENCODE_UNSUPPORTED_TEXT' }))
    return
  }
  expect(toHex(encodeCanonical(v))).toBe(toHex(cborgEncode(v)))
}

const boundaries = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1].flatMap((n) =>
  [n, -n, -n - 1].filter((x) => Number.isSafeInteger(x)),
)

const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('a', 'b', 'aa', 'ab', 'B', '10', '9', 'é', 'z', 'zz', '\u{1f600}'),
)
const leaf = fc.oneof(
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(...boundaries),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', minLength: 20, maxLength: 60 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.boolean(),
  fc.constantFrom(null, undefined),
)
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('v'), { maxLength: 6 }),
  obj: fc.dictionary(key, tie('v'), { maxKeys: 8 }),
})).v

describe('canonical CBOR writer', () => {
  it.each(boundaries.map((n) => [n]))('integer %d', (n) => same(n))

  it.each([
    ['empty text', ''],
    ['long ASCII text', 'x'.repeat(70_000)],
    ['lone surrogate', 'a\ud800b'],
    ['big bytes', new Uint8Array(300_000).fill(7)],
    ['sorted keys', { bb: 1, a: 2, c: 3, aa: 4, é: 5, '10': 6, '9': 7 }],
    ['nested', [1, [2, [3, { x: [new Uint8Array(3), null, true, false] }]]]],
    ['floats', [1.5, -0, NaN, Infinity, -Infinity, 2 ** 60, 1e-300]],
    ['undefined member', { a: undefined }],
    ['keys that join alike (1)', { 'a\u0000b': 1, c: 2 }],
    ['keys that join alike (2)', { a: 1, 'b\u0000c': 2 }],
    ['same keys, other insertion order', { c: 1, a: 2, b: 3 }],
    ['same keys, other insertion order again', { b: 1, c: 2, a: 3 }],
    ['a key "constructor"', { constructor: [{ b: 1, a: 2 }], a: 'x' }],
    ['a map without a prototype', Object.assign(Object.create(null) as object, { b: [1], a: 'x' })],
    [
      'a Map',
      new Map<unknown, unknown>([
        ['b', 1],
        ['a', 2],
      ]),
    ],
  ])('%s', (_name, v) => same(v))

  it.each([
    ['a text', '\ufeffx'],
    ['a map key', { '\ufeff': 0 }],
    ['a nested text', [1, { a: ['\ufeff'] }]],
    ['a key under a key "constructor"', { constructor: [{ a: { '\ufeff': '' } }] }],
    [
      'a text in a map without a prototype',
      { '': Object.assign(Object.create(null) as object, { '': '\ufeff' }) },
    ],
  ])('refuses a leading byte-order mark in %s (decoders drop it), with a coded error', (_name, v) => {
    expect(hasLeadingBom(v)).toBe(true)
    same(v)
  })

  it('keeps a byte-order mark that does not start its text, and it round-trips', () => {
    same('a\ufeff')
    expect(decode(encodeCanonical({ k: 'x\ufeffy' }), 1024)).toEqual({ k: 'x\ufeffy' })
  })

  it('matches cborg on random values', () => {
    fc.assert(fc.property(value, same), { numRuns: 2000 })
  })

  it('returns a fresh array each time', () => {
    const a = encodeCanonical([1, 2])
    const b = encodeCanonical([3, 4])
    expect(toHex(a)).toBe('820102')
    expect(toHex(b)).toBe('820304')
  })
})
