/**
 * The explorer's in-browser verdict (explorer/verdict.ts) on real proofs from a real chain:
 * valid, revoked, and invalid for every kind of tampering the page must catch.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { verifyRecordAnswer, trustRootFromGenesis, type TrustRoot } from '../../src/explorer/verdict.js'
import { openRecordChain, type RecordChain } from '../helpers/record-chain.js'

type Answer = { id: string; height: number; record: Record<string, unknown>; proof: Record<string, unknown> }

/** Flips one hex digit (at `at` from the end by default) of a hex string. */
function flip(hex: string, at = hex.length - 10): string {
  const c = hex[at]!
  return hex.slice(0, at) + (c === '0' ? '1' : '0') + hex.slice(at + 1)
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

describe('record verdict in the browser', () => {
  let net: RecordChain
  let trust: TrustRoot
  let valid: Answer
  let revoked: Answer

  beforeAll(async () => {
    net = await openRecordChain()
    trust = trustRootFromGenesis(net.genesisJson)
    await net.set('CERT-1', 'valid')
    await net.set('CERT-2', 'valid')
    await net.set('CERT-2', 'revoked')
    await net.set('LIC-9', 'suspended')
    valid = clone(await net.answer('CERT-1')) as Answer
    revoked = clone(await net.answer('CERT-2')) as Answer
  })

  it('a verified active record is valid, with every check listed', () => {
    const v = verifyRecordAnswer(valid, trust, 'CERT-1')
    expect(v.kind).toBe('valid')
    expect(v.status).toBe('valid')
    expect(v.height).toBe(valid.height)
    expect(v.checks.every((c) => c.ok)).toBe(true)
    expect(v.checks.length).toBeGreaterThanOrEqual(4)
  })

  it('a verified revoked record is revoked; another status is valid with that status', async () => {
    const v = verifyRecordAnswer(revoked, trust, 'CERT-2')
    expect(v.kind).toBe('revoked')
    expect(v.status).toBe('revoked')
    const s = verifyRecordAnswer(clone(await net.answer('LIC-9')), trust, 'LIC-9')
    expect(s).toMatchObject({ kind: 'valid', status: 'suspended' })
  })

  const proofOf = (a: Answer) =>
    a.proof as {
      header: string
      certificate: string
      entries: {
        key: string
        value: string | null
        proof: { siblings: string[]; leaf: { valueHash: string } | null }
      }[]
    }

  const tamperings: [string, (a: Answer) => void, string][] = [
    [
      'a flipped digit in a state-proof sibling',
      (a) => {
        const s = proofOf(a).entries[0]!.proof.siblings
        s[0] = flip(s[0]!)
      },
      'LIGHT_BAD_STATE_PROOF',
    ],
    [
      'a flipped digit in the block header (state root)',
      (a) => {
        proofOf(a).header = flip(proofOf(a).header, proofOf(a).header.length - 80)
      },
      'LIGHT_',
    ],
    [
      'a flipped digit in a certificate signature',
      (a) => {
        proofOf(a).certificate = flip(proofOf(a).certificate)
      },
      'LIGHT_BAD_CERTIFICATE',
    ],
    [
      'a flipped digit in a proven value',
      (a) => {
        const e = proofOf(a).entries[0]!
        e.value = flip(e.value!)
      },
      'LIGHT_BAD_STATE_PROOF',
    ],
    [
      'a record shown with another status than proven',
      (a) => {
        ;(a.record.record as Record<string, unknown>).status = 'revoked'
      },
      'VERDICT_RECORD_NOT_PROVEN',
    ],
    [
      'a history entry shown that is not proven',
      (a) => {
        ;(a.record.history as Record<string, unknown>[])[0]!.to = 'issued'
      },
      'VERDICT_HISTORY_NOT_PROVEN',
    ],
    [
      "a height other than the proof's",
      (a) => {
        a.height += 1
      },
      'VERDICT_HEIGHT_MISMATCH',
    ],
    [
      'no proof',
      (a) => {
        delete (a as Partial<Answer>).proof
      },
      'VERDICT_NO_PROOF',
    ],
    [
      'a proof that is not a bundle',
      (a) => {
        a.proof = { hello: 'world' }
      },
      'VERDICT_MALFORMED_PROOF',
    ],
    [
      'a proof for the wrong chain id',
      (a) => {
        a.proof.chainId = 'other-chain'
      },
      'LIGHT_WRONG_CHAIN',
    ],
  ]

  it.each(tamperings)('%s is invalid', (_what, tamper, code) => {
    const a = clone(valid)
    tamper(a)
    const v = verifyRecordAnswer(a, trust, 'CERT-1')
    expect(v.kind).toBe('invalid')
    expect(v.code).toMatch(new RegExp(`^${code}`))
    expect(v.checks.at(-1)?.ok).toBe(false)
  })

  it('the revoked record presented for another id, or checked against another genesis, is invalid', async () => {
    // The node answers the question for CERT-1 with CERT-2's (valid-looking) answer.
    expect(verifyRecordAnswer(clone(revoked), trust, 'CERT-1').code).toBe('VERDICT_WRONG_RECORD')
    const swapped = { ...clone(revoked), id: 'CERT-1' }
    expect(verifyRecordAnswer(swapped, trust, 'CERT-1').code).toBe('VERDICT_WRONG_RECORD')
    // A chain with the same id but other validators: its certificates do not verify.
    const other = await openRecordChain()
    const otherTrust = trustRootFromGenesis(other.genesisJson)
    expect(otherTrust.chainId).toBe(trust.chainId)
    expect(verifyRecordAnswer(clone(valid), otherTrust, 'CERT-1').code).toMatch(/^LIGHT_/)
  })

  it("works on another application's shape: the built-in key-value records, history inside", async () => {
    const kv = await openRecordChain('kv-verdict', 'kv')
    const kvTrust = trustRootFromGenesis(kv.genesisJson)
    await kv.set('note-1', 'first')
    await kv.set('note-1', 'second')
    const a = clone(await kv.answer('note-1')) as Answer
    expect((a.record.history as unknown[]).length).toBe(1)
    expect(verifyRecordAnswer(a, kvTrust, 'note-1')).toMatchObject({ kind: 'valid', status: null })
    ;(a.record.history as Record<string, unknown>[])[0]!.value = 'forged'
    expect(verifyRecordAnswer(a, kvTrust, 'note-1').code).toBe('VERDICT_RECORD_NOT_PROVEN')
  })

  it('anything that is not an answer is invalid, never a throw', () => {
    for (const junk of [null, 1, 'x', [], {}, { id: 'CERT-1' }, { id: 'CERT-1', height: 'x' }])
      expect(verifyRecordAnswer(junk, trust, 'CERT-1').kind).toBe('invalid')
  })
})
