/**
 * The member node's `LargeBlockCollection` (ledger chain.ts): one full V8 garbage collection
 * before committing a block of LARGE_BLOCK_MIN_TXS transactions or more. The benchmark's
 * validating chain uses the same, so that it measures what a node does.
 */
import type { LargeBlockCollection } from '@govchain/ledger'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * Below this a block's garbage is small next to the process (a 10,000-transaction block peaks
 * ~230 MB in the benchmark) and the collection would cost a larger share of its validation.
 */
export const LARGE_BLOCK_MIN_TXS = 20_000

let collect: (() => void) | undefined

/**
 * V8's full collection: `globalThis.gc` when the process was started with `--expose-gc`, else
 * the same function taken from a context created while the flag is briefly on (the flag only
 * decides whether new contexts get a `gc` global; it is switched off again at once).
 */
export function fullGarbageCollection(): () => void {
  if (collect !== undefined) return collect
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === 'function') return (collect = exposed as () => void)
  setFlagsFromString('--expose-gc')
  try {
    collect = runInNewContext('gc') as () => void
  } finally {
    setFlagsFromString('--no-expose-gc')
  }
  return collect
}

export function largeBlockCollection(minTxs = LARGE_BLOCK_MIN_TXS): LargeBlockCollection {
  return { collect: fullGarbageCollection(), minTxs }
}
