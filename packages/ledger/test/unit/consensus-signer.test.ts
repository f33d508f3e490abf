/**
 * The signer (consensus.md rule 15): persists before returning, refuses a second different
 * message for one (h, r, type) and any step below the last, also after a restart from the store.
 */
import { describe, expect, it } from 'vitest'
import { decode, encode } from '../../src/encoding.js'
import {
  messageFromStep,
  readSignedStep,
  Signer,
  SignedKind,
  signedStepEncodable,
  SignerErrorCode,
  type SignedStep,
} from '../../src/consensus/signer.js'
import type { MessageIntent } from '../../src/consensus/types.js'
import { VoteType } from '../../src/consensus/vote.js'
import { sign } from '../../src/crypto/index.js'
import { CHAIN, hashOf, validators } from '../helpers/consensus.js'

const f = validators(1)
const key = f.keys[0]!
const A = hashOf('A')
const B = hashOf('B')

const prevote = (h: number, r: number, v: Uint8Array | null): MessageIntent => ({
  kind: 'vote',
  fields: { chainId: CHAIN, type: VoteType.PREVOTE, height: h, round: r, blockHash: v },
})
const precommit = (h: number, r: number, v: Uint8Array | null): MessageIntent => ({
  kind: 'vote',
  fields: { chainId: CHAIN, type: VoteType.PRECOMMIT, height: h, round: r, blockHash: v },
})
const proposal = (h: number, r: number, v: Uint8Array, vr = -1): MessageIntent => ({
  kind: 'proposal',
  fields: { chainId: CHAIN, height: h, round: r, validRound: vr, blockHash: v },
})

/** A store that keeps records as encoded bytes, like a WAL would. */
function memoryStore() {
  const records: Uint8Array[] = []
  return {
    records,
    save(step: SignedStep) {
      records.push(encode(signedStepEncodable(step)))
    },
    last(): SignedStep | null {
      const bytes = records.at(-1)
      return bytes === undefined ? null : readSignedStep(decode(bytes, 1024))
    },
  }
}

function signer(store: ReturnType<typeof memoryStore>) {
  return new Signer({
    chainId: CHAIN,
    publicKey: key.publicKey,
    sign: (m) => sign(key.secretKey, m),
    store,
    last: store.last(),
  })
}

describe('Signer', () => {
  it('signs real Ed25519 messages that verify, and records each step first', async () => {
    const store = memoryStore()
    const s = signer(store)
    const p = await s.sign(proposal(1, 0, A))
    const v = await s.sign(prevote(1, 0, A))
    expect(p.kind === 'proposal' && p.proposal.verifySignature()).toBe(true)
    expect(v.kind === 'vote' && v.vote.verifySignature()).toBe(true)
    expect(store.records).toHaveLength(2)
    expect(store.last()).toMatchObject({ height: 1, round: 0, kind: SignedKind.PREVOTE })
  })

  it.each([
    {
      name: 'another value, same step',
      first: prevote(1, 0, A),
      second: prevote(1, 0, B),
      code: SignerErrorCode.DOUBLE_SIGN,
    },
    {
      name: 'nil after a value',
      first: precommit(1, 2, A),
      second: precommit(1, 2, null),
      code: SignerErrorCode.DOUBLE_SIGN,
    },
    {
      name: 'another validRound',
      first: proposal(1, 1, A, -1),
      second: proposal(1, 1, A, 0),
      code: SignerErrorCode.DOUBLE_SIGN,
    },
    {
      name: 'prevote after precommit',
      first: precommit(1, 0, A),
      second: prevote(1, 0, A),
      code: SignerErrorCode.REGRESSION,
    },
    {
      name: 'earlier round',
      first: prevote(1, 3, null),
      second: prevote(1, 2, null),
      code: SignerErrorCode.REGRESSION,
    },
    {
      name: 'earlier height',
      first: prevote(2, 0, null),
      second: precommit(1, 9, null),
      code: SignerErrorCode.REGRESSION,
    },
  ])('refuses $name, also after a restart', async ({ first, second, code }) => {
    const store = memoryStore()
    await signer(store).sign(first)
    await expect(signer(store).sign(second)).rejects.toMatchObject({ code })
    const live = signer(memoryStore())
    await live.sign(first)
    await expect(live.sign(second)).rejects.toMatchObject({ code })
  })

  it('returns the same signature when asked again for the last message (replay)', async () => {
    const store = memoryStore()
    const first = await signer(store).sign(precommit(3, 1, A))
    const again = await signer(store).sign(precommit(3, 1, A))
    expect(again.kind === 'vote' && first.kind === 'vote' && again.vote.signature).toEqual(
      first.kind === 'vote' && first.vote.signature,
    )
    expect(store.records).toHaveLength(1)
  })

  it('returns no signature when the store fails, and stays at the old step', async () => {
    const s = new Signer({
      chainId: CHAIN,
      publicKey: key.publicKey,
      sign: (m) => sign(key.secretKey, m),
      store: {
        save: async () => {
          throw new Error('disk full')
        },
      },
      last: null,
    })
    await expect(s.sign(prevote(1, 0, A))).rejects.toThrow('disk full')
    expect(s.last).toBeNull()
  })

  it('serialises concurrent requests: of two different messages for one step only one is signed', async () => {
    const store = memoryStore()
    const s = signer(store)
    const results = await Promise.allSettled([s.sign(prevote(1, 0, A)), s.sign(prevote(1, 0, B))])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
  })

  it('refuses another chain', async () => {
    const other: MessageIntent = {
      kind: 'vote',
      fields: { ...prevote(1, 0, A).fields, chainId: 'other' } as never,
    }
    await expect(signer(memoryStore()).sign(other)).rejects.toMatchObject({
      code: SignerErrorCode.WRONG_CHAIN,
    })
  })

  it('rebuilds the signed message from a stored step', async () => {
    const store = memoryStore()
    const m = await signer(store).sign(proposal(4, 2, B, 1))
    const again = messageFromStep(CHAIN, key.publicKey, store.last()!)
    expect(again.kind === 'proposal' && m.kind === 'proposal' && again.proposal.serialize()).toEqual(
      m.kind === 'proposal' && m.proposal.serialize(),
    )
  })
})
