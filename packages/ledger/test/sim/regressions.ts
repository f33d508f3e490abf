/**
 * Seeds that failed while the engine and the simulator were developed, with the scenario they
 * had then (the scenario generator has changed since, so the scenario is pinned, not the seed).
 */
import type { Scenario } from './scenario.js'
import { SIM_TIMEOUTS } from './scenario.js'

type Pinned = Omit<Scenario, 'timeouts' | 'adversary'> & { adversary?: Scenario['adversary'] }

function pin(s: Pinned): Scenario {
  return { adversary: null, ...s, timeouts: SIM_TIMEOUTS }
}

/**
 * Liveness, n = 7, two Twins validators. Their two proposals split the prevotes; correct
 * validators that saw the polka locked, the others had counted the equivocator's other vote
 * first and, counting first votes only, could never see that polka: the re-proposal (line 28)
 * was refused forever. Fix: a conflicting vote also counts for its own value when that value is
 * nil or proposed (vote-set.ts).
 */
export const SEED_9_HIDDEN_POLKA = pin({
  seed: 9,
  mode: 'liveness',
  n: 7,
  f: 2,
  byzantine: [
    { validator: 4, twins: true, spam: false, badBlocks: false },
    { validator: 1, twins: true, spam: true, badBlocks: true },
  ],
  twinOf: [4, 1],
  dropRate: 0.2660512678558007,
  dupRate: 0.12642154841450973,
  delay: {
    baseMs: 24,
    jitterMs: 40,
    tailProb: 0.005774086923338473,
    tailScaleMs: 148,
    alpha: 1.5223689493257553,
  },
  partitions: [{ kind: 'symmetric', start: 2039, end: 3395, sideA: [2, 4, 5, 6, 8] }],
  crashes: [{ node: 3, at: 1644, downMs: 4093, torn: true }],
  slowValidationProb: 0.012796323164366186,
  faultEndMs: 3395,
  gstMs: 3395,
  syncDelayMs: 40,
  endMs: 183395,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 16,
})

/**
 * Liveness, n = 4. A node restarted far behind caught up one height per timeoutPropose while
 * the others committed faster: it never caught up. Fix (driver): ask a peer seen two or more
 * heights ahead for its decision at once (sync request).
 */
export const SEED_32_LAGGARD = pin({
  seed: 32,
  mode: 'liveness',
  n: 4,
  f: 1,
  byzantine: [],
  twinOf: [],
  dropRate: 0.10293121570721268,
  dupRate: 0.031040894309990106,
  delay: {
    baseMs: 18,
    jitterMs: 42,
    tailProb: 0.03256435714429244,
    tailScaleMs: 305,
    alpha: 1.2300581419141965,
  },
  partitions: [
    { kind: 'asymmetric', start: 1227, end: 3627, node: 3, inbound: false },
    { kind: 'symmetric', start: 7268, end: 8895, sideA: [0, 2] },
    { kind: 'symmetric', start: 7402, end: 8895, sideA: [2, 3] },
  ],
  crashes: [{ node: 0, at: 3470, downMs: 5371, torn: false }],
  slowValidationProb: 0.03850921404082328,
  faultEndMs: 8895,
  gstMs: 8895,
  syncDelayMs: 40,
  endMs: 188895,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 10,
})

/**
 * Liveness, n = 4, one Twins validator, the hidden-decision adversary with crashes after
 * locking. Two correct validators restarted with their lock but without the prevotes behind
 * it; nobody correct could show that polka to the third: deadlock. Fix (driver, rule 15): the
 * WAL record keeps `validValueProof(state)` too.
 */
export const SEED_42_LOST_PROOF = pin({
  seed: 42,
  mode: 'liveness',
  n: 4,
  f: 1,
  byzantine: [{ validator: 2, twins: true, spam: false, badBlocks: true }],
  twinOf: [2],
  dropRate: 0.09521504016593098,
  dupRate: 0.060560562007594854,
  delay: {
    baseMs: 25,
    jitterMs: 54,
    tailProb: 0.12839406022103503,
    tailScaleMs: 326,
    alpha: 1.4594864838756623,
  },
  partitions: [],
  crashes: [{ node: 0, at: 6777, downMs: 267, torn: false }],
  adversary: {
    height: 4,
    round: 0,
    hidden: [2],
    starveNextProposer: true,
    crashLockers: true,
    crashDownMs: 147,
    durationMs: 7413,
  },
  slowValidationProb: 0.04140471462160349,
  faultEndMs: 12417,
  gstMs: 12417,
  syncDelayMs: 40,
  endMs: 192417,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 10,
})

/**
 * Liveness, n = 4. Correct validators locked before GST on a polka that another correct
 * validator never saw during its round; line 36 sets validValue from the current round only,
 * so that validator's proposal after GST fails, and the height in progress commits at R + 3
 * (R = highest round at re-synchronisation), beyond R + f + 1. It shaped I8's bound for that
 * one height (R + n); heights started after it still must commit within f + 2 rounds.
 */
export const SEED_288_PRE_GST_LOCK = pin({
  seed: 288,
  mode: 'liveness',
  n: 4,
  f: 1,
  byzantine: [{ validator: 3, twins: false, spam: false, badBlocks: false }],
  twinOf: [],
  dropRate: 0.08563862422015518,
  dupRate: 0.019273545267060398,
  delay: {
    baseMs: 6,
    jitterMs: 16,
    tailProb: 0.03140018351841718,
    tailScaleMs: 165,
    alpha: 1.320706010516733,
  },
  partitions: [
    { kind: 'symmetric', start: 979, end: 4213, sideA: [0, 1, 3] },
    { kind: 'asymmetric', start: 3321, end: 4213, node: 0, inbound: false },
  ],
  crashes: [{ node: 3, at: 2210, downMs: 344, torn: true }],
  adversary: {
    height: 5,
    round: 0,
    hidden: [1],
    starveNextProposer: true,
    crashLockers: false,
    crashDownMs: 343,
    durationMs: 7785,
  },
  slowValidationProb: 0.01374203187879175,
  faultEndMs: 4213,
  gstMs: 4213,
  syncDelayMs: 40,
  endMs: 184213,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 10,
})

/**
 * Liveness, n = 7, two Twins validators, after GST (no loss). A twin's prevote arrived at some
 * correct validators before the proposal of its value; counting conflicting votes only for
 * values already proposed then hid the polka from them during the round: two locked, three
 * not, and the next correct proposers (without validValue) wasted rounds 1 and 2: height 12
 * committed in round 4 > f + 1. Fix: count conflicting votes whatever the arrival order
 * (bounded, junk evicted first).
 */
export const SEED_1919_ORDER = pin({
  seed: 1919,
  mode: 'liveness',
  n: 7,
  f: 2,
  byzantine: [
    { validator: 5, twins: true, spam: false, badBlocks: true },
    { validator: 1, twins: true, spam: false, badBlocks: true },
  ],
  twinOf: [5, 1],
  dropRate: 0.2343927034875378,
  dupRate: 0.010921609564684331,
  delay: {
    baseMs: 24,
    jitterMs: 43,
    tailProb: 0.02477694816188887,
    tailScaleMs: 508,
    alpha: 1.4179532957728953,
  },
  partitions: [{ kind: 'asymmetric', start: 3853, end: 5728, node: 4, inbound: true }],
  crashes: [],
  slowValidationProb: 0.007951317494735122,
  faultEndMs: 5728,
  gstMs: 5728,
  syncDelayMs: 40,
  endMs: 185728,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 16,
})

/**
 * Liveness, n = 4, one validator crash-stopped (counted in f). Its round-0 precommit reached one
 * correct node only, which moved to round 1 on it without precommitting itself; the other two
 * held two precommits of round 0 and could never reach Q, while gossip re-sent only a node's
 * own votes: stalled for good. Fix: gossip relays every vote of the last two rounds (the
 * paper's gossip property). Seed 5484 is the same story at height 4.
 */
export const SEED_7240_LOST_RELAY = pin({
  seed: 7240,
  mode: 'liveness',
  n: 4,
  f: 1,
  byzantine: [],
  twinOf: [],
  dropRate: 0.2676519754808396,
  dupRate: 0.1486930520273745,
  delay: {
    baseMs: 14,
    jitterMs: 45,
    tailProb: 0.020662682759575546,
    tailScaleMs: 470,
    alpha: 1.9680044757900759,
  },
  partitions: [],
  crashes: [
    { node: 1, at: 3771, downMs: Infinity, torn: false },
    { node: 0, at: 5135, downMs: 5828, torn: true },
    { node: 0, at: 8927, downMs: 1781, torn: false },
  ],
  slowValidationProb: 0.01500659640878439,
  faultEndMs: 9232,
  gstMs: 9232,
  syncDelayMs: 40,
  endMs: 189232,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 10,
})

export const SEED_5484_LOST_RELAY = pin({
  seed: 5484,
  mode: 'liveness',
  n: 4,
  f: 1,
  byzantine: [],
  twinOf: [],
  dropRate: 0.1693215818144381,
  dupRate: 0.03339919889112934,
  delay: {
    baseMs: 22,
    jitterMs: 23,
    tailProb: 0.030168936820700765,
    tailScaleMs: 129,
    alpha: 1.8189807681599632,
  },
  partitions: [
    { kind: 'leader', start: 790, end: 1378, outboundOnly: false },
    { kind: 'leader', start: 5072, end: 5736, outboundOnly: false },
  ],
  crashes: [{ node: 2, at: 4786, downMs: Infinity, torn: false }],
  slowValidationProb: 0.0331554910982959,
  faultEndMs: 5736,
  gstMs: 5736,
  syncDelayMs: 40,
  endMs: 185736,
  targetHeight: Number.MAX_SAFE_INTEGER,
  heightsAfterSync: 10,
})
