import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PeakRssMeter } from '../../src/bench/peak-rss.js'

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
