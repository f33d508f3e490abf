/**
 * A seed's fault plan, drawn once from the seed: who is Byzantine (Twins, round-jump spam,
 * invalid blocks), message drop/duplication rates, the delay distribution (with a heavy tail),
 * partitions (symmetric, asymmetric, leader isolation), crashes with restarts (some with a torn
 * last WAL record), slow validations. Safety mode: faults for the whole run. Liveness mode:
 * faults before GST only; after GST the network is synchronous (no loss, delay ≤ Δ), every
 * honest node is up, and only the ≤ f Byzantine validators (plus crash-stopped nodes, counted
 * among the f) misbehave.
 */
import type { TimeoutConfig } from '../../src/consensus/timeouts.js'
import { Prng } from './prng.js'

export type Mode = 'safety' | 'liveness'

export type ByzantineSpec = {
  readonly validator: number
  /** Two engines with this one key, each with its own signer state: equivocation. */
  readonly twins: boolean
  /** Sends signed votes for far rounds (≤ r + K) to try to drag others along (rule 12). */
  readonly spam: boolean
  /** Proposes blocks with a transaction that was never submitted. */
  readonly badBlocks: boolean
}

export type PartitionSpec =
  | {
      readonly kind: 'symmetric'
      readonly start: number
      readonly end: number
      readonly sideA: readonly number[]
    }
  | {
      readonly kind: 'asymmetric'
      readonly start: number
      readonly end: number
      readonly node: number
      readonly inbound: boolean
    }
  | { readonly kind: 'leader'; readonly start: number; readonly end: number; readonly outboundOnly: boolean }

export type CrashSpec = {
  readonly node: number
  readonly at: number
  readonly downMs: number
  readonly torn: boolean
}

/**
 * A consensus-aware network adversary for one (height, round), as in Twins-style testing:
 * - hidden decision: the precommits of `hidden` (n − Q nodes) at (h, r), including the ones they
 *   relay when helping others catch up, reach no node outside `hidden`; so they may decide while
 *   everybody else sees fewer than Q precommits for the value and moves to round r + 1;
 * - starved proposer: the proposer of round r + 1 receives neither the proposal of (h, r) (so it
 *   prevotes nil) nor the prevotes of `hidden`, so it sees Q prevotes but no polka, precommits
 *   nil, and proposes a fresh value in round r + 1;
 * - crashed lockers: every other node that signs a precommit for a value at (h, r) crashes right
 *   after sending it and restarts shortly after from its WAL.
 * Active for `durationMs` from the first message of (h, r), and only in the faulty period
 * (before GST in liveness mode).
 */
export type AdversarySpec = {
  readonly height: number
  readonly round: number
  readonly hidden: readonly number[]
  readonly starveNextProposer: boolean
  readonly crashLockers: boolean
  readonly crashDownMs: number
  readonly durationMs: number
}

export type Scenario = {
  readonly seed: number
  readonly mode: Mode
  readonly n: number
  readonly f: number
  readonly byzantine: readonly ByzantineSpec[]
  /** Node ids: 0 … n − 1 are the validators' first engines; twins get ids from n on. */
  readonly twinOf: readonly number[]
  readonly dropRate: number
  readonly dupRate: number
  readonly delay: {
    readonly baseMs: number
    readonly jitterMs: number
    readonly tailProb: number
    readonly tailScaleMs: number
    readonly alpha: number
  }
  readonly partitions: readonly PartitionSpec[]
  readonly crashes: readonly CrashSpec[]
  readonly adversary: AdversarySpec | null
  readonly slowValidationProb: number
  readonly timeouts: TimeoutConfig
  /** End of the faulty period: GST in liveness mode, the end of the run in safety mode. */
  readonly faultEndMs: number
  readonly gstMs: number | null
  /** Δ after GST. */
  readonly syncDelayMs: number
  readonly endMs: number
  readonly targetHeight: number
  /** Liveness: heights to commit after the network healed and nodes re-synchronised. */
  readonly heightsAfterSync: number
}

export const SIM_TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  prevoteMs: 500,
  precommitMs: 500,
  growth: 1.5,
  capMs: 8000,
}

export function makeScenario(seed: number, mode: Mode, n: number): Scenario {
  const rng = new Prng(seed, `scenario/${mode}/${n}`)
  const f = Math.floor((n - 1) / 3)
  const byzantine: ByzantineSpec[] = rng
    .shuffle(Array.from({ length: n }, (_, i) => i))
    .slice(0, rng.int(0, f))
    .map((validator) => ({
      validator,
      twins: rng.chance(0.85),
      spam: rng.chance(0.4),
      badBlocks: rng.chance(0.35),
    }))
  const twinOf = byzantine.filter((b) => b.twins).map((b) => b.validator)
  const nodes = n + twinOf.length
  const gstMs = mode === 'liveness' ? rng.int(3_000, 15_000) : null
  const faultEndMs = gstMs ?? rng.int(25_000, 40_000)
  const calm = rng.chance(0.15)
  const heavy = !calm && rng.chance(0.4)

  const partitions: PartitionSpec[] = []
  const partitionCount = calm ? 0 : rng.int(0, heavy ? 4 : 2)
  for (let i = 0; i < partitionCount; i++) {
    const start = rng.int(0, faultEndMs - 500)
    const end = Math.min(faultEndMs, start + rng.int(500, 8_000))
    const kind = rng.pick(['symmetric', 'asymmetric', 'leader'] as const)
    if (kind === 'symmetric') {
      const sideA = Array.from({ length: nodes }, (_, id) => id).filter(() => rng.chance(0.5))
      if (sideA.length > 0 && sideA.length < nodes) partitions.push({ kind, start, end, sideA })
    } else if (kind === 'asymmetric') {
      partitions.push({ kind, start, end, node: rng.int(0, nodes - 1), inbound: rng.chance(0.5) })
    } else partitions.push({ kind, start, end, outboundOnly: rng.chance(0.5) })
  }

  const crashes: CrashSpec[] = []
  const crashCount = calm ? 0 : rng.int(0, heavy ? 5 : 2)
  for (let i = 0; i < crashCount; i++) {
    const at = rng.int(200, faultEndMs - 200)
    crashes.push({ node: rng.int(0, nodes - 1), at, downMs: rng.int(100, 6_000), torn: rng.chance(0.5) })
  }
  if (mode === 'liveness' && byzantine.length < f && rng.chance(0.3)) {
    // A crash-stop: one honest validator down for good (counted among the f faulty).
    const honest = Array.from({ length: n }, (_, i) => i).filter(
      (v) => !byzantine.some((b) => b.validator === v),
    )
    crashes.push({
      node: rng.pick(honest),
      at: rng.int(0, faultEndMs),
      downMs: Infinity,
      torn: rng.chance(0.5),
    })
  }

  let adversary: AdversarySpec | null = null
  if (rng.chance(0.45)) {
    const height = rng.int(1, 5)
    const round = rng.chance(0.75) ? 0 : 1
    const nextProposer = (height + round + 1) % n // rule 4 with V_h sorted; validator index = node id < n
    const quorum = Math.floor((2 * n) / 3) + 1
    const candidates = rng.shuffle(
      Array.from({ length: nodes }, (_, id) => id).filter(
        (id) => (id < n ? id : twinOf[id - n]!) !== nextProposer,
      ),
    )
    adversary = {
      height,
      round,
      hidden: candidates.slice(0, n - quorum),
      starveNextProposer: rng.chance(0.9),
      crashLockers: rng.chance(0.5),
      crashDownMs: rng.int(50, 400),
      durationMs: rng.int(3_000, 8_000),
    }
  }

  return {
    seed,
    mode,
    n,
    f,
    byzantine,
    twinOf,
    dropRate: calm ? 0 : rng.range(0, 0.3),
    dupRate: calm ? 0 : rng.range(0, 0.15),
    delay: {
      baseMs: rng.int(2, 30),
      jitterMs: rng.int(0, 60),
      tailProb: calm ? 0 : rng.range(0, heavy ? 0.15 : 0.05),
      tailScaleMs: rng.int(100, 600),
      alpha: rng.range(1.1, 2),
    },
    partitions: partitions.sort((a, b) => a.start - b.start),
    crashes: crashes.sort((a, b) => a.at - b.at),
    adversary,
    slowValidationProb: calm ? 0 : rng.range(0, 0.05),
    timeouts: SIM_TIMEOUTS,
    faultEndMs,
    gstMs,
    syncDelayMs: 40,
    endMs: gstMs === null ? faultEndMs : gstMs + 180_000,
    targetHeight: gstMs === null ? 14 : Number.MAX_SAFE_INTEGER,
    heightsAfterSync: 2 * n + 2,
  }
}
