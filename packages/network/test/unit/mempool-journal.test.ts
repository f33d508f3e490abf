import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  createSignedTx,
  DEFAULT_CHAIN_PARAMS,
  encode,
  keyPairFromSeed,
  type Transaction,
} from '@govchain/ledger'
import { MempoolJournal } from '../../src/mempool-journal.js'
import { kvPutTx } from '../helpers/kv-txs.js'

const CHAIN = 'journal-test'
const MAX = DEFAULT_CHAIN_PARAMS.maxTxBytes
const bob = keyPairFromSeed('bob')

function bobTx(nonce: number, value = 'v'): Transaction {
  return createSignedTx(
    {
      chainId: CHAIN,
      sender: bob.publicKey,
      nonce,
      type: 'kv.put',
      payload: encode({ key: 'b', value }),
      expiryHeight: null,
    },
    bob.secretKey,
  )
}

const hashes = (txs: readonly Transaction[]) => txs.map((t) => t.hashHex())

describe('MempoolJournal', () => {
  let dir = ''
  let path = ''
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'govchain-journal-'))
    path = join(dir, 'mempool.journal')
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  /** Opens the journal as a restarted node does: what it gives back. */
  const reopen = () => {
    const { journal, replay } = MempoolJournal.open(path, MAX)
    journal.close()
    return replay
  }

  it('gives back what it recorded after the process is gone, each sender in nonce order', () => {
    const { journal, replay } = MempoolJournal.open(path, MAX)
    expect(replay).toEqual({ txs: [], unreadable: 0 })
    const txs = [kvPutTx(2, CHAIN), bobTx(1), kvPutTx(0, CHAIN), bobTx(0), kvPutTx(1, CHAIN)]
    journal.record(txs.slice(0, 2))
    journal.record(txs.slice(2))
    // No close: a killed process closes nothing. Each record is in the file once `record` returns.
    const { txs: loaded, unreadable } = reopen()
    expect(unreadable).toBe(0)
    const nonces = (sender: Uint8Array) =>
      loaded.filter((t) => Buffer.compare(t.sender, sender) === 0).map((t) => t.nonce)
    expect(nonces(bob.publicKey)).toEqual([0, 1])
    expect(nonces(kvPutTx(0, CHAIN).sender)).toEqual([0, 1, 2])
    expect(loaded.map((t) => t.hashHex()).sort()).toEqual(hashes(txs).sort())
    expect(loaded[0]!.serialize()).toEqual(txs.find((t) => t.hashHex() === loaded[0]!.hashHex())!.serialize())
  })

  it('marks what it forgets in one write per turn of the event loop', async () => {
    const { journal } = MempoolJournal.open(path, MAX)
    const txs = [0, 1, 2, 3].map((n) => kvPutTx(n, CHAIN))
    journal.record(txs)
    const recorded = statSync(path).size
    journal.forget(txs[0]!)
    journal.forget(txs[2]!)
    expect(statSync(path).size).toBe(recorded) // not yet: after this turn
    await new Promise((r) => setImmediate(r))
    expect(statSync(path).size).toBe(recorded + 2 * (5 + 32))
    expect(journal.size).toBe(2)
    expect(hashes(reopen().txs).sort()).toEqual(hashes([txs[1]!, txs[3]!]).sort())
  })

  it('writes nothing for a transaction it never recorded (one gossip brought), or already forgot', () => {
    const { journal } = MempoolJournal.open(path, MAX)
    const mine = kvPutTx(0, CHAIN)
    journal.record([mine])
    journal.record([mine]) // recorded once
    const size = statSync(path).size
    journal.forget(bobTx(0))
    journal.forget(mine)
    journal.forget(mine)
    journal.flush()
    expect(statSync(path).size).toBe(size + 5 + 32)
  })

  it('keeps only the live transactions when reopened', () => {
    const { journal } = MempoolJournal.open(path, MAX)
    const txs = [0, 1, 2].map((n) => kvPutTx(n, CHAIN))
    journal.record(txs)
    journal.forget(txs[0]!)
    journal.forget(txs[1]!)
    journal.close()
    const before = statSync(path).size
    expect(hashes(reopen().txs)).toEqual(hashes([txs[2]!]))
    expect(statSync(path).size).toBe(5 + txs[2]!.serialize().length)
    expect(statSync(path).size).toBeLessThan(before)
  })

  it('compacts the file once it is four times its live bytes and past 8 MiB', () => {
    const { journal } = MempoolJournal.open(path, MAX)
    const big = 'x'.repeat(30_000)
    const keep = bobTx(0, big)
    journal.record([keep])
    let appended = 0
    let peak = 0
    for (let n = 1; n <= 400; n++) {
      const tx = bobTx(n, big)
      journal.record([tx])
      journal.forget(tx)
      journal.flush()
      appended += 5 + tx.serialize().length + 5 + 32
      peak = Math.max(peak, statSync(path).size)
    }
    expect(appended).toBeGreaterThan(11 * 1024 * 1024)
    expect(peak).toBeLessThan(8 * 1024 * 1024 + 2 * 31_000) // compacted each time it passed 8 MiB
    expect(hashes(reopen().txs)).toEqual(hashes([keep]))
  })

  it('ignores a record cut short at the end, and drops records that do not decode', () => {
    const { journal } = MempoolJournal.open(path, MAX)
    const good = kvPutTx(0, CHAIN)
    journal.record([good])
    journal.close()
    // A record of another kind, one whose bytes are not a transaction, then a cut-short one.
    appendFileSync(path, Buffer.from([9, 0, 0, 0, 1, 0xff]))
    appendFileSync(path, Buffer.from([1, 0, 0, 0, 3, 1, 2, 3]))
    appendFileSync(path, Buffer.from([1, 0, 0, 1, 0, 7, 7]))
    const replay = reopen()
    expect(replay.unreadable).toBe(2)
    expect(hashes(replay.txs)).toEqual(hashes([good]))
    // Rewritten clean: the next start finds only the good record.
    expect(reopen()).toEqual({ txs: [expect.anything()], unreadable: 0 })
    expect(readFileSync(path).length).toBe(5 + good.serialize().length)
  })

  it('starts empty without a file, and refuses records once closed', () => {
    writeFileSync(join(dir, 'other'), 'x')
    const { journal, replay } = MempoolJournal.open(path, MAX)
    expect(replay.txs).toEqual([])
    journal.close()
    expect(() => journal.record([kvPutTx(0, CHAIN)])).toThrow(
      expect.objectContaining({ code: 'API_UNAVAILABLE' }),
    )
  })
})
