/** Reading one transaction out of a stored block without decoding the others. */
import { describe, expect, it } from 'vitest'
import {
  Block,
  createBlockFromBytes,
  txBytesInBlock,
  txBytesInBlockRange,
  txRootOf,
} from '../../src/block.js'
import { merkleRoot } from '../../src/merkle.js'
import { Transaction } from '../../src/tx.js'
import { toHex } from '../../src/bytes.js'
import { DecodeErrorCode } from '../../src/errors.js'
import { openMemoryStore } from '../../src/storage/kv.js'
import { BlockStore } from '../../src/storage/block-store.js'
import { DEFAULT_CHAIN_PARAMS } from '../../src/params.js'
import { sampleHeader, sampleTx } from '../helpers/fixtures.js'

/** Payload sizes around CBOR's length-encoding steps (23/24, 255/256, 65,535/65,536 bytes of tx). */
const SIZES = [0, 1, 20, 100, 140, 160, 300, 1_000, 40_000, 63_000]

function blockOf(sizes: readonly number[]): Block {
  const txs = sizes.map((n, i) => sampleTx(i, 'x'.repeat(n)))
  return new Block(sampleHeader(txs), txs, [])
}

describe('txBytesInBlock', () => {
  it.each([
    { name: 'no transactions', sizes: [] },
    { name: 'one', sizes: [5] },
    { name: 'lengths across every head size', sizes: SIZES },
    { name: '300 small ones', sizes: Array.from({ length: 300 }, (_, i) => i % 50) },
  ])('returns exactly each transaction’s bytes: $name', ({ sizes }) => {
    const block = blockOf(sizes)
    const bytes = block.serialize()
    expect(createBlockFromBytes(bytes).txs.length).toBe(sizes.length)
    block.txs.forEach((tx, i) => expect(toHex(txBytesInBlock(bytes, i)!)).toBe(toHex(tx.serialize())))
    for (const bad of [sizes.length, sizes.length + 7, -1, 0.5])
      expect(txBytesInBlock(bytes, bad)).toBeUndefined()
  })

  it.each([
    { name: 'empty', cut: (b: Uint8Array) => b.subarray(0, 0) },
    { name: 'cut inside the header', cut: (b: Uint8Array) => b.subarray(0, 60) },
    { name: 'cut inside a transaction', cut: (b: Uint8Array) => b.subarray(0, b.length - 400) },
    { name: 'not an array', cut: (b: Uint8Array) => Uint8Array.of(0xa5, ...b.subarray(1)) },
  ])('fails with a coded error on malformed bytes: $name', ({ cut }) => {
    const bytes = cut(blockOf(SIZES).serialize())
    let error: unknown
    try {
      txBytesInBlock(bytes, SIZES.length - 1)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: DecodeErrorCode.MALFORMED_CBOR })
  })

  it.each([
    { from: 0, limit: 3 },
    { from: 0, limit: 100 },
    { from: 4, limit: 2 },
    { from: 8, limit: 5 },
    { from: 9, limit: 1 },
    { from: 10, limit: 1 },
    { from: 3, limit: 0 },
    { from: -1, limit: 2 },
  ])('a range is the same slice as the decoded block’s: from $from, limit $limit', ({ from, limit }) => {
    const block = blockOf(SIZES)
    const { total, txs } = txBytesInBlockRange(block.serialize(), from, limit)
    expect(total).toBe(SIZES.length)
    const expected = from < 0 ? [] : block.txs.slice(from, from + limit)
    expect(txs.map(toHex)).toEqual(expected.map((t) => toHex(t.serialize())))
  })

  it('BlockStore.getTxs decodes one page of the stored block', async () => {
    const store = await openMemoryStore()
    const block = blockOf(Array.from({ length: 40 }, (_, i) => i * 7))
    await store.write([
      { type: 'put', key: Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0, 2), value: block.serialize() },
    ])
    const blocks = new BlockStore(store)
    const page = await blocks.getTxs(2, 30, 25, DEFAULT_CHAIN_PARAMS)
    expect(page!.total).toBe(40)
    expect(page!.txs.map((t) => t.hashHex())).toEqual(block.txs.slice(30).map((t) => t.hashHex()))
    expect(await blocks.getTxs(3, 0, 10, DEFAULT_CHAIN_PARAMS)).toBeUndefined()
  })

  it('BlockStore.getTx decodes the stored transaction', async () => {
    const store = await openMemoryStore()
    const block = blockOf([10, 200, 3000])
    await store.write([
      { type: 'put', key: Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0, 2), value: block.serialize() },
    ])
    const blocks = new BlockStore(store)
    const tx = await blocks.getTx(2, 1, DEFAULT_CHAIN_PARAMS)
    expect(tx!.hashHex()).toBe(block.txs[1]!.hashHex())
    expect(await blocks.getTx(2, 3, DEFAULT_CHAIN_PARAMS)).toBeUndefined()
    expect(await blocks.getTx(3, 0, DEFAULT_CHAIN_PARAMS)).toBeUndefined()
  })
})

describe('createBlockFromBytes', () => {
  it('decodes transactions as views into the block bytes, the header and evidence as copies', () => {
    const block = blockOf(SIZES)
    const bytes = block.serialize().slice()
    const decoded = createBlockFromBytes(bytes)
    expect(toHex(decoded.serialize())).toBe(toHex(bytes))
    expect(decoded.hashHex()).toBe(block.hashHex())
    decoded.txs.forEach((tx, i) => {
      expect(tx.serialize().buffer).toBe(bytes.buffer)
      expect(tx.hashHex()).toBe(block.txs[i]!.hashHex())
    })
    const h = decoded.header
    for (const field of [h.prevHash, h.proposer, h.txRoot, h.stateRoot])
      expect(field.buffer).not.toBe(bytes.buffer)
  })
})

describe('Transaction.hashAll', () => {
  it('packs every hash, gives transactions without one a view of it, keeps the ones known', () => {
    const txs = Array.from({ length: 9 }, (_, i) => sampleTx(i, 'p'.repeat(i * 7)))
    const expected = txs.map((t) => toHex(new Transaction(t, t.signature).hash()))
    const known = txs[3]!.hash()
    const packed = Transaction.hashAll(txs)
    expect(packed.length).toBe(9 * 32)
    txs.forEach((tx, i) => {
      expect(toHex(packed.subarray(i * 32, (i + 1) * 32))).toBe(expected[i])
      expect(toHex(tx.hash())).toBe(expected[i])
      if (i === 3) expect(tx.hash()).toBe(known)
      else expect(tx.hash().buffer).toBe(packed.buffer)
    })
    expect(toHex(txRootOf(txs))).toBe(toHex(merkleRoot(txs.map((t) => t.hash()))))
    expect(Transaction.hashAll([]).length).toBe(0)
  })
})
