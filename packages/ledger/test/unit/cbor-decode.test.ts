/**
 * The decoder's fast path (cbor-decode.ts) must never change a verdict: whatever it accepts, the
 * strict path (cborg strict decode, no floats, re-encodes to the same bytes) accepts with an
 * equal value. Differential property tests on canonical encodings of random values and on
 * random mutations of them, plus the boundaries where it must give up.
 */
import { decode as cborgDecode } from 'cborg'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCanonicalFast } from '../../src/cbor-decode.js'
import { encodeCanonical } from '../../src/cbor-encode.js'
import { DECODE_OPTIONS } from '../../src/encoding.js'
import { decode, equalBytes, fromHex } from '../../src/index.js'
import { hasLeadingBom } from '../helpers/bom.js'

/** The strict path alone, as encoding.ts ran it before the fast path: the value or undefined. */
function strict(bytes: Uint8Array): { value: unknown } | undefined {
  try {
    const value: unknown = cborgDecode(bytes, DECODE_OPTIONS)
    if (!noFloats(value, 0)) return undefined
    return equalBytes(encodeCanonical(value), bytes) ? { value } : undefined
  } catch {
    return undefined
  }
}

function noFloats(v: unknown, depth: number): boolean {
  if (depth > 64) return false
  if (typeof v === 'number') return Number.isSafeInteger(v)
  if (Array.isArray(v)) return v.every((x) => noFloats(x, depth + 1))
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array))
    return Object.values(v).every((x) => noFloats(x, depth + 1))
  return true
}

/** Same value, same shape: plain arrays, plain objects with keys in the same order, plain Uint8Arrays. */
function expectSame(a: unknown, b: unknown): void {
  if (a instanceof Uint8Array) {
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype)
    expect(Object.getPrototypeOf(b)).toBe(Uint8Array.prototype)
    expect(equalBytes(a, b as Uint8Array)).toBe(true)
  } else if (Array.isArray(a)) {
    expect(Array.isArray(b)).toBe(true)
    expect((b as unknown[]).length).toBe(a.length)
    a.forEach((x, i) => expectSame(x, (b as unknown[])[i]))
  } else if (a !== null && typeof a === 'object') {
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(b)).toBe(Object.prototype)
    expect(Object.keys(b as object)).toEqual(Object.keys(a))
    for (const k of Object.keys(a))
      expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  } else {
    expect(b).toBe(a)
  }
}

/** The fast path gives up or agrees with the strict path. */
function agrees(bytes: Uint8Array): boolean {
  const fast = decodeCanonicalFast(bytes)
  if (fast === undefined) return false
  const reference = strict(bytes)
  expect(reference).toBeDefined()
  expectSame(reference!.value, fast.value)
  return true
}

const boundaries = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 2, 2 ** 53 - 1]
  .flatMap((n) => [n, -n, -n - 1])
  .filter((x) => Number.isSafeInteger(x))

const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('a', 'b', 'aa', 'ab', 'B', '10', '9', 'é', 'z', '__proto__', 'constructor'),
)
const leaf = fc.oneof(
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.constantFrom(...boundaries),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 60, maxLength: 5000 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.boolean(),
  fc.constant(null),
)
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('v'), { maxLength: 6 }),
  obj: fc.dictionary(key, tie('v'), { maxKeys: 8 }),
})).v

describe('fast canonical CBOR decoding', () => {
  it.each(boundaries.map((n) => [n]))('integer %d', (n) => {
    expect(agrees(encodeCanonical(n))).toBe(true)
  })

  it('agrees with the strict path on canonical encodings of random values', () => {
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(!hasLeadingBom(v)) // refused by the writer (cbor-encode.test.ts)
        const bytes = encodeCanonical(v)
        agrees(bytes)
        // And decode() as a whole returns the strict path's value.
        expectSame(strict(bytes)!.value, decode(bytes, 1 << 20))
      }),
      { numRuns: 3000 },
    )
  })

  it('never accepts what the strict path refuses (random mutations)', () => {
    fc.assert(
      fc.property(
        value,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
        (v, edits) => {
          fc.pre(!hasLeadingBom(v)) // refused by the writer (cbor-encode.test.ts)
          const bytes = encodeCanonical(v).slice()
          for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b
          agrees(bytes)
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('never accepts what the strict path refuses (random bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => void agrees(bytes)),
      { numRuns: 20000 },
    )
  })

  it.each([
    ['non-minimal integer', '1801'],
    ['non-minimal 16-bit', '190017'],
    ['non-minimal 32-bit', '1a0000ffff'],
    ['non-minimal 64-bit', '1b00000000ffffffff'],
    ['integer beyond 2^53', '1b0020000000000000'],
    ['negative beyond -2^53 + 1', '3b001fffffffffffff'],
    ['indefinite-length array', '9f01ff'],
    ['a tag', 'c11a514b67b0'],
    ['undefined', 'f7'],
    ['half float', 'f93c00'],
    ['non-ASCII text', '62c3a9'],
    ['unsorted map keys', 'a2616201616101'],
    ['duplicate map keys', 'a2616101616102'],
    ['shorter key after longer', 'a2626161016162' + '02'],
    ['__proto__ key', 'a1695f5f70726f746f5f5f01'],
    ['integer map key', 'a10101'],
    ['trailing bytes', '0101'],
    ['truncated', '8301'],
    ['truncated bytes', '4401'],
    ['empty input', ''],
  ])('gives up on %s', (_name, hex) => {
    expect(decodeCanonicalFast(fromHex(hex))).toBeUndefined()
  })

  it('gives up on deep nesting', () => {
    const deep = new Uint8Array(100).fill(0x81)
    deep[99] = 0x01
    expect(decodeCanonicalFast(deep)).toBeUndefined()
  })

  it('returns the right text when short texts share a slot of the recent-text table', () => {
    // 20,000 texts of 0–8 characters over a small alphabet: many repeats (hits) and many texts of
    // one length landing in a slot held by another (misses that must not return the other).
    const texts = fc.sample(fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '1'), maxLength: 8 }), {
      numRuns: 20_000,
      seed: 7,
    })
    for (let i = 0; i < texts.length; i += 100) {
      const chunk = texts.slice(i, i + 100)
      expect(decodeCanonicalFast(encodeCanonical(chunk))!.value).toEqual(chunk)
      expect(decodeCanonicalFast(encodeCanonical(chunk.reverse()))!.value).toEqual(chunk)
    }
  })

  it('with byte views, gives values equal to the copies, as plain arrays sharing the input', () => {
    fc.assert(
      fc.property(value, (v) => {
        fc.pre(!hasLeadingBom(v)) // refused by the writer (cbor-encode.test.ts)
        const bytes = encodeCanonical(v).slice()
        const copied = decodeCanonicalFast(bytes)
        const viewed = decodeCanonicalFast(bytes, true)
        expect(viewed === undefined).toBe(copied === undefined)
        if (copied !== undefined) expectSame(copied.value, viewed!.value)
        expectSame(decode(bytes, 1 << 20), decode(bytes, 1 << 20, 'value', { byteViews: true }))
      }),
      { numRuns: 500 },
    )
    const input = Buffer.from(fromHex('824201024103'))
    const out = decodeCanonicalFast(input, true)!.value as Uint8Array[]
    expect(Object.getPrototypeOf(out[0])).toBe(Uint8Array.prototype)
    expect(out[0]!.buffer).toBe(input.buffer)
    input[3] = 9
    expect([...out[0]!]).toEqual([1, 9])
  })

  it('copies byte strings into plain arrays, also from a Buffer', () => {
    const input = Buffer.from(fromHex('824201024103'))
    const out = decodeCanonicalFast(input)!.value as Uint8Array[]
    expect(Object.getPrototypeOf(out[0])).toBe(Uint8Array.prototype)
    input[2] = 9
    expect([...out[0]!]).toEqual([1, 2])
  })
})
