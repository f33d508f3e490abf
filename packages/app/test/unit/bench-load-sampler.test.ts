import { describe, expect, it } from 'vitest'
import { readProcCpuSeconds } from '../../src/bench/load/sampler.js'

const linux = process.platform === 'linux'

function spin(ms: number): void {
  const end = performance.now() + ms
  let x = 0
  while (performance.now() < end) x += Math.sqrt(x + 1)
  expect(x).toBeGreaterThan(0)
}

describe('bench load: CPU time from /proc', () => {
  it.skipIf(!linux)('reads the process and its main thread; the main thread is part of the process', () => {
    const pid = process.pid
    const process0 = readProcCpuSeconds(pid)!
    const main0 = readProcCpuSeconds(pid, pid)!
    spin(300)
    const main1 = readProcCpuSeconds(pid, pid)!
    const process1 = readProcCpuSeconds(pid)!
    expect(main1 - main0).toBeGreaterThanOrEqual(0.2)
    expect(process1 - process0).toBeGreaterThanOrEqual(main1 - main0 - 0.02)
    expect(main1).toBeLessThanOrEqual(process1 + 0.01)
  })

  it('reads null for a process or thread that does not exist', () => {
    expect(readProcCpuSeconds(2 ** 30)).toBeNull()
    expect(readProcCpuSeconds(process.pid, 2 ** 30)).toBeNull()
  })
})
