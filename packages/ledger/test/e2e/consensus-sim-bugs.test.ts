/**
 * Test the tests (consensus.md): each deliberately broken engine must make the simulator
 * report a violation within a bounded number of seeds of the ordinary scenario generator.
 * The broken engines wrap the production reducer inside the harness (test/sim/bugs.ts).
 */
import { describe, expect, it } from 'vitest'
import { runSeeds } from '../sim/batch.js'
import type { Bug } from '../sim/bugs.js'
import type { Mode } from '../sim/scenario.js'

const CASES: { bug: Bug; mode: Mode; nodes: number | null; within: number; caughtBy: string[] }[] = [
  // Rule 6: a locked validator prevotes a fresh proposal for another value → two blocks certified.
  { bug: 'skip-lock-check', mode: 'safety', nodes: null, within: 150, caughtBy: ['I1'] },
  // A validator's vote counted twice: decisions on fewer than Q distinct validators.
  { bug: 'double-count', mode: 'safety', nodes: null, within: 20, caughtBy: ['I5', 'I1'] },
  // Rule 12: skipping on one message lets a Byzantine spammer drag everyone to far rounds.
  { bug: 'skip-on-one', mode: 'liveness', nodes: null, within: 60, caughtBy: ['I8'] },
  // Rule 15: a restart without the lock → the locked value and another one both certified.
  { bug: 'forget-lock', mode: 'safety', nodes: null, within: 150, caughtBy: ['I1'] },
  // Rule 2: "2f + 1" = 3 of 5 instead of ⌊2P/3⌋ + 1 = 4.
  { bug: 'quorum-3-of-5', mode: 'safety', nodes: 5, within: 20, caughtBy: ['I5', 'I1'] },
]

describe('broken engines are caught', () => {
  it.each(CASES)(
    '$bug is caught within $within seeds ($mode mode)',
    async ({ bug, mode, nodes, within, caughtBy }) => {
      const results = await runSeeds({ from: 1, count: within, mode, nodes, bug, stopAtFirstFailure: true })
      const failing = results.find((r) => r.violations.length > 0)
      expect(failing, `${bug} survived ${within} seeds`).toBeDefined()
      expect(caughtBy).toContain(failing!.violations[0]!.invariant)
      console.log(
        `${bug}: caught at seed ${failing!.seed} (n=${failing!.nodes}) by ${failing!.violations[0]!.invariant}: ${failing!.violations[0]!.detail}`,
      )
    },
    180_000,
  )

  it('the correct engine passes the same seeds', async () => {
    const results = await runSeeds({ from: 1, count: 40, mode: 'safety' })
    expect(results.filter((r) => r.violations.length > 0)).toEqual([])
  }, 180_000)
})
