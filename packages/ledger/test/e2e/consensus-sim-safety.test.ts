/**
 * CI run of the deterministic consensus simulator, safety mode: 500 seeds, 4 and 7 validators
 * alternating, every fault of the scenario generator (drops, duplicates, heavy-tailed delays,
 * partitions, leader isolation, crashes with torn WAL records, Twins, spam, invalid blocks,
 * the hidden-decision adversary). Invariants I1–I7 are checked at every step.
 * Reproduce a seed with `pnpm sim --seeds 1 --from S --nodes N --mode safety`.
 */
import { describe, expect, it } from 'vitest'
import { runSeeds } from '../sim/batch.js'
import { formatSummary, replayCommand, summarize } from '../sim/summary.js'
import type { SimResult } from '../sim/simulation.js'

const CHUNKS = 5
const PER_CHUNK = 100
const all: SimResult[] = []

describe('consensus simulator, safety mode (500 seeds)', () => {
  it.each(Array.from({ length: CHUNKS }, (_, i) => ({ from: 1 + i * PER_CHUNK })))(
    'seeds $from… have no invariant violation',
    async ({ from }) => {
      const results = await runSeeds({ from, count: PER_CHUNK, mode: 'safety' })
      all.push(...results)
      const failing = results
        .filter((r) => r.violations.length > 0)
        .map((r) => `${replayCommand(r)}  # ${r.violations[0]!.invariant}: ${r.violations[0]!.detail}`)
      expect(failing).toEqual([])
      expect(results.reduce((s, r) => s + r.heights, 0)).toBeGreaterThan(PER_CHUNK * 5)
    },
    180_000,
  )

  it('injected every kind of fault and committed at 4 and 7 validators', () => {
    const s = summarize(all)
    console.log(
      formatSummary(s, { mode: 'safety', from: 1, bug: null, wallMs: 0, cpuMs: 0, crypto: 'cheap' }),
    )
    expect(s.seeds).toBe(CHUNKS * PER_CHUNK)
    for (const kind of [
      'drops',
      'duplicates',
      'heavy-tail delays',
      'partitions (symmetric)',
      'partitions (asymmetric)',
      'leader isolations',
      'crashes',
      'torn records dropped on restart',
      'adversary drops',
      'adversary crashes after locking',
      'spam votes',
      'invalid blocks proposed',
      'slow validations',
      'Twins (validators with two engines)',
    ]) {
      expect(s.faults[kind] ?? 0, kind).toBeGreaterThan(0)
    }
    expect([...s.byNodes.keys()].sort()).toEqual([4, 7])
  })
})
