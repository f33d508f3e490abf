/**
 * CI run of the consensus simulator, liveness mode: 200 seeds (4 and 7 validators). Faults
 * until GST, then a synchronous network with only the ≤ f Byzantine validators (Twins, spam,
 * invalid blocks) or crash-stopped nodes misbehaving. Checks I1–I7 at every step, and I8 (each
 * height after the re-synchronisation commits within f + 2 rounds; no stall) and I9
 * (evidence committed) at the end.
 */
import { describe, expect, it } from 'vitest'
import { runSeeds } from '../sim/batch.js'
import { replayCommand, summarize } from '../sim/summary.js'

describe('consensus simulator, liveness mode (200 seeds)', () => {
  it.each([{ from: 1 }, { from: 101 }])(
    'seeds $from… recover after GST and violate nothing',
    async ({ from }) => {
      const results = await runSeeds({ from, count: 100, mode: 'liveness' })
      const failing = results
        .filter((r) => r.violations.length > 0)
        .map((r) => `${replayCommand(r)}  # ${r.violations[0]!.invariant}: ${r.violations[0]!.detail}`)
      expect(failing).toEqual([])
      const s = summarize(results)
      expect(s.faults['restarts'] ?? 0).toBeGreaterThan(0)
      expect(s.roundP99).toBeLessThanOrEqual(6)
    },
    180_000,
  )
})
