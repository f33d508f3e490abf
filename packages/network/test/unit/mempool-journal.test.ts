import { describe, expect, it } from 'vitest'
import {
  Bucket,
  bucketKey,
  createSignedTx,
  DEFAULT_CHAIN_PARAMS,
  encode,
  keyPairFromSeed,
  openMemoryStore,
  type KvStore,
  type KvWrites,
  type Transaction,
} from '@govchain/ledger'
import { MempoolJournal } from '../../src/mempool-journal.js'
import { kvPutTx } from '../helpers/kv-txs.js'

const CHAIN = 'journal-test'
const MAX = DEFAULT_CHAIN_PARAMS.maxTxBytes
const bob = keyPairFromSeed('bob')

function bobTx(nonce: number): Transaction {
  return createSignedTx(
    {
      chainId: CHAIN,
      sender: bob.publicKey,
      nonce,
      type: 'kv.put',
      payload: encode({ key: 'b', value: 'v' }),
      expiryHeight: null,
    },
    bob.secretKey,
  )
}

/** The store, counting its writes. */
function counted(store: KvStore): KvStore & { writes: KvWrites[] } {
  const writes: KvWrites[] = []
  return Object.assign(Object.create(store) as KvStore, {
    writes,
    write: (w: KvWrites, opts?: { sync?: boolean }) => {
      writes.push(w)
      return store.write(w, opts)
    },
  })
}

const hashes = (txs: readonly Transaction[]) => txs.map((t) => t.hashHex())

describe('MempoolJournal', () => {
  it('gives back what it recorded, each sender in nonce order, across a reopen', async () => {
    const store = await openMemoryStore()
    const txs = [kvPutTx(2, CHAIN), bobTx(1), kvPutTx(0, CHAIN), bobTx(0), kvPutTx(1, CHAIN)]
    await new MempoolJournal(store).record(txs)
    const { txs: loaded, unreadable } = await new MempoolJournal(store).load(MAX)
    expect(unreadable).toBe(0)
    const bySender = (sender: Uint8Array) =>
      loaded.filter((t) => Buffer.compare(t.sender, sender) === 0).map((t) => t.nonce)
    expect(bySender(bob.publicKey)).toEqual([0, 1])
    expect(bySender(kvPutTx(0, CHAIN).sender)).toEqual([0, 1, 2])
    expect(loaded.map((t) => t.serialize())).toEqual(expect.arrayContaining(txs.map((t) => t.serialize())))
  })

  it('deletes what it forgets, in one write per turn of the event loop', async () => {
    const store = counted(await openMemoryStore())
    const journal = new MempoolJournal(store)
    const txs = [0, 1, 2, 3].map((n) => kvPutTx(n, CHAIN))
    await journal.record(txs)
    expect(journal.size).toBe(4)
    journal.forget(txs[0]!)
    journal.forget(txs[2]!)
    await journal.settled()
    expect(store.writes.map((w) => [...w].map((x) => x.type))).toEqual([
      ['put', 'put', 'put', 'put'],
      ['del', 'del'],
    ])
    expect(journal.size).toBe(2)
    expect(hashes((await new MempoolJournal(store).load(MAX)).txs)).toEqual(hashes([txs[1]!, txs[3]!]))
  })

  it('writes nothing for a transaction it never recorded (one gossip brought), or forgot already', async () => {
    const store = counted(await openMemoryStore())
    const journal = new MempoolJournal(store)
    const mine = kvPutTx(0, CHAIN)
    await journal.record([mine])
    journal.forget(bobTx(0))
    journal.forget(mine)
    journal.forget(mine)
    await journal.settled()
    expect(store.writes.map((w) => w.length)).toEqual([1, 1])
  })

  it('forgets a transaction that leaves the mempool while its record is being written', async () => {
    const store = await openMemoryStore()
    const journal = new MempoolJournal(store)
    const tx = kvPutTx(0, CHAIN)
    const recording = journal.record([tx])
    journal.forget(tx) // committed before the write resolved
    await recording
    await journal.settled()
    expect(journal.size).toBe(0)
    expect((await new MempoolJournal(store).load(MAX)).txs).toEqual([])
  })

  it('forgets, after loading, what the node refuses on replay', async () => {
    const store = await openMemoryStore()
    await new MempoolJournal(store).record([kvPutTx(0, CHAIN), kvPutTx(1, CHAIN)])
    const replay = new MempoolJournal(store)
    const { txs } = await replay.load(MAX)
    replay.forget(txs[0]!) // e.g. committed while the node was down
    await replay.settled()
    expect(hashes((await new MempoolJournal(store).load(MAX)).txs)).toEqual(hashes([txs[1]!]))
  })

  it('deletes entries that do not decode and counts them', async () => {
    const store = await openMemoryStore()
    const good = kvPutTx(0, CHAIN)
    await new MempoolJournal(store).record([good])
    await store.write([
      {
        type: 'put',
        key: bucketKey(Bucket.mempool, new Uint8Array(32).fill(7)),
        value: new Uint8Array([1, 2, 3]),
      },
    ])
    const first = await new MempoolJournal(store).load(MAX)
    expect(first.unreadable).toBe(1)
    expect(hashes(first.txs)).toEqual(hashes([good]))
    expect((await new MempoolJournal(store).load(MAX)).unreadable).toBe(0)
  })

  it('keeps other buckets out of what it loads', async () => {
    const store = await openMemoryStore()
    await store.write([
      { type: 'put', key: bucketKey(Bucket.app, new Uint8Array([1])), value: kvPutTx(5, CHAIN).serialize() },
      {
        type: 'put',
        key: bucketKey((Bucket.mempool + 1) as Bucket, new Uint8Array([1])),
        value: kvPutTx(6, CHAIN).serialize(),
      },
    ])
    expect((await new MempoolJournal(store).load(MAX)).txs).toEqual([])
  })
})
