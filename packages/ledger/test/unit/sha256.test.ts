/**
 * The Node SHA-256 (digest read back from a latin1 string, small inputs hashed from a scratch
 * buffer) equals node:crypto's digest bytes for every length and byte value.
 */
import { createHash, randomBytes } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../src/crypto/sha256.js'
import { sha256 as nobleSha256 } from '../../src/crypto/sha256.browser.js'
import { toHex } from '../../src/index.js'

const reference = (d: Uint8Array) => createHash('sha256').update(d).digest('hex')

describe('sha256 (node)', () => {
  it('known vectors', () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    )
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  it('matches node:crypto for every length up to 300 bytes, and the browser build', () => {
    for (let n = 0; n <= 300; n++) {
      const d = new Uint8Array(randomBytes(n))
      expect(toHex(sha256(d))).toBe(reference(d))
      expect(toHex(nobleSha256(d))).toBe(reference(d))
    }
  })

  it('matches node:crypto on random inputs, views included, and leaves the input alone', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(8), (bytes, cut) => {
        const view = bytes.subarray(Math.min(cut, bytes.length))
        const copy = view.slice()
        const out = sha256(view)
        expect(out).toBeInstanceOf(Uint8Array)
        expect(out.length).toBe(32)
        expect(toHex(out)).toBe(reference(copy))
        expect(toHex(view)).toBe(toHex(copy))
      }),
      { numRuns: 2000 },
    )
  })
})
