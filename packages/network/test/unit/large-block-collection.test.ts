import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import {
  fullGarbageCollection,
  LARGE_BLOCK_MIN_TXS,
  largeBlockCollection,
} from '../../src/large-block-collection.js'

describe('large block collection', () => {
  it('collects what is unreachable, without --expose-gc and without exposing gc', async () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined() // vitest's workers run without it
    const ref = new WeakRef({ payload: new Array(10_000).fill(1) }) // nothing else holds it
    // A WeakRef keeps its target alive until the end of the job that made (or read) it.
    await tick()
    expect(ref.deref()).toBeDefined() // nothing collected it on its own
    await tick()
    fullGarbageCollection()()
    expect(ref.deref()).toBeUndefined()
    // Taken from a context of its own: the flag is off again, the global stays unset.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined()
  })

  it('returns one collection function, and the node threshold by default', () => {
    expect(fullGarbageCollection()).toBe(fullGarbageCollection())
    expect(largeBlockCollection()).toEqual({ collect: fullGarbageCollection(), minTxs: LARGE_BLOCK_MIN_TXS })
    expect(largeBlockCollection(5).minTxs).toBe(5)
  })
})
