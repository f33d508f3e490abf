import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AnonMemorySampler, rssAnonKb } from '../../src/bench/anon-memory.js'

describe('rssAnonKb', () => {
  it.each([
    ['a Linux status', 'VmRSS:\t  81234 kB\nRssAnon:\t   51200 kB\nRssFile:\t   30000 kB\n', 51200],
    ['the line first', 'RssAnon: 7 kB\nRssFile: 1 kB', 7],
    ['no RssAnon line (an old kernel)', 'VmRSS:\t  81234 kB\n', undefined],
    ['another unit', 'RssAnon:\t 5 MB\n', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, kb) => {
    expect(rssAnonKb(text)).toBe(kb)
  })
})

describe.runIf(existsSync(`/proc/${process.pid}/status`))('AnonMemorySampler (Linux)', () => {
  it('measures the peak since the last reset, including memory allocated between samples', () => {
    const sampler = new AnonMemorySampler(process.pid, 60_000) // no timer sample during the test
    try {
      sampler.reset()
      const before = sampler.peakMb()!
      const big = Buffer.alloc(96 * 1024 * 1024, 1) // touched: resident, anonymous
      expect(big[big.length - 1]).toBe(1)
      expect(sampler.peakMb()! - before).toBeGreaterThanOrEqual(80)
    } finally {
      sampler.close()
    }
  })

  it('keeps the peak of memory that another process held between its readings', async () => {
    // The child allocates 64 MB, holds it for 300 ms, frees it and says so.
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '-e',
        `let big = Buffer.alloc(64 * 1024 * 1024, 1)
         setTimeout(() => { big = null; gc(); console.log('freed') }, 300)
         setTimeout(() => {}, 60_000)`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    const sampler = new AnonMemorySampler(child.pid!, 5)
    try {
      await once(child.stdout!, 'data')
      await new Promise((r) => setTimeout(r, 100)) // the freed pages leave the process
      const peak = sampler.peakMb()!
      sampler.reset()
      const now = sampler.peakMb()!
      expect(peak).toBeGreaterThanOrEqual(64)
      expect(peak - now).toBeGreaterThanOrEqual(48)
    } finally {
      sampler.close()
      child.kill()
    }
  })

  it('reports nothing for a process it cannot read', () => {
    const sampler = new AnonMemorySampler(2 ** 30)
    expect(sampler.peakMb()).toBeUndefined()
    sampler.reset()
    sampler.close()
  })
})
