import { describe, expect, it } from 'vitest'
import {
  createSignedTx,
  encode,
  keyPairFromSeed,
  TxError,
  TxErrorCode,
  type Transaction,
} from '@govchain/ledger'
import { Mempool, type MempoolChain } from '../../src/mempool.js'
import { MempoolErrorCode } from '../../src/errors.js'

const alice = keyPairFromSeed('alice')
const bob = keyPairFromSeed('bob')

function tx(who: typeof alice, nonce: number, value = 'v'): Transaction {
  return createSignedTx(
    {
      chainId: 'test',
      sender: who.publicKey,
      nonce,
      type: 'kv.put',
      payload: encode({ key: 'k', value }),
      expiryHeight: null,
    },
    who.secretKey,
  )
}

/** A chain stand-in with committed nonces: what the mempool asks of `Chain`. */
function fakeChain(nonces: Map<string, number> = new Map()): MempoolChain & { nonces: Map<string, number> } {
  const key = (pk: Uint8Array) => Buffer.from(pk).toString('hex')
  return {
    nonces,
    async checkTx(t) {
      if (!t.verifySignature()) throw new TxError(TxErrorCode.BAD_SIGNATURE, 'bad')
      if (t.nonce < (nonces.get(key(t.sender)) ?? 0)) throw new TxError(TxErrorCode.BAD_NONCE, 'used')
    },
    async nonceOf(pk) {
      return nonces.get(key(pk)) ?? 0
    },
    async isCommitted() {
      return false
    },
  }
}

describe('mempool', () => {
  it('admissible: leaves out what add would refuse before checkTx (pending, no room)', async () => {
    const m = new Mempool(fakeChain(), { maxTxs: 3 })
    await m.add(tx(alice, 0))
    const label = (t: Transaction) => `${t.sender === alice.publicKey ? 'a' : 'b'}${t.nonce}`
    // One pending, room for two more, taken in order.
    expect(m.admissible([tx(alice, 0), tx(bob, 0), tx(alice, 1), tx(bob, 1)]).map(label)).toEqual([
      'b0',
      'a1',
    ])
    await m.add(tx(bob, 0))
    await m.add(tx(alice, 1))
    expect(m.admissible([tx(bob, 1)])).toEqual([])
    // By bytes: a pool with room for one more transaction's bytes only.
    const one = tx(alice, 0).serialize().length
    const small = new Mempool(fakeChain(), { maxBytes: one + 10 })
    expect(small.admissible([tx(alice, 0), tx(bob, 0)]).map(label)).toEqual(['a0'])
  })

  it('offers long-pending transactions again: after the interval, oldest first, bounded, then not again before the interval', async () => {
    let now = 0
    const m = new Mempool(fakeChain(), {}, {}, () => now)
    await m.add(tx(alice, 0))
    now = 1_000
    await m.add(tx(bob, 0))
    await m.add(tx(alice, 1))
    const label = (t: Transaction) => `${t.sender === alice.publicKey ? 'a' : 'b'}${t.nonce}`
    now = 9_999
    expect(m.dueForRegossip(10_000, 10)).toEqual([])
    now = 10_000
    expect(m.dueForRegossip(10_000, 10).map(label)).toEqual(['a0'])
    now = 11_000
    expect(m.dueForRegossip(10_000, 1).map(label)).toEqual(['b0']) // bounded
    expect(m.dueForRegossip(10_000, 10).map(label)).toEqual(['a1'])
    expect(m.dueForRegossip(10_000, 10)).toEqual([]) // offered just now
    m.removeCommitted([tx(alice, 0)])
    now = 21_000
    expect(m.dueForRegossip(10_000, 10).map(label)).toEqual(['b0', 'a1'])
    expect(m.dueForRegossip(10_000, 0)).toEqual([])
  })

  it('orders by arrival but never a nonce before an earlier one of its sender', async () => {
    const m = new Mempool(fakeChain())
    await m.add(tx(alice, 1))
    await m.add(tx(bob, 0))
    await m.add(tx(alice, 0))
    await m.add(tx(alice, 3)) // gap: not ready
    const reaped = m.reap(100, 1 << 20).map((t) => `${t.sender === alice.publicKey ? 'a' : 'b'}${t.nonce}`)
    expect(reaped).toEqual(['b0', 'a0', 'a1'])
  })

  it('counts as ready what reap would take, not what waits behind a nonce gap, up to atMost', async () => {
    const m = new Mempool(fakeChain(new Map([[Buffer.from(bob.publicKey).toString('hex'), 5]])))
    await m.add(tx(alice, 2)) // alice's next nonce is 0: gap
    await m.add(tx(bob, 6)) // bob's is 5: gap
    expect([m.size, m.countReady(100)]).toEqual([2, 0])
    await m.add(tx(alice, 0))
    expect(m.countReady(100)).toBe(1) // a0; a2 still waits for a1
    await m.add(tx(alice, 1))
    await m.add(tx(bob, 5))
    expect(m.countReady(100)).toBe(m.reap(100, 1 << 20).length)
    expect([m.countReady(100), m.countReady(3), m.countReady(1), m.countReady(0)]).toEqual([5, 3, 1, 0])
    m.removeCommitted([tx(alice, 0), tx(alice, 1), tx(alice, 2)])
    expect(m.countReady(100)).toBe(2) // bob's b5, b6
  })

  it.each([
    ['duplicate hash', async (m: Mempool) => m.add(tx(alice, 0)), MempoolErrorCode.DUPLICATE],
    [
      'second tx for a queued nonce',
      async (m: Mempool) => m.add(tx(alice, 0, 'other')),
      MempoolErrorCode.NONCE_TAKEN,
    ],
    ['nonce too far ahead', async (m: Mempool) => m.add(tx(alice, 50)), MempoolErrorCode.NONCE_TOO_FAR],
  ])('refuses a %s', async (_what, act, code) => {
    const m = new Mempool(fakeChain(), { maxNonceGap: 10 })
    await m.add(tx(alice, 0))
    await expect(act(m)).rejects.toMatchObject({ code })
    expect(m.size).toBe(1)
  })

  it('is bounded: a full pool refuses with MEMPOOL_FULL and keeps what it has', async () => {
    const m = new Mempool(fakeChain(), { maxTxs: 2 })
    await m.add(tx(alice, 0))
    await m.add(tx(alice, 1))
    await expect(m.add(tx(bob, 0))).rejects.toMatchObject({ code: MempoolErrorCode.FULL })
    expect(m.size).toBe(2)
  })

  it('drops committed transactions and re-checks the rest after a block', async () => {
    const chain = fakeChain()
    const rejected: string[] = []
    const m = new Mempool(chain, {}, { onRejected: (h) => rejected.push(h) })
    const a0 = tx(alice, 0)
    const a0b = tx(alice, 1)
    await m.add(a0)
    await m.add(a0b)
    await m.add(tx(bob, 0))
    const bobOther = tx(bob, 0, 'committed instead')
    chain.nonces.set(Buffer.from(alice.publicKey).toString('hex'), 1)
    chain.nonces.set(Buffer.from(bob.publicKey).toString('hex'), 1)
    await m.update([a0, bobOther])
    expect(m.size).toBe(1)
    expect(m.has(a0b.hashHex())).toBe(true)
    expect(rejected).toHaveLength(1) // bob's replaced nonce 0
    expect(m.reap(10, 1 << 20).map((t) => t.nonce)).toEqual([1])
  })

  it('tells its listener of every transaction that leaves: committed, refused on a re-check, dropped', async () => {
    const chain = fakeChain()
    const removed: string[] = []
    const m = new Mempool(chain, {}, { onRemoved: (e) => removed.push(e.hash) })
    const [a0, a1, b0, b1] = [tx(alice, 0), tx(alice, 1), tx(bob, 0), tx(bob, 1)]
    for (const t of [a0, a1, b0, b1]) await m.add(t)
    const bobOther = tx(bob, 0, 'committed instead')
    chain.nonces.set(Buffer.from(alice.publicKey).toString('hex'), 1)
    chain.nonces.set(Buffer.from(bob.publicKey).toString('hex'), 1)
    await m.update([a0, bobOther])
    expect(removed).toEqual([a0.hashHex(), b0.hashHex()]) // committed; bob's nonce 0 used by another
    m.drop(b1.hashHex(), new TxError(TxErrorCode.BAD_NONCE, 'dropped by our proposal'))
    m.drop(b1.hashHex(), new TxError(TxErrorCode.BAD_NONCE, 'not pending any more'))
    expect(removed).toEqual([a0.hashHex(), b0.hashHex(), b1.hashHex()])
    expect(m.has(a1.hashHex())).toBe(true)
  })

  it('re-checks fully only the oldest recheckTxs after a block; the rest get the used-nonce check', async () => {
    const chain = fakeChain()
    const rejected: string[] = []
    const m = new Mempool(chain, { recheckTxs: 2 }, { onRejected: (h) => rejected.push(h) })
    const a = [0, 1, 2].map((n) => tx(alice, n))
    const b0 = tx(bob, 0)
    const b1 = tx(bob, 1)
    for (const t of [...a, b0, b1]) await m.add(t)
    // bob's nonce 0 went into the block through another transaction; alice's 2 turned invalid.
    chain.nonces.set(Buffer.from(bob.publicKey).toString('hex'), 1)
    const checked: string[] = []
    const check = chain.checkTx
    chain.checkTx = async (t, o) => {
      checked.push(t.hashHex())
      if (t.hashHex() === a[2]!.hashHex()) throw new TxError(TxErrorCode.BAD_NONCE, 'now invalid')
      return check(t, o)
    }
    await m.update([])
    expect(checked).toEqual([a[0]!.hashHex(), a[1]!.hashHex()])
    expect(m.has(b0.hashHex())).toBe(false) // the cheap check, beyond the limit
    expect(rejected).toEqual([b0.hashHex()])
    expect(m.has(a[2]!.hashHex())).toBe(true) // not fully re-checked yet
    // Once the older ones are committed, it is among the oldest and goes.
    chain.nonces.set(Buffer.from(alice.publicKey).toString('hex'), 2)
    await m.update([a[0]!, a[1]!])
    expect(m.has(a[2]!.hashHex())).toBe(false)
    expect(m.has(b1.hashHex())).toBe(true)
  })

  it('refuses a bad signature and keeps nothing', async () => {
    const m = new Mempool(fakeChain())
    const good = tx(alice, 0)
    const bytes = new Uint8Array(good.serialize())
    bytes[bytes.length - 3]! ^= 1
    const { createTxFromBytes } = await import('@govchain/ledger')
    await expect(m.add(createTxFromBytes(bytes))).rejects.toMatchObject({ code: TxErrorCode.BAD_SIGNATURE })
    expect(m.size).toBe(0)
  })

  it('names a committed transaction MEMPOOL_ALREADY_COMMITTED, reading the block store only then', async () => {
    const chain = fakeChain()
    const committed = new Set<string>()
    let lookups = 0
    chain.isCommitted = async (h) => {
      lookups++
      return committed.has(Buffer.from(h).toString('hex'))
    }
    const m = new Mempool(chain)
    const a0 = tx(alice, 0)
    await m.add(a0)
    await m.add(tx(alice, 1))
    expect(lookups).toBe(0)
    // a0 commits: refused by the chain's nonce check, then named by the block store.
    committed.add(a0.hashHex())
    chain.nonces.set(Buffer.from(alice.publicKey).toString('hex'), 1)
    m.removeCommitted([a0])
    await expect(m.add(a0)).rejects.toMatchObject({ code: MempoolErrorCode.ALREADY_COMMITTED })
    // Another transaction with a used nonce stays a nonce error.
    await expect(m.add(tx(alice, 0, 'other'))).rejects.toMatchObject({ code: TxErrorCode.BAD_NONCE })
    // Committed while its admission awaited the chain: the mempool's own nonce check names it too.
    const b0 = tx(bob, 0)
    const slow = fakeChain()
    const m2 = new Mempool({
      ...slow,
      isCommitted: async (h) => Buffer.from(h).toString('hex') === b0.hashHex(),
      checkTx: async () => {
        m2.removeCommitted([b0])
      },
    })
    await m2.add(tx(bob, 1))
    await expect(m2.add(b0)).rejects.toMatchObject({ code: MempoolErrorCode.ALREADY_COMMITTED })
  })

  it('lets the event loop turn during a long re-check whose reads complete at once', async () => {
    const chain = fakeChain()
    const m = new Mempool(chain)
    for (let n = 0; n < 60; n++) await m.add(tx(alice, n))
    // Every check costs 1 ms of CPU and never waits for I/O.
    chain.checkTx = async () => {
      const until = performance.now() + 1
      while (performance.now() < until);
    }
    let turns = 0
    const tick = setInterval(() => turns++, 0)
    await m.recheck()
    clearInterval(tick)
    expect(turns).toBeGreaterThanOrEqual(5)
    expect(m.size).toBe(60)
  })
})
