/**
 * Regression tests: scenarios that failed while the engine and the simulator were built (see
 * test/sim/regressions.ts for each story). Each must now pass; where the fix is in the engine
 * or in what the WAL keeps, the former behaviour must still fail on it.
 */
import { describe, expect, it } from 'vitest'
import {
  SEED_1919_ORDER,
  SEED_5484_LOST_RELAY,
  SEED_7240_LOST_RELAY,
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
    { name: 'seed 5484: precommit lost with its crashed sender', s: SEED_5484_LOST_RELAY },
    { name: 'seed 7240: precommit lost with its crashed sender', s: SEED_7240_LOST_RELAY },
  ])(
    '$name passes',
    async ({ s }) => {
      const r = await run(s)
      expect(r.violations).toEqual([])
      expect(r.heights).toBeGreaterThan(s.heightsAfterSync)
    },
    60_000,
  )

  // Negative controls: each former behaviour still fails its seed. Seeds 9, 1919 and 42 were
  // found while gossip re-sent only own messages, so they run with that gossip, which alone
  // does not break them (last case).
  it.each([
    {
      name: 'seed 9, "first vote only" counting',
      s: SEED_9_HIDDEN_POLKA,
      former: { formerEngine: 'first-vote-only' },
    },
    {
      name: 'seed 1919, conflicting votes counted only after their proposal',
      s: SEED_1919_ORDER,
      former: { formerEngine: 'count-if-proposed' },
    },
    {
      name: 'seed 42, WAL without the proof of validValue',
      s: SEED_42_LOST_PROOF,
      former: { walProof: false },
    },
    { name: 'seed 5484, gossip of own messages only', s: SEED_5484_LOST_RELAY, former: {} },
    { name: 'seed 7240, gossip of own messages only', s: SEED_7240_LOST_RELAY, former: {} },
  ] as const)(
    '$name: breaks I8',
    async ({ s, former }) => {
      expect(firstInvariant(await run(s, { ownMessagesOnlyGossip: true, ...former }))).toBe('I8')
    },
    60_000,
  )

  it.each([
    { name: 'seed 9', s: SEED_9_HIDDEN_POLKA },
    { name: 'seed 1919', s: SEED_1919_ORDER },
    { name: 'seed 42', s: SEED_42_LOST_PROOF },
  ])(
    '$name passes with the former gossip alone',
    async ({ s }) => {
      expect((await run(s, { ownMessagesOnlyGossip: true })).violations).toEqual([])
    },
    60_000,
  )

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
