import { describe, expect, it } from 'vitest'
import { createMetrics } from '../../src/metrics.js'
import { parseMetricsText } from '../../src/metrics-text.js'

describe('parseMetricsText', () => {
  it("reads back what a node's registry writes: gauges, labelled counters, histogram series", async () => {
    const m = createMetrics()
    m.chainHeight.set(42)
    m.blocksCommitted.inc({ source: 'consensus' }, 3)
    m.blockCommitSeconds.observe(0.25)
    const parsed = parseMetricsText(await m.register.metrics())
    expect(parsed.get('govchain_chain_height')).toBe(42)
    expect(parsed.get('govchain_blocks_committed_total{source="consensus"}')).toBe(3)
    expect(parsed.get('govchain_block_commit_seconds_count')).toBe(1)
    expect(parsed.get('govchain_block_commit_seconds_sum')).toBe(0.25)
    expect([...parsed.keys()].some((k) => k.startsWith('#'))).toBe(false)
  })

  it.each([
    ['comments and blank lines', '# HELP x y\n# TYPE x gauge\n\nx 1\n', [['x', 1]]],
    ['a value that is not a number', 'x abc\ny 2', [['y', 2]]],
    ['a line without a value', 'lonely\nz 3', [['z', 3]]],
    ['labels with spaces in their values', 'a{l="b c"} 4', [['a{l="b c"}', 4]]],
    ['special values', 'p +Inf\nq NaN\nr -1.5e3', [['r', -1500]]],
  ])('skips or keeps: %s', (_what, text, expected) => {
    expect([...parseMetricsText(text)]).toEqual(expected)
  })
})
