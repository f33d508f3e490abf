/**
 * govchain's pinned Ed25519 rule on both verification paths: the node path (pre-checks +
 * OpenSSL) and the client/browser path (noble point arithmetic).
 * Vectors: RFC 8032 §7.1 tests 1–3, and the 12 cases of "Taming the many EdDSAs"
 * (novifinancial/ed25519-speccheck @65519336fda7, Apache-2.0; copied from ../shared/vectors).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { verify as nodeVerify, verifyAsync } from '../../src/crypto/verify.js'
import { verify as browserVerify } from '../../src/crypto/verify.browser.js'
import {
  generateKeyPair,
  sign,
  isAcceptablePublicKey,
  assertAcceptablePublicKey,
  keyPairFromSecret,
} from '../../src/crypto/index.js'
import { fromHex, toHex } from '../../src/bytes.js'
import speccheck from '../fixtures/ed25519-speccheck.json' with { type: 'json' }

const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
]

// The pinned rule accepts only case 3 (mixed-order A and R, cofactorless equation holds).
const EXPECTED = ['X', 'X', 'X', 'V', 'X', 'X', 'X', 'X', 'X', 'X', 'X', 'X']
const cases = speccheck as { message: string; pub_key: string; signature: string }[]

const verifiers = [
  { name: 'node (pre-checks + OpenSSL)', verify: nodeVerify },
  { name: 'browser (noble)', verify: browserVerify },
]

describe.each(verifiers)('Ed25519 verifier: $name', ({ verify }) => {
  it.each(RFC8032)('accepts RFC 8032 $name and derives its key', (v) => {
    expect(toHex(keyPairFromSecret(fromHex(v.secret)).publicKey)).toBe(v.pub)
    expect(toHex(sign(fromHex(v.secret), fromHex(v.msg)))).toBe(v.sig)
    expect(verify(fromHex(v.pub), fromHex(v.msg), fromHex(v.sig))).toBe(true)
  })

  it('gives the pinned verdict on each of the 12 speccheck cases', () => {
    const verdicts = cases.map((c) =>
      verify(fromHex(c.pub_key), fromHex(c.message), fromHex(c.signature)) ? 'V' : 'X',
    )
    expect(verdicts).toEqual(EXPECTED)
  })

  it('rejects a flipped bit anywhere in message, key or signature', () => {
    const v = RFC8032[1]!
    const [pub, msg, sig] = [fromHex(v.pub), fromHex(v.msg), fromHex(v.sig)]
    for (const [target, len] of [
      [msg, msg.length],
      [pub, 32],
      [sig, 64],
    ] as const) {
      for (let i = 0; i < len * 8; i += 5) {
        const copy = new Uint8Array(target)
        copy[i >> 3]! ^= 1 << (i & 7)
        const args = target === msg ? [pub, copy, sig] : target === pub ? [copy, msg, sig] : [pub, msg, copy]
        expect(verify(args[0]!, args[1]!, args[2]!)).toBe(false)
      }
    }
  })

  it('rejects wrong lengths', () => {
    const v = RFC8032[0]!
    expect(verify(fromHex(v.pub).subarray(1), new Uint8Array(0), fromHex(v.sig))).toBe(false)
    expect(verify(fromHex(v.pub), new Uint8Array(0), fromHex(v.sig).subarray(1))).toBe(false)
  })
})

describe('node and browser paths agree', () => {
  it('on random keys, messages and signatures, valid and corrupted', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.integer({ min: 0, max: 63 }),
        fc.boolean(),
        (msg, pos, corrupt) => {
          const { secretKey, publicKey } = generateKeyPair()
          const sig = sign(secretKey, msg)
          if (corrupt) sig[pos]! ^= 0x40
          expect(nodeVerify(publicKey, msg, sig)).toBe(browserVerify(publicKey, msg, sig))
          expect(nodeVerify(publicKey, msg, sig)).toBe(!corrupt)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('the async (thread-pool) path gives the same verdicts on the speccheck cases', async () => {
    const verdicts = await Promise.all(
      cases.map(async (c) =>
        (await verifyAsync(fromHex(c.pub_key), fromHex(c.message), fromHex(c.signature))) ? 'V' : 'X',
      ),
    )
    expect(verdicts).toEqual(EXPECTED)
  })
})

describe('key registration', () => {
  it('refuses small-order and non-canonical public keys from the speccheck cases', () => {
    // Cases 0 and 1 use a small-order A; 10 and 11 a non-canonical A.
    for (const i of [0, 1, 10, 11]) {
      const pk = fromHex(cases[i]!.pub_key)
      expect(isAcceptablePublicKey(pk)).toBe(false)
      expect(() => assertAcceptablePublicKey(pk)).toThrow(
        expect.objectContaining({ code: 'CRYPTO_WEAK_PUBLIC_KEY' }),
      )
    }
  })

  it('accepts ordinary keys', () => {
    expect(() => assertAcceptablePublicKey(generateKeyPair().publicKey)).not.toThrow()
    expect(() => assertAcceptablePublicKey(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'CRYPTO_BAD_KEY_LENGTH' }),
    )
  })
})
