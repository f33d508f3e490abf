/**
 * A block commit: the bulk goes first in synced segments, then one atomic batch makes the block
 * the head. A crash between them must leave the previous head intact and nothing reachable.
 */
import { describe, expect, it } from 'vitest'
import {
  appStateKey,
  Bucket,
  bucketEnd,
  COMMIT_SEGMENT_BYTES,
  kvWriteBytes,
  metaKey,
  MetaKey,
  openMemoryStore,
  toHex,
  type KvStore,
  type KvWrites,
} from '../../src/index.js'
import { buildNext, openTestChain, putTx } from '../helpers/chain.js'
import { alice } from '../helpers/fixtures.js'
import { testDataKey } from '../helpers/test-app.js'

/** A store that records each write's size and can fail the write that sets the latest height. */
function recordingStore(inner: KvStore, failFinal: { on: boolean }) {
  const writes: { count: number; bytes: number; sync: boolean; final: boolean }[] = []
  const latest = toHex(metaKey(MetaKey.latestHeight))
  const store: KvStore = {
    get: (k) => inner.get(k),
    getMany: (k) => inner.getMany(k),
    range: (o) => inner.range(o),
    close: () => inner.close(),
    async write(ws: KvWrites, opts) {
      const final = [...ws].some((w) => toHex(w.key) === latest)
      if (final && failFinal.on) throw new Error('simulated crash before the final batch')
      writes.push({ count: ws.length, bytes: kvWriteBytes(ws), sync: opts?.sync ?? false, final })
      await inner.write(ws, opts)
    },
  }
  return { store, writes }
}

/** ~6 MB of state values (the test app's limit is 4 KB per value), and a ~6 MB block. */
const bigTxs = () => Array.from({ length: 1500 }, (_, i) => putTx(i, `big-${i}`, 'x'.repeat(4000)))

describe('block commit', () => {
  it('writes a large block in synced segments before the final batch', async () => {
    const { store, writes } = recordingStore(await openMemoryStore(), { on: false })
    const chain = await openTestChain({ store })
    const { block, cert } = await buildNext(chain, bigTxs())
    writes.length = 0
    await chain.commitBlock(await chain.validateBlock(block), cert)

    expect(writes.length).toBeGreaterThanOrEqual(2)
    expect(writes.every((w) => w.sync)).toBe(true)
    expect(writes.filter((w) => w.final)).toHaveLength(1)
    expect(writes.at(-1)!.final).toBe(true)
    // A segment ends at the first write that takes it past the limit; the rest rides with the
    // final batch.
    for (const w of writes.slice(0, -1)) expect(w.bytes).toBeGreaterThanOrEqual(COMMIT_SEGMENT_BYTES)
    expect(chain.height).toBe(1)
    expect(await chain.state.get(appStateKey(testDataKey('big-7')))).toHaveLength(4000)
  })

  it('waits for an asynchronous collection before it writes the block', async () => {
    const collected: number[] = []
    const chain = await openTestChain({
      largeBlockCollection: {
        collect: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20))
          collected.push(chain.height)
        },
        minTxs: 5,
      },
    })
    const nonce = await chain.nonceOf(alice.publicKey)
    const txs = Array.from({ length: 5 }, (_, i) => putTx(nonce + i, `gc-async-${i}`, 'v'))
    const { block, cert } = await buildNext(chain, txs)
    await chain.commitBlock(await chain.validateBlock(block), cert)
    expect(collected).toEqual([0]) // collected while the head was still the genesis
    expect(chain.height).toBe(1)
  })

  it('collects garbage once before committing a block of at least minTxs transactions', async () => {
    const collected: number[] = []
    const chain = await openTestChain({
      largeBlockCollection: {
        collect: () => {
          collected.push(chain.height)
        },
        minTxs: 20,
      },
    })
    // Table: block size → whether its commit collects (the height when it did).
    for (const [size, collects] of [
      [19, false],
      [20, true],
      [50, true],
    ] as const) {
      const before = collected.length
      const nonce = await chain.nonceOf(alice.publicKey)
      const txs = Array.from({ length: size }, (_, i) => putTx(nonce + i, `gc-${size}-${i}`, 'v'))
      const { block, cert } = await buildNext(chain, txs)
      const executed = await chain.validateBlock(block)
      expect(collected.length).toBe(before) // not while validating
      await chain.commitBlock(executed, cert)
      expect(collected.length - before).toBe(collects ? 1 : 0)
    }
    // Before the block was written: the head was still the previous height.
    expect(collected).toEqual([1, 2])
    expect(chain.height).toBe(3)
  })

  it('commits a small block in one synced write', async () => {
    const { store, writes } = recordingStore(await openMemoryStore(), { on: false })
    const chain = await openTestChain({ store })
    const { block, cert } = await buildNext(
      chain,
      Array.from({ length: 50 }, (_, i) => putTx(i, `small-${i}`, 'v')),
    )
    writes.length = 0
    await chain.commitBlock(await chain.validateBlock(block), cert)
    expect(writes).toHaveLength(1)
    expect(writes[0]!.sync).toBe(true)
    expect(writes[0]!.final).toBe(true)
    expect(await chain.blocks.getBlockBytes(1)).toEqual(block.serialize())
    expect((await chain.blocks.getReceipt(1, 49))!.events).toEqual([
      { type: 'put', attributes: { key: 'small-49' } },
    ])
    // Index keys and values share buffers (block-store's slab): each still finds its own.
    for (const [index, tx] of block.txs.entries()) {
      expect(await chain.blocks.getTxLocation(tx.hash())).toEqual({ height: 1, index })
      expect((await chain.blocks.getReceipt(1, index))!.events[0]!.attributes).toEqual({
        key: `small-${index}`,
      })
    }
  })

  it('writes the page puts of an update prepared elsewhere with the staged bulk, the rest as they are', async () => {
    const { store, writes } = recordingStore(await openMemoryStore(), { on: false })
    const chain = await openTestChain({ store })
    const { block, cert } = await buildNext(chain, [putTx(0, 'a', '1')])
    const executed = await chain.validateBlock(block)
    const page = new Uint8Array(33).fill(7)
    page[0] = Bucket.stateNode
    const value = Uint8Array.of(1, 2, 3)
    writes.length = 0
    await chain.blocks.commit({
      block,
      certificate: cert,
      receiptBytes: executed.execution.receiptBytes,
      validators: (await chain.validatorSetAt(1))!,
      stateRoot: executed.stateUpdate.root,
      stateWrites: [{ type: 'put', key: page, value }, ...executed.stateUpdate.writes],
    })
    // A small block's staged bulk (here the page, block and receipt) rides in the final batch.
    expect(writes.map((w) => w.final)).toEqual([true])
    expect(writes[0]!.count).toBe(
      executed.stateUpdate.writes.length + 1 /* page */ + 3 /* block, receipt, tx index */ + 5 /* head */,
    )
    expect(await store.get(page)).toEqual(value)
    expect(await chain.blocks.latestHeight()).toBe(1)
  })

  it('a crash before the final batch keeps the previous head; reopening removes the leftovers', async () => {
    const inner = await openMemoryStore()
    const fail = { on: false }
    const { store } = recordingStore(inner, fail)
    const chain = await openTestChain({ store })
    const reference = await openTestChain()
    const { block, cert } = await buildNext(chain, bigTxs())
    const rootBefore = toHex(chain.stateRoot)

    fail.on = true
    await expect(chain.commitBlock(await chain.validateBlock(block), cert)).rejects.toThrow(/simulated crash/)
    // The segments were written: block bytes and receipts sit above the latest height.
    expect(await inner.get(new Uint8Array([0x01, 0, 0, 0, 0, 0, 0, 0, 1]))).toBeDefined()

    fail.on = false
    const reopened = await openTestChain({ store })
    expect(reopened.height).toBe(0)
    expect(toHex(reopened.stateRoot)).toBe(rootBefore)
    expect(await reopened.blocks.getBlockBytes(1)).toBeUndefined()
    expect(await reopened.blocks.getReceipt(1, 0)).toBeUndefined()
    expect(await reopened.blocks.getTxLocation(block.txs[0]!.hash())).toBeUndefined()
    expect(await reopened.state.get(appStateKey(testDataKey('big-7')))).toBeUndefined()

    // The same block commits afterwards, to the same state as a node that never crashed.
    await reopened.commitBlock(await reopened.validateBlock(block), cert)
    await reference.commitBlock(await reference.validateBlock(block), cert)
    expect(reopened.height).toBe(1)
    expect(toHex(reopened.stateRoot)).toBe(toHex(reference.stateRoot))
    expect(toHex(reopened.stateRoot)).toBe(toHex(block.header.stateRoot))
    expect(await reopened.blocks.getTxLocation(block.txs[1499]!.hash())).toEqual({ height: 1, index: 1499 })
    expect((await reopened.blocks.getReceipt(1, 1499))!.events).toEqual([
      { type: 'put', attributes: { key: 'big-1499' } },
    ])
    expect(await reopened.blocks.getReceipt(1, 1500)).toBeUndefined()
    expect((await reopened.proveState([appStateKey(testDataKey('big-3'))])).entries[0]!.value).toEqual(
      new TextEncoder().encode('x'.repeat(4000)),
    )
  })

  it('pages staged for a proposal that loses are deleted when the winner commits', async () => {
    const store = await openMemoryStore()
    const chain = await openTestChain({ store })
    const reference = await openTestChain()
    const loser = await buildNext(chain, [putTx(0, 'a', '1'), putTx(1, 'b', '2')], 0)
    const winner = await buildNext(chain, [putTx(0, 'c', '3')], 1)
    await chain.validateBlock(loser.block, { round: 1 })
    await chain.commitBlock(await chain.validateBlock(winner.block, { round: 1 }), winner.cert)
    await reference.commitBlock(await reference.validateBlock(winner.block, { round: 1 }), winner.cert)
    const pages = async (kv: KvStore) => {
      const out: string[] = []
      for await (const [k] of kv.range({
        gte: new Uint8Array([Bucket.stateNode]),
        lt: bucketEnd(Bucket.stateNode),
      }))
        out.push(toHex(k))
      return out
    }
    expect(toHex(chain.stateRoot)).toBe(toHex(reference.stateRoot))
    expect(await pages(store)).toEqual(await pages(reference.blocks.kv))
  })
})
