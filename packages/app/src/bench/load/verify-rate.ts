/**
 * The raw signature-verification rate of this machine: the load's own signatures checked by the
 * ledger's `threadPoolVerifier` (node:crypto's asynchronous Ed25519 verify on libuv's thread
 * pool, every core), as a block's batch is checked on a node. The load target derives from it:
 * 4 nodes sharing the cores each verify every transaction, so ≈ raw ÷ nodes is the ceiling.
 */
import { availableParallelism } from 'node:os'
import { threadPoolVerifier, type SignedItem } from '@govchain/ledger'
import { LoadBenchError, LoadBenchErrorCode } from './options.js'
import type { PreparedTx } from './workload.js'

export type VerifyRate = {
  readonly perSecond: number
  readonly signatures: number
  readonly batch: number
  readonly cores: number
  readonly threadPool: number
}

/** Best of `rounds` passes over the items, in batches of `batch`, for about `minMs` each. */
export async function measureVerifyRate(
  txs: readonly PreparedTx[],
  opts: { batch?: number; rounds?: number; minMs?: number } = {},
): Promise<VerifyRate> {
  const batch = opts.batch ?? 1024
  const items: SignedItem[] = txs.map((p) => ({
    publicKey: p.tx.sender,
    message: p.tx.signingBytes(),
    signature: p.tx.signature,
  }))
  // Warm the key cache and the pool.
  await threadPoolVerifier.verifyBatch(items.slice(0, Math.min(items.length, 256)))
  let best = 0
  let done = 0
  for (let r = 0; r < (opts.rounds ?? 3); r++) {
    const t0 = performance.now()
    let n = 0
    while (performance.now() - t0 < (opts.minMs ?? 1500)) {
      for (let i = 0; i < items.length; i += batch) {
        const verdicts = await threadPoolVerifier.verifyBatch(items.slice(i, i + batch))
        if (verdicts.includes(false))
          throw new LoadBenchError(LoadBenchErrorCode.INTERNAL, 'a load signature did not verify')
        n += verdicts.length
      }
    }
    const rate = n / ((performance.now() - t0) / 1000)
    if (rate > best) best = rate
    done += n
  }
  return {
    perSecond: best,
    signatures: done,
    batch,
    cores: availableParallelism(),
    threadPool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
  }
}
