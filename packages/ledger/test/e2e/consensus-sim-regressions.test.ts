/**
 * Regression tests: scenarios that failed while the engine and the simulator were built (see
 * test/sim/regressions.ts for each story). Each must now pass; where the fix is in the engine
 * or in what the WAL keeps, the former behaviour must still fail on it.
 */
import { describe, expect, it } from 'vitest'
import {
  SEED_1919_ORDER,
  SEED_288_PRE_GST_LOCK,
  SEED_32_LAGGARD,
  SEED_42_LOST_PROOF,
  SEED_9_HIDDEN_POLKA,
} from '../sim/regressions.js'
import type { Scenario } from '../sim/scenario.js'
import { runSimulation, type SimOptions, type World } from '../sim/simulation.js'

function run(s: Scenario, extra: Partial<SimOptions> = {}) {
  return runSimulation({ seed: s.seed, mode: s.mode, nodes: s.n, tweak: () => s, ...extra })
}

const firstInvariant = (r: { violations: readonly { invariant: string }[] }) => r.violations[0]?.invariant

describe('consensus simulator regressions', () => {
  it.each([
    { name: 'seed 9: hidden polka (Twins)', s: SEED_9_HIDDEN_POLKA },
    { name: 'seed 32: laggard never catching up', s: SEED_32_LAGGARD },
    { name: 'seed 42: lock restored without its proof', s: SEED_42_LOST_PROOF },
    { name: 'seed 288: lock from before GST', s: SEED_288_PRE_GST_LOCK },
    { name: 'seed 1919: vote counted only if its proposal came first', s: SEED_1919_ORDER },
  ])(
    '$name passes',
    async ({ s }) => {
      const r = await run(s)
      expect(r.violations).toEqual([])
      expect(r.heights).toBeGreaterThan(s.heightsAfterSync)
    },
    60_000,
  )

  it('seed 9 stalls with the former "first vote only" counting', async () => {
    expect(firstInvariant(await run(SEED_9_HIDDEN_POLKA, { formerEngine: 'first-vote-only' }))).toBe('I8')
  }, 60_000)

  it('seed 1919 breaks I8 when conflicting votes count only if their proposal came first', async () => {
    expect(firstInvariant(await run(SEED_1919_ORDER, { formerEngine: 'count-if-proposed' }))).toBe('I8')
  }, 60_000)

  it('seed 42 stalls when the WAL keeps the lock but not its proof', async () => {
    expect(firstInvariant(await run(SEED_42_LOST_PROOF, { walProof: false }))).toBe('I8')
  }, 60_000)

  it('seed 288: the height in progress at GST needs more than f + 2 rounds, the next ones do not', async () => {
    let world: World | undefined
    await run(SEED_288_PRE_GST_LOCK, { onFinish: (w) => (world = w) })
    const sync = world!.sync!
    const atSync = world!.monitor.commits.get(sync.height)!
    expect(atSync.round).toBeGreaterThan(sync.round + SEED_288_PRE_GST_LOCK.f + 1)
    for (const [h, c] of world!.monitor.commits)
      if (h > sync.height) expect(c.round).toBeLessThanOrEqual(SEED_288_PRE_GST_LOCK.f + 1)
  }, 60_000)
})
