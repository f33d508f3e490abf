/**
 * Signatures alone: the same block's signatures verified with no decoding, hashing or execution
 * around them, by each verifier over all cores — the raw limit the validation is compared with —
 * and the pure-JS baseline (@noble/curves, the pinned rule's browser path) on all cores.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { threadPoolVerifier, verify, type SignatureBatchVerifier, type SignedItem } from '@govchain/ledger'
import { BenchError, BenchErrorCode } from './errors.js'
import type { VerifierName } from './types.js'

/** One thread, synchronous OpenSSL calls: the per-core baseline. */
export const singleThreadVerifier: SignatureBatchVerifier = {
  verifyBatch: async (items) => items.map((i) => verify(i.publicKey, i.message, i.signature)),
}

export function verifierByName(name: VerifierName, pool: SignatureBatchVerifier): SignatureBatchVerifier {
  return name === 'pool' ? pool : name === 'libuv' ? threadPoolVerifier : singleThreadVerifier
}

/** Milliseconds to verify `items` once; fails if any verdict is false (the block is valid). */
export async function timeVerification(
  verifier: SignatureBatchVerifier,
  items: readonly SignedItem[],
): Promise<number> {
  const started = performance.now()
  const verdicts = await verifier.verifyBatch(items)
  const ms = performance.now() - started
  if (verdicts.some((v) => !v))
    throw new BenchError(BenchErrorCode.CASE_FAILED, 'a valid signature was refused')
  return ms
}

// The worker runs the ledger's noble rule from TypeScript source: it registers tsx in its own
// thread (on Node 20 a worker does not inherit the loader of the main thread).
const NOBLE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
let verifyWithNoble
parentPort.on('message', async ({ items }) => {
  if (verifyWithNoble === undefined) {
    ;(await import(workerData.tsx)).register()
    verifyWithNoble = (await import(workerData.ledger)).verifyWithNoble
  }
  const started = performance.now()
  let ok = 0
  for (const it of items) if (verifyWithNoble(it.publicKey, it.message, it.signature)) ok++
  parentPort.postMessage({ ok, ms: performance.now() - started })
})
`

/**
 * Verifications per second of @noble/curves on all cores (one worker per core, each given an
 * equal share of `sample`, after a short warm-up): what a pure-JS node would reach.
 */
export async function noblePerSecond(
  sample: readonly SignedItem[],
  threads = availableParallelism(),
): Promise<number> {
  const workerData = {
    ledger: import.meta.resolve('@govchain/ledger'),
    tsx: import.meta.resolve('tsx/esm/api'),
  }
  const workers = Array.from({ length: threads }, () => new Worker(NOBLE_WORKER, { eval: true, workerData }))
  try {
    const run = (w: Worker, items: readonly SignedItem[]) =>
      new Promise<{ ok: number; ms: number }>((resolve, reject) => {
        w.once('message', resolve)
        w.once('error', reject)
        w.postMessage({ items })
      })
    await Promise.all(workers.map((w) => run(w, sample.slice(0, 10))))
    const share = Math.ceil(sample.length / threads)
    const started = performance.now()
    const results = await Promise.all(workers.map((w, i) => run(w, sample.slice(i * share, (i + 1) * share))))
    const ms = performance.now() - started
    if (results.reduce((s, r) => s + r.ok, 0) !== sample.length)
      throw new BenchError(BenchErrorCode.CASE_FAILED, 'noble refused a valid signature')
    return (sample.length / ms) * 1000
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
