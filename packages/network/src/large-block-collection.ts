/**
 * The member node's `LargeBlockCollection` (ledger chain.ts): one full V8 garbage collection
 * before committing a block of LARGE_BLOCK_MIN_TXS transactions or more. The benchmark's
 * validating chain uses the same, so that it measures what a node does, and collects with it
 * between its rounds.
 */
import type { LargeBlockCollection } from '@govchain/ledger'
import { measureMemory } from 'node:vm'

/**
 * Below this a block's garbage is small next to the process (a 10,000-transaction block peaks
 * ~230 MB in the benchmark) and the collection would cost a larger share of its validation.
 */
export const LARGE_BLOCK_MIN_TXS = 20_000

/**
 * A full collection started the way V8 starts its own (`vm.measureMemory` with eager execution:
 * "the GC will be started right away"), resolved once it has run. Not `gc()`: a forced
 * collection also makes V8 throw away optimized code, and the next block runs slower while it is
 * compiled again (measured between two validations of a 10,000-transaction block: after `gc()`
 * 35–60 functions deoptimized and 75–95 optimized again, after this one 0–2 and 23–40;
 * docs/bench.md). The measurement itself is discarded.
 */
export async function fullCollection(): Promise<void> {
  // vm.measureMemory is still marked experimental and says so on stderr once per process; the
  // warning is emitted synchronously by the call, so it is muted for that call alone.
  const emitWarning = process.emitWarning
  process.emitWarning = () => {}
  let measured: Promise<unknown>
  try {
    measured = measureMemory({ execution: 'eager' })
  } finally {
    process.emitWarning = emitWarning
  }
  await measured
}

export function largeBlockCollection(minTxs = LARGE_BLOCK_MIN_TXS): LargeBlockCollection {
  return { collect: fullCollection, minTxs }
}
