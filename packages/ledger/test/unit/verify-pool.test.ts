/**
 * The worker-thread signature pool (verify-pool.ts): verdicts in input order whatever the
 * chunking, a bad signature found in any position, a dying worker surfaced as a coded error
 * (and replaced for the next batch), clean shutdown; and block validation with the pool, where
 * execution overlaps the signature batch but a bad signature is still reported first.
 * Correctness only — speed is the benchmark's business.
 */
import { spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { afterAll, describe, expect, it } from 'vitest'
import {
  Block,
  BlockHeader,
  Chain,
  createSignedTx,
  openMemoryStore,
  parseGenesis,
  txRootOf,
  type Transaction,
  keyPairFromSeed,
  sign,
  utf8,
  verify,
  WorkerPoolVerifier,
  type SignedItem,
  txFields,
} from '../../src/index.js'
import { packSignedItems } from '../../src/verify-pool.js'
import { alice, bob } from '../helpers/fixtures.js'
import { buildNext, openTree, putTx, testGenesisJson } from '../helpers/chain.js'
import { createTestApp } from '../helpers/test-app.js'

const keys = Array.from({ length: 5 }, (_, i) => keyPairFromSeed(`pool-${i}`))

function item(i: number, message = `message ${i}`): SignedItem {
  const k = keys[i % keys.length]!
  const m = utf8.encode(message)
  return { publicKey: k.publicKey, message: m, signature: sign(k.secretKey, m) }
}

/** Ways to spoil an item; each must come back false. */
const spoilers: [string, (it: SignedItem) => SignedItem][] = [
  [
    'flipped signature bit',
    (it) => ({ ...it, signature: it.signature.map((b, j) => (j === 5 ? b ^ 1 : b)) }),
  ],
  ['other message', (it) => ({ ...it, message: utf8.encode('something else') })],
  ['other key', (it) => ({ ...it, publicKey: keyPairFromSeed('stranger').publicKey })],
  ['short signature', (it) => ({ ...it, signature: it.signature.subarray(0, 63) })],
  [
    'S ≥ L',
    (it) => ({
      ...it,
      signature: Uint8Array.from([...it.signature.subarray(0, 32), ...new Uint8Array(32).fill(0xff)]),
    }),
  ],
  [
    'small-order key',
    (it) => ({ ...it, publicKey: new Uint8Array(32).fill(0).map((_, j) => (j === 0 ? 1 : 0)) }),
  ],
]

const pools: WorkerPoolVerifier[] = []
function pool(opts: ConstructorParameters<typeof WorkerPoolVerifier>[0] = {}): WorkerPoolVerifier {
  const p = new WorkerPoolVerifier({ threads: 2, minChunk: 4, ...opts })
  pools.push(p)
  return p
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

describe('verdicts in input order', () => {
  it.each([1, 7, 8, 9, 64, 333])('%d items, every third spoiled', async (n) => {
    const p = pool()
    const items = Array.from({ length: n }, (_, i) =>
      i % 3 === 1 ? spoilers[i % spoilers.length]![1](item(i)) : item(i),
    )
    const expected = items.map((it) => verify(it.publicKey, it.message, it.signature))
    expect(await p.verifyBatch(items)).toEqual(expected)
    expect(expected.filter((v) => !v)).toHaveLength(Math.floor((n + 1) / 3))
  })

  it('an empty batch', async () => {
    expect(await pool().verifyBatch([])).toEqual([])
  })

  it('concurrent batches each get their own verdicts', async () => {
    const p = pool({ threads: 3 })
    const batches = [0, 1, 2, 3].map((b) =>
      Array.from({ length: 50 + b * 10 }, (_, i) => ((i + b) % 5 === 0 ? spoilers[0]![1](item(i)) : item(i))),
    )
    const results = await Promise.all(batches.map((b) => p.verifyBatch(b)))
    results.forEach((r, b) =>
      expect(r).toEqual(batches[b]!.map((it) => verify(it.publicKey, it.message, it.signature))),
    )
  })
})

describe('a bad signature in any position is found', () => {
  const n = 40
  const good = Array.from({ length: n }, (_, i) => item(i))
  const cases = spoilers.flatMap(([name, spoil]) =>
    [0, 1, 3, 4, 17, 38, 39].map((pos) => [name, pos, spoil] as const),
  )
  it.each(cases)('%s at %d', async (_name, pos, spoil) => {
    const items = good.map((it, i) => (i === pos ? spoil(it) : it))
    const verdicts = await pool().verifyBatch(items)
    expect(verdicts.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0)).toEqual([pos])
  })
})

describe('chunk buffers', () => {
  it('a worker sends each chunk back with its verdicts, to be freed by the pool thread', async () => {
    // A transferred buffer is freed by the collector of the thread that holds it last; a worker
    // collects rarely, so chunks left there piled up (tens of MB per large block).
    const worker = new Worker(new URL('../../src/crypto/verify-worker.js', import.meta.url))
    try {
      const items = [item(0), item(1), { ...item(2), message: utf8.encode('not what was signed') }]
      const buf = packSignedItems(items, Int32Array.from([0, 1, 2]))
      const size = buf.byteLength
      const reply = new Promise<{ id: number; verdicts: Uint8Array; buf: ArrayBuffer }>((resolve) =>
        worker.once('message', resolve),
      )
      worker.postMessage({ id: 7, buf, count: 3 }, [buf])
      expect(buf.byteLength).toBe(0) // transferred, not copied
      const { id, verdicts, buf: back } = await reply
      expect(id).toBe(7)
      expect([...verdicts]).toEqual([1, 1, 0])
      expect(back).toBeInstanceOf(ArrayBuffer)
      expect(back.byteLength).toBe(size)
    } finally {
      await worker.terminate()
    }
  })
})

describe('failures and shutdown', () => {
  const crashUrl = new URL('../helpers/crash-verify-worker.js', import.meta.url)

  it('a worker that dies fails the batch with a coded error; the next batch gets a new worker', async () => {
    const p = pool({ workerUrl: crashUrl, threads: 2 })
    const items = Array.from({ length: 40 }, (_, i) => item(i))
    expect(await p.verifyBatch(items)).toEqual(items.map(() => true))
    const poisoned = items.map((it, i) => (i === 25 ? { ...it, message: utf8.encode('CRASH-NOW') } : it))
    await expect(p.verifyBatch(poisoned)).rejects.toMatchObject({ code: 'VERIFY_POOL_WORKER_FAILED' })
    expect(await p.verifyBatch(items)).toEqual(items.map(() => true))
  })

  it('a worker script that cannot start fails batches instead of hanging', async () => {
    const p = pool({ workerUrl: new URL('../helpers/no-such-worker.js', import.meta.url) })
    const items = Array.from({ length: 20 }, (_, i) => item(i))
    await expect(p.verifyBatch(items)).rejects.toMatchObject({ code: 'VERIFY_POOL_WORKER_FAILED' })
    await expect(p.verifyBatch(items)).rejects.toMatchObject({ code: 'VERIFY_POOL_WORKER_FAILED' })
  })

  it('close() fails pending batches, refuses new ones, and can be called twice', async () => {
    const p = pool({ threads: 1, minChunk: 1 })
    const pending = p.verifyBatch(Array.from({ length: 200 }, (_, i) => item(i)))
    const failed = expect(pending).rejects.toMatchObject({ code: 'VERIFY_POOL_CLOSED' })
    await p.close()
    await failed
    await expect(p.verifyBatch([item(1)])).rejects.toMatchObject({ code: 'VERIFY_POOL_CLOSED' })
    await p.close()
  })

  it('an idle pool does not keep the process alive', () => {
    const script = `
      import { WorkerPoolVerifier, keyPairFromSeed, sign } from './packages/ledger/src/index.ts'
      const k = keyPairFromSeed('x'); const m = new Uint8Array(3)
      const pool = new WorkerPoolVerifier({ threads: 2, minChunk: 1 })
      const v = await pool.verifyBatch(Array.from({ length: 20 }, () => ({ publicKey: k.publicKey, message: m, signature: sign(k.secretKey, m) })))
      console.log(v.every(Boolean) ? 'verified' : 'wrong')`
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../../../', import.meta.url),
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.stdout.trim()).toBe('verified')
    expect(r.status).toBe(0)
  })
})

describe('block validation with the pool', () => {
  it('validates a block, and reports a bad signature before a failure found by execution', async () => {
    const chain = await Chain.open({ ...(await chainOptions()), verifier: pool() })
    const txs = Array.from({ length: 30 }, (_, i) => putTx(i, `k${i}`, `v${i}`))
    const { block } = await buildNext(chain, txs)
    expect((await chain.validateBlock(block)).execution.txs).toHaveLength(30)

    // tx 3 is signed by the wrong key; tx 20 has a nonce gap (execution would fail there).
    const bad: Transaction[] = block.txs.map((t, i) => {
      if (i === 3) return createSignedTx(txFields(t), bob.secretKey)
      if (i === 20) return putTx(99, 'gap', 'x', alice)
      return t
    })
    const broken = new Block(new BlockHeader({ ...block.header, txRoot: txRootOf(bad) }), bad, [])
    await expect(chain.validateBlock(broken)).rejects.toMatchObject({
      code: 'TX_BAD_SIGNATURE',
      details: { txIndex: 3 },
    })
    // Without the bad signature, the execution failure is what is reported.
    const onlyGap = bad.map((t, i) => (i === 3 ? block.txs[3]! : t))
    const gap = new Block(new BlockHeader({ ...block.header, txRoot: txRootOf(onlyGap) }), onlyGap, [])
    await expect(chain.validateBlock(gap)).rejects.toMatchObject({ code: 'TX_BAD_NONCE' })
  })
})

async function chainOptions() {
  return {
    store: await openMemoryStore(),
    genesis: parseGenesis(testGenesisJson()),
    app: createTestApp(),
    openStateTree: openTree,
  }
}
