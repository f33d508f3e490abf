import { spawnSync } from 'node:child_process'
import { setImmediate as tick } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  fullCollection,
  LARGE_BLOCK_MIN_TXS,
  largeBlockCollection,
} from '../../src/large-block-collection.js'

describe('large block collection', () => {
  it('collects what is unreachable, without --expose-gc', async () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined() // vitest's workers run without it
    const ref = new WeakRef({ payload: new Array(10_000).fill(1) }) // nothing else holds it
    // A WeakRef keeps its target alive until the end of the job that made (or read) it.
    await tick()
    expect(ref.deref()).toBeDefined() // nothing collected it on its own
    await tick()
    await fullCollection()
    expect(ref.deref()).toBeUndefined()
  })

  it('says nothing on stderr about the experimental API it uses', () => {
    // A process of its own: Node warns once per process, and only the first call would show it.
    const module = fileURLToPath(new URL('../../src/large-block-collection.ts', import.meta.url))
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(module)}); await m.fullCollection(); await m.fullCollection()`,
      ],
      { encoding: 'utf8' },
    )
    expect(run.status).toBe(0)
    expect(run.stderr).toBe('')
  })

  it('leaves process.emitWarning as it was', async () => {
    const emitWarning = process.emitWarning
    await fullCollection()
    expect(process.emitWarning).toBe(emitWarning)
  })

  it('is the node threshold and collection by default', () => {
    expect(largeBlockCollection()).toEqual({ collect: fullCollection, minTxs: LARGE_BLOCK_MIN_TXS })
    expect(largeBlockCollection(5).minTxs).toBe(5)
  })
})
