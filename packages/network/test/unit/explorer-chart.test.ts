/** The explorer's pure helpers: chart rates and paths, canonical JSON, short hashes. */
import { describe, expect, it } from 'vitest'
import { linePath, niceMax, ratesAt, Series, type BlockPoint } from '../../src/explorer/chart.js'
import { canonicalJson, short } from '../../src/explorer/format.js'

const p = (atMs: number, txs = 0, latencyMs: number | null = null): BlockPoint => ({ atMs, txs, latencyMs })

describe('explorer charts', () => {
  it.each<[string, BlockPoint[], number, ReturnType<typeof ratesAt>]>([
    ['no blocks', [], 10_000, { blocksPerSecond: 0, txsPerSecond: 0, latencyMs: null }],
    [
      'blocks inside the window only',
      [p(0, 100), p(1_000, 5, 100), p(5_000, 10, 300), p(10_000, 5)],
      10_000,
      { blocksPerSecond: 0.3, txsPerSecond: 2, latencyMs: 200 },
    ],
    [
      'a block exactly at the window start is out',
      [p(0, 1)],
      10_000,
      { blocksPerSecond: 0, txsPerSecond: 0, latencyMs: null },
    ],
    [
      'a block from the future is out',
      [p(10_001, 1)],
      10_000,
      { blocksPerSecond: 0, txsPerSecond: 0, latencyMs: null },
    ],
  ])('rates: %s', (_what, points, now, expected) => {
    const r = ratesAt(points, now, 10_000)
    expect(r.blocksPerSecond).toBeCloseTo(expected.blocksPerSecond)
    expect(r.txsPerSecond).toBeCloseTo(expected.txsPerSecond)
    expect(r.latencyMs).toEqual(expected.latencyMs)
  })

  it.each([
    [0, 1],
    [-3, 1],
    [Number.NaN, 1],
    [0.3, 0.5],
    [1, 1],
    [1.2, 2],
    [3, 5],
    [7, 10],
    [70, 100],
    [250, 500],
  ])('niceMax(%d) = %d', (v, m) => expect(niceMax(v)).toBeCloseTo(m))

  it('linePath spreads values over the width, scales to max, and breaks at gaps', () => {
    expect(linePath([], 100, 50, 1)).toBe('')
    expect(linePath([0, 1], 100, 50, 1)).toBe('M0.0 50.0 L100.0 0.0')
    expect(linePath([0.5, null, 2], 100, 50, 1)).toBe('M0.0 25.0 M100.0 0.0')
    expect(linePath([1], 100, 50, 2)).toBe('M0.0 25.0')
  })

  it('Series keeps the last n samples', () => {
    const s = new Series(3)
    expect(s.values).toEqual([null, null, null])
    for (const v of [1, 5, null, 2]) s.push(v)
    expect(s.values).toEqual([5, null, 2])
    expect(s.last).toBe(2)
    expect(s.max).toBe(5)
  })

  it('canonicalJson ignores key order and is exact otherwise', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: null, c: 'x' }] })).toBe(
      canonicalJson({ a: [1, { c: 'x', d: null }], b: 1 }),
    )
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }))
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]))
  })

  it('short keeps both ends of a long hash', () => {
    expect(short('0123456789abcdef0123456789')).toBe('0123456789…456789')
    expect(short('abc')).toBe('abc')
  })
})
