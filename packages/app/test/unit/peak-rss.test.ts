import { existsSync } from 'node:fs'
import { fullCollection } from '@govchain/network/large-block-collection'
import { describe, expect, it } from 'vitest'
import { PeakRssMeter, settleMemory } from '../../src/bench/peak-rss.js'

describe.runIf(existsSync('/proc/self/clear_refs'))('PeakRssMeter (Linux)', () => {
  it('measures a stretch from its start and keeps the whole-life peak across resets', () => {
    const meter = new PeakRssMeter()
    meter.startStretch()
    const start = meter.stretchPeakMb()
    const big = Buffer.alloc(96 * 1024 * 1024, 1) // touched: resident
    const during = meter.stretchPeakMb()
    expect(during - start).toBeGreaterThanOrEqual(80)
    expect(big[big.length - 1]).toBe(1)

    meter.startStretch() // a new stretch starts at the current RSS, which still holds `big`
    expect(meter.stretchPeakMb()).toBeLessThanOrEqual(during + 8)
    expect(meter.processPeakMb()).toBeGreaterThanOrEqual(during)
  })
})

describe('settleMemory', () => {
  it('collects, then waits until what was freed has left the resident set', async () => {
    const held = (() => {
      const big = Buffer.alloc(128 * 1024 * 1024, 1) // touched: resident; garbage once this returns
      expect(big[big.length - 1]).toBe(1)
      return process.memoryUsage.rss()
    })()
    await settleMemory(fullCollection) // the bench's collection
    expect(held - process.memoryUsage.rss()).toBeGreaterThan(96 * 1024 * 1024)
  })

  it('collects once, and stops once resident memory no longer falls', async () => {
    let calls = 0
    const started = performance.now()
    await settleMemory(() => {
      calls++
    })
    expect(calls).toBe(1)
    expect(performance.now() - started).toBeLessThan(3_500)
  })
})
