/**
 * The chain: genesis, build → validate → commit on several nodes with identical results,
 * persistence across reopen (real LevelDB), validator-set changes at h + 2, mempool admission
 * checks, and proven queries checked by the light client.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createSignedTx,
  encode,
  openLevelStore,
  parseGenesis,
  checkpointFromJSON,
  checkpointToJSON,
  stateProofBundleFromJSON,
  stateProofBundleToJSON,
  toHex,
  verifyStateProofBundle,
  ValidatorSet,
  keyPairFromSeed,
  txFields,
  threadPoolVerifier,
  type SignatureBatchVerifier,
  type Transaction,
} from '../../src/index.js'
import { alice, bob, certify, CHAIN_ID, testKey, validatorKeys, validatorSet } from '../helpers/fixtures.js'
import { appTx, buildNext, commitNext, openTestChain, putTx, testGenesisJson } from '../helpers/chain.js'
import { testDataKey } from '../helpers/test-app.js'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('chain', () => {
  it('starts at height 0 with the genesis state; block 1 links to the genesis hash', async () => {
    const chain = await openTestChain()
    expect(chain.height).toBe(0)
    expect(toHex(chain.head.hash)).toBe(toHex(chain.genesisHash))
    const block = await commitNext([chain], [putTx(0, 'k', 'v')])
    expect(toHex(block.header.prevHash)).toBe(toHex(chain.genesisHash))
    expect(block.header.lastCommit).toBeNull()
    expect(chain.height).toBe(1)
  })

  it('four nodes build, validate and commit the same blocks with the same state roots', async () => {
    const chains = await Promise.all([0, 1, 2, 3].map(() => openTestChain()))
    for (let h = 1; h <= 5; h++) {
      await commitNext(chains, [putTx(h - 1, `k${h}`, `v${h}`), putTx(h - 1, `b${h}`, 'x', bob)])
      const roots = chains.map((c) => toHex(c.stateRoot))
      expect(new Set(roots).size).toBe(1)
      expect(new Set(chains.map((c) => toHex(c.head.hash))).size).toBe(1)
    }
    expect((await chains[3]!.blocks.getBlock(5, chains[3]!.params))!.header.lastCommit!.height).toBe(4)
    const loc = await chains[2]!.blocks.getTxLocation(putTx(2, 'k3', 'v3').hash())
    expect(loc).toEqual({ height: 3, index: 0 })
    expect((await chains[2]!.blocks.getReceipt(3, 0))!.events).toEqual([
      { type: 'put', attributes: { key: 'k3' } },
    ])
  })

  it('drops invalid candidates when building and reports them with codes', async () => {
    const chain = await openTestChain()
    const { executed, rejected } = await chain.buildBlock({
      candidates: [
        putTx(0, 'a', '1'),
        appTx('test.fail', new Uint8Array(0), 1),
        putTx(5, 'gap', 'x'),
        putTx(1, 'b', '2'),
      ],
      proposer: validatorSet.proposer(1, 0).publicKey,
      round: 0,
      timeMs: Date.parse('2026-01-01T00:00:01Z'),
    })
    expect(executed.block.txs.map((t) => t.nonce)).toEqual([0, 1])
    expect(rejected.map((r) => r.error.code)).toEqual(['TEST_REJECTED', 'TX_BAD_NONCE'])
  })

  it('refuses to commit with a certificate for another block or below quorum', async () => {
    const chain = await openTestChain()
    const { block } = await buildNext(chain, [])
    const executed = await chain.validateBlock(block)
    await expect(
      chain.commitBlock(executed, certify(validatorSet, 1, new Uint8Array(32))),
    ).rejects.toMatchObject({ code: 'CERT_WRONG_BLOCK' })
    await expect(
      chain.commitBlock(executed, certify(validatorSet, 1, block.hash(), validatorKeys.slice(0, 2))),
    ).rejects.toMatchObject({
      code: 'CERT_INSUFFICIENT_POWER',
    })
    expect(chain.height).toBe(0)
  })

  it('persists on LevelDB: reopen gives the same head, state and history; another genesis is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'govchain-chain-'))
    dirs.push(dir)
    let store = await openLevelStore(dir)
    let chain = await openTestChain({ store })
    for (let h = 0; h < 3; h++) await commitNext([chain], [putTx(h, `k${h}`, `v${h}`)])
    const head = chain.head
    await store.close()
    store = await openLevelStore(dir)
    chain = await openTestChain({ store })
    expect(chain.height).toBe(3)
    expect(toHex(chain.head.hash)).toBe(toHex(head.hash))
    expect(toHex(chain.stateRoot)).toBe(toHex(head.stateRoot))
    expect(await chain.nonceOf(alice.publicKey)).toBe(3)
    await commitNext([chain], [putTx(3, 'k3', 'v3')])
    await store.close()
    store = await openLevelStore(dir)
    await expect(
      openTestChain({ store, genesis: parseGenesis(testGenesisJson({ chainId: 'another' })) }),
    ).rejects.toMatchObject({
      code: 'STORAGE_WRONG_GENESIS',
    })
    await store.close()
  })

  it('applies a validator-set change ordered at height h from height h + 2', async () => {
    const chain = await openTestChain()
    const newKey = testKey('validator-new')
    const next = [...validatorKeys.slice(0, 3), newKey].map((k) => [k.publicKey, 1])
    const b1 = await commitNext([chain], [appTx('test.valset', encode(next), 0)])
    const newSet = new ValidatorSet(
      next.map(([publicKey, power]) => ({ publicKey: publicKey as Uint8Array, power: power as number })),
    )
    expect(toHex(b1.header.validatorSetHash)).toBe(toHex(validatorSet.hash()))
    expect(toHex(b1.header.nextValidatorSetHash)).toBe(toHex(validatorSet.hash()))
    // Height 2 is still decided by the old set; its header announces the new set for height 3.
    const b2 = await commitNext([chain], [])
    expect(toHex(b2.header.validatorSetHash)).toBe(toHex(validatorSet.hash()))
    expect(toHex(b2.header.nextValidatorSetHash)).toBe(toHex(newSet.hash()))
    expect(toHex(chain.nextValidators.hash())).toBe(toHex(newSet.hash()))
    expect(await chain.blocks.validatorSetChangeHeights()).toEqual([2])
  })

  it('mempool admission: nonce, future nonce, chain id, signature, application permission', async () => {
    const chain = await openTestChain()
    await expect(chain.checkTx(putTx(0, 'a', '1'))).resolves.toBeUndefined()
    await expect(chain.checkTx(putTx(1, 'a', '1'))).rejects.toMatchObject({ code: 'TX_BAD_NONCE' })
    await expect(chain.checkTx(putTx(1, 'a', '1'), { allowFutureNonce: true })).resolves.toBeUndefined()
    await expect(chain.checkTx(putTx(0, 'a', '1', alice, 'other'))).rejects.toMatchObject({
      code: 'TX_WRONG_CHAIN',
    })
    const forged = createSignedTx(txFields(putTx(0, 'a', '1')), bob.secretKey)
    await expect(chain.checkTx(forged)).rejects.toMatchObject({ code: 'TX_BAD_SIGNATURE' })
    await expect(chain.checkTx(putTx(0, 'a', '1', keyPairFromSeed('mallory')))).rejects.toMatchObject({
      code: 'TEST_FORBIDDEN',
    })
    await commitNext([chain], [putTx(0, 'a', '1')])
    await expect(chain.checkTx(putTx(0, 'a', '1'))).rejects.toMatchObject({ code: 'TX_BAD_NONCE' })
  })
})

describe('preverifySignatures: a batch of transactions before their admission', () => {
  const valid = (n: number) => Array.from({ length: n }, (_, i) => putTx(i, `k${i}`, 'v'))
  const forge = (tx: Transaction) => createSignedTx(txFields(tx), bob.secretKey)
  /** A verifier that counts what it is asked to verify. */
  const counting = () => {
    const seen: number[] = []
    const verifier: SignatureBatchVerifier = {
      verifyBatch: (items) => {
        seen.push(items.length)
        return threadPoolVerifier.verifyBatch(items)
      },
    }
    return { verifier, seen }
  }

  it.each([
    { name: 'all valid', txs: () => valid(12), invalid: [] as number[] },
    {
      name: 'a forged one first',
      txs: () => valid(12).map((t, i) => (i === 0 ? forge(t) : t)),
      invalid: [0],
    },
    {
      name: 'a forged one in the middle',
      txs: () => valid(12).map((t, i) => (i === 6 ? forge(t) : t)),
      invalid: [6],
    },
    {
      name: 'forged ones last',
      txs: () => valid(12).map((t, i) => (i >= 10 ? forge(t) : t)),
      invalid: [10, 11],
    },
  ])('$name: caches exactly the valid ones and counts the rest', async ({ txs, invalid }) => {
    const { verifier, seen } = counting()
    const chain = await openTestChain({ verifier })
    const batch = txs()
    expect(await chain.preverifySignatures(batch)).toEqual({
      verified: batch.length,
      invalid: invalid.length,
    })
    expect(seen).toEqual([batch.length]) // one batch
    batch.forEach((tx, i) => expect(chain.signatureCache.has(tx)).toBe(!invalid.includes(i)))
    // Admission of a cached one verifies nothing more; a forged one is refused as before.
    await chain.checkTx(
      batch.find((_, i) => !invalid.includes(i))!,
      { allowFutureNonce: true },
    )
    expect(seen).toEqual([batch.length])
    for (const i of invalid)
      await expect(chain.checkTx(batch[i]!, { allowFutureNonce: true })).rejects.toMatchObject({
        code: 'TX_BAD_SIGNATURE',
      })
  })

  it('leaves out what checkTx refuses before the signature: another chain, expired, a used nonce', async () => {
    const { verifier, seen } = counting()
    const chain = await openTestChain({ verifier })
    await commitNext([chain], [putTx(0, 'a', '1')]) // alice's next nonce is 1
    seen.length = 0
    const expired = createSignedTx(
      { ...txFields(putTx(5, 'e', '1')), expiryHeight: chain.height },
      alice.secretKey,
    )
    const refused = [putTx(0, 'a', '2'), putTx(1, 'b', '1', alice, 'other'), expired]
    const admitted = [putTx(1, 'c', '1'), putTx(4, 'd', '1')]
    expect(await chain.preverifySignatures([...refused, ...admitted])).toEqual({ verified: 2, invalid: 0 })
    expect(seen).toEqual([2])
    for (const tx of refused) expect(chain.signatureCache.has(tx)).toBe(false)
    for (const tx of admitted) expect(chain.signatureCache.has(tx)).toBe(true)
  })

  it('verifies only what the cache does not hold yet', async () => {
    const { verifier, seen } = counting()
    const chain = await openTestChain({ verifier })
    const batch = valid(10)
    await chain.preverifySignatures(batch.slice(0, 4))
    expect(await chain.preverifySignatures(batch)).toEqual({ verified: 6, invalid: 0 })
    expect(await chain.preverifySignatures(batch)).toEqual({ verified: 0, invalid: 0 })
    expect(seen).toEqual([4, 6])
  })
})

describe('proven queries and the light client', () => {
  it('proves present and absent keys across a validator-set change; tampering is caught', async () => {
    const chain = await openTestChain()
    const newKey = testKey('validator-new')
    const next = [...validatorKeys.slice(1), newKey]
    await commitNext([chain], [putTx(0, 'licence-1', 'active')])
    await commitNext([chain], [appTx('test.valset', encode(next.map((k) => [k.publicKey, 1])), 1)])
    await commitNext([chain], [])
    // Height 4 onwards is decided by the new set; certify with its keys.
    const { block } = await buildNext(chain, [putTx(2, 'licence-1', 'revoked')])
    const newSet = chain.nextValidators
    await chain.commitBlock(await chain.validateBlock(block), certify(newSet, 4, block.hash(), next))

    const result = await chain.query('get', { key: 'licence-1' }, { prove: true })
    expect(new TextDecoder().decode(result.value as Uint8Array)).toBe('revoked')
    const bundle = stateProofBundleFromJSON(JSON.parse(JSON.stringify(stateProofBundleToJSON(result.proof!))))
    expect(bundle.validatorChanges.map((c) => c.header.height)).toEqual([3])
    const trust = { chainId: CHAIN_ID, genesisValidators: validatorSet }
    const verified = verifyStateProofBundle(bundle, trust)
    expect(verified.height).toBe(4)
    expect(new TextDecoder().decode(verified.entries[0]!.value!)).toBe('revoked')

    const absent = await chain.query('get', { key: 'never-issued' }, { prove: true })
    expect(absent.value).toBeNull()
    expect(verifyStateProofBundle(absent.proof!, trust).entries[0]!.value).toBeNull()

    const lie = { ...bundle, entries: [{ ...bundle.entries[0]!, value: new TextEncoder().encode('active') }] }
    expect(() => verifyStateProofBundle(lie, trust)).toThrow(
      expect.objectContaining({ code: 'LIGHT_BAD_STATE_PROOF' }),
    )
    const skipped = { ...bundle, validatorChanges: [] }
    expect(() => verifyStateProofBundle(skipped, trust)).toThrow(
      expect.objectContaining({ code: 'LIGHT_UNTRUSTED_VALIDATORS' }),
    )
    expect(() => verifyStateProofBundle(bundle, { ...trust, chainId: 'other' })).toThrow(
      expect.objectContaining({ code: 'LIGHT_WRONG_CHAIN' }),
    )
    const otherGenesis = new ValidatorSet(
      [keyPairFromSeed('x1'), keyPairFromSeed('x2'), keyPairFromSeed('x3'), keyPairFromSeed('x4')].map(
        (k) => ({ publicKey: k.publicKey, power: 1 }),
      ),
    )
    expect(() => verifyStateProofBundle(bundle, { ...trust, genesisValidators: otherGenesis })).toThrow(
      expect.objectContaining({ code: 'LIGHT_UNTRUSTED_VALIDATORS' }),
    )
    expect(toHex(testDataKey('licence-1'))).toBe(toHex(new TextEncoder().encode('data/licence-1')))
  })

  it('a long-range fork by a replaced validator set passes from the genesis alone, not from a checkpoint', async () => {
    const text = (v: Uint8Array | null) => (v === null ? null : new TextDecoder().decode(v))
    // The real chain: licence-1 issued, then the set changes (V_4 = next), then it is revoked.
    const real = await openTestChain()
    const newKey = testKey('validator-new')
    const next = [...validatorKeys.slice(1), newKey]
    await commitNext([real], [putTx(0, 'licence-1', 'active')])
    await commitNext([real], [appTx('test.valset', encode(next.map((k) => [k.publicKey, 1])), 1)])
    const changeBlock = await commitNext([real], [])
    const newSet = real.nextValidators
    const at4 = await buildNext(real, [putTx(2, 'licence-1', 'revoked')])
    await real.commitBlock(await real.validateBlock(at4.block), certify(newSet, 4, at4.block.hash(), next))
    // The fork: the genesis keys, replaced at height 4 on the real chain, sign a history in which
    // the set never changed and licence-1 was never revoked.
    const fork = await openTestChain()
    await commitNext([fork], [putTx(0, 'licence-1', 'active')])
    for (let h = 2; h <= 4; h++) await commitNext([fork], [])
    const proofAt = async (chain: typeof real) =>
      stateProofBundleFromJSON(
        JSON.parse(
          JSON.stringify(
            stateProofBundleToJSON((await chain.query('get', { key: 'licence-1' }, { prove: true })).proof!),
          ),
        ),
      )
    const genesisTrust = { chainId: CHAIN_ID, genesisValidators: validatorSet }
    const forged = await proofAt(fork)
    // The limit of a light client that trusts only the genesis:
    expect(text(verifyStateProofBundle(forged, genesisTrust).entries[0]!.value)).toBe('active')

    // A client that trusts the real change header (height 3, naming V_4) follows the chain from it.
    const checkpoint = { chainId: CHAIN_ID, height: 3, blockHash: changeBlock.hash(), nextValidators: newSet }
    const trust = { ...genesisTrust, checkpoint }
    expect(() => verifyStateProofBundle(forged, trust)).toThrow(
      expect.objectContaining({ code: 'LIGHT_UNTRUSTED_VALIDATORS' }),
    )
    const verified = verifyStateProofBundle(await proofAt(real), trust)
    expect([verified.height, text(verified.entries[0]!.value)]).toEqual([4, 'revoked'])
    // ... and carries the checkpoint forward: the proven header, certified from then on by V_4.
    expect(verified.checkpoint).toMatchObject({ height: 4, blockHash: at4.block.hash() })
    expect(toHex(verified.checkpoint!.nextValidators.hash())).toBe(toHex(newSet.hash()))
    const carried = checkpointFromJSON(JSON.parse(JSON.stringify(checkpointToJSON(verified.checkpoint!))))
    await commitNext([real], [])
    await commitNext([real], [])
    const latest = await proofAt(real)
    const later = verifyStateProofBundle(latest, { ...genesisTrust, checkpoint: carried })
    expect(later.height).toBe(6)
    // At the checkpoint's height only its own header passes; below it nothing does.
    expect(verifyStateProofBundle(latest, { ...genesisTrust, checkpoint: later.checkpoint! }).height).toBe(6)
    expect(() => verifyStateProofBundle(forged, { ...genesisTrust, checkpoint: carried })).toThrow(
      expect.objectContaining({ code: 'LIGHT_CHECKPOINT_MISMATCH' }),
    )
    // A checkpoint that contradicts the chain's own headers: another set named, another header.
    const wrongSet = { ...later.checkpoint!, nextValidators: validatorSet }
    expect(() => verifyStateProofBundle(latest, { ...genesisTrust, checkpoint: wrongSet })).toThrow(
      expect.objectContaining({ code: 'LIGHT_CHECKPOINT_MISMATCH' }),
    )
    const wrongHeader = { ...checkpoint, blockHash: at4.block.hash() }
    expect(() => verifyStateProofBundle(latest, { ...genesisTrust, checkpoint: wrongHeader })).toThrow(
      expect.objectContaining({ code: 'LIGHT_CHECKPOINT_MISMATCH' }),
    )
    expect(() => verifyStateProofBundle(forged, { ...genesisTrust, checkpoint: later.checkpoint! })).toThrow(
      expect.objectContaining({ code: 'LIGHT_BEFORE_CHECKPOINT' }),
    )
    expect(() =>
      verifyStateProofBundle(forged, { ...genesisTrust, checkpoint: { ...checkpoint, chainId: 'other' } }),
    ).toThrow(expect.objectContaining({ code: 'LIGHT_WRONG_CHAIN' }))
    expect(() =>
      checkpointFromJSON({ chainId: CHAIN_ID, height: 0, blockHash: '', nextValidators: '' }),
    ).toThrow(expect.objectContaining({ code: 'DECODE_BAD_SHAPE' }))
  })
})
