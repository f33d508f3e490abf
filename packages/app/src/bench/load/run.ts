/**
 * `runLoadBench(options)`: the load test of a running devnet, from this (separate) process.
 *
 *   1. setup: read network.json, check every node answers, register fresh sender accounts
 *      through the demo admins; follow every node's event stream; sample the nodes' CPU and
 *      memory from /proc once a second;
 *   2. the raw verification rate of this machine (signatures like the load's, the ledger's
 *      thread-pool verifier) → the target: 60 % × raw ÷ nodes, with commit latency p50 ≤ 1 s;
 *   3. capacity: given (`capacity`, or implied by `rate`), else a ramp — steps of growing
 *      offered rate until the committed rate falls behind or the backlog grows;
 *   4. the profile's phases, every transaction signed beforehand, offered open-loop over all
 *      nodes; `/metrics` scraped before and after;
 *   5. drain (retries of capacity refusals, then wait for every admitted transaction to end),
 *      and the audit against every node (audit.ts).
 */
import { loadavg } from 'node:os'
import { LocalNetwork } from '../../client/index.js'
import { generateKeyPair } from '@govchain/ledger'
import { auditRun, type AuditResult } from './audit.js'
import { Driver, type PhaseStats } from './driver.js'
import { NodeHttp } from './http.js'
import {
  checkOptions,
  LoadBenchError,
  LoadBenchErrorCode,
  PROFILE_SPECS,
  type LoadBenchOptions,
  type Phase,
  type Profile,
} from './options.js'
import { nodeCpuBudget, type NodeCpuBudget } from '../cpu-budget.js'
import { metricsDelta, scrape, UsageSampler, type MetricsDelta, type NodeUsage } from './sampler.js'
import { defaultSliceCount, SliceRecorder, windowSlices, type WindowSlice } from './slices.js'
import { percentile, Tracker } from './tracker.js'
import { measureVerifyRate, type VerifyRate } from './verify-rate.js'
import { randomTag, registerSenders, TxFactory, type Sender } from './workload.js'

export type LatencySummary = {
  readonly count: number
  readonly p50: number | null
  readonly p90: number | null
  readonly p99: number | null
  readonly max: number | null
  readonly mean: number | null
}

export type RampStep = {
  readonly rate: number
  readonly offeredPerS: number
  readonly committedPerS: number
  readonly backlog: number
  readonly latencyP50Ms: number | null
  readonly sustainable: boolean
}

export type LoadReport = {
  readonly kind: 'govchain-bench-load'
  readonly version: 1
  readonly profile: Profile
  readonly startedAt: string
  readonly network: { readonly chainId: string; readonly nodes: number; readonly senders: number }
  /** How transactions were posted: 0 one request each, else batches waiting up to this long. */
  readonly batchMs: number
  readonly machine: {
    readonly cores: number
    readonly loadAvgBefore: readonly number[]
    readonly loadAvgAfter: readonly number[]
  }
  readonly capacity: {
    readonly value: number
    readonly source: 'given' | 'rate' | 'ramp'
    readonly ramp: readonly RampStep[]
  }
  readonly phases: readonly PhaseStats[]
  readonly window: {
    readonly durationS: number
    readonly offered: number
    readonly offeredPerS: number
    readonly accepted: number
    readonly acceptedPerS: number
    /** Our transactions committed while the window was open, per second of it. */
    readonly committedPerS: number
    /** Committed by the end of the drain (of those offered in the window). */
    readonly committed: number
    /** committed ÷ offered (every submission attempt counts, a refused one too). */
    readonly successRate: number
    readonly refused: Readonly<Record<string, number>>
    readonly latencyMs: LatencySummary
    readonly postLatencyMs: LatencySummary
    readonly blocks: number
    readonly txsPerBlock: number | null
  }
  readonly drain: { readonly seconds: number; readonly retries: number; readonly open: number }
  readonly noLoss: AuditResult & { readonly ok: boolean }
  readonly nodes: readonly (NodeUsage & { readonly metrics: MetricsDelta | null })[]
  readonly generator: { readonly cpuPercent: number; readonly rssMiB: number }
  readonly verify: VerifyRate | null
  readonly target: {
    readonly rawVerifyPerS: number | null
    readonly committedPerSGoal: number | null
    readonly latencyP50GoalMs: number
    readonly committedPerS: number
    readonly latencyP50Ms: number | null
    readonly met: boolean | null
  } & NodeCpuBudget
  readonly criteria: {
    readonly minSuccess: number
    readonly success: boolean
    readonly noCrash: boolean
    readonly noLoss: boolean
    readonly pass: boolean
  }
  readonly txTypes: Readonly<Record<string, number>>
  readonly timeline: readonly {
    readonly t: number
    readonly offered: number
    readonly accepted: number
    readonly committed: number
  }[]
  /** The window in equal slices: whether the figures drift as the run goes on. */
  readonly slices: readonly WindowSlice[]
}

function summarize(values: number[]): LatencySummary {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  const r = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null)
  return {
    count: v.length,
    p50: r(percentile(v, 50)),
    p90: r(percentile(v, 90)),
    p99: r(percentile(v, 99)),
    max: r(v.length ? v[v.length - 1]! : Number.NaN),
    mean: r(v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runLoadBench(o: LoadBenchOptions): Promise<LoadReport> {
  checkOptions(o)
  const log = o.log ?? (() => {})
  const spec = PROFILE_SPECS[o.profile]
  const startedAt = new Date().toISOString()
  const loadAvgBefore = loadavg()
  const net = LocalNetwork.load(o.network)
  const nodes = net.nodes.map((n) => ({ name: n.name, pid: n.pid, http: new NodeHttp(n.api) }))
  const https = nodes.map((n) => n.http)
  const controller = new AbortController()
  const sampler = new UsageSampler(nodes)
  try {
    // ---- setup ----
    const statuses = await Promise.all(
      https.map((h) => h.getJson<{ height: number; chainId: string }>('/v1/status')),
    )
    statuses.forEach((s, i) => {
      if (s.status !== 200 || s.body === null)
        throw new LoadBenchError(
          LoadBenchErrorCode.SETUP,
          `node ${nodes[i]!.name} does not answer /v1/status`,
        )
    })
    const chainId = statuses[0]!.body!.chainId
    const tag = randomTag()
    const senderCount = o.senders ?? 40
    log(`setup: registering ${senderCount} sender accounts (tag ${tag}) through the demo admins…`)
    const t0 = performance.now()
    const senders: Sender[] = await registerSenders(net, senderCount, tag)
    log(`setup: ${senders.length} senders registered in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    const factory = new TxFactory(chainId, senders, tag)

    const tracker = new Tracker(nodes.length)
    let connected = 0
    const allConnected = new Promise<void>((resolve) => {
      nodes.forEach((n, i) => {
        void tracker.follow(i, net.nodes[i]!.api, controller.signal, {
          onConnected: () => {
            if (++connected === nodes.length) resolve()
          },
        })
      })
    })
    await Promise.race([
      allConnected,
      sleep(15_000).then(() => {
        throw new LoadBenchError(LoadBenchErrorCode.SETUP, "could not subscribe to every node's events")
      }),
    ])
    sampler.start()
    const readStatuses = () => Promise.all(https.map((h) => h.getJson<{ height: number }>('/v1/status')))
    const heights = (ss: Awaited<ReturnType<typeof readStatuses>>) => ss.map((s) => s.body?.height ?? 0)
    const startHeight = Math.min(...heights(await readStatuses()))

    // ---- raw verification rate (throw-away keys: these are never submitted) ----
    let verify: VerifyRate | null = null
    if (!o.skipVerifyRate) {
      const scratch: Sender[] = Array.from({ length: 64 }, (_, i) => ({
        index: i,
        name: `verify-${i}`,
        org: senders[i % senders.length]!.org,
        key: generateKeyPair(),
        kind: senders[i % senders.length]!.kind,
        kinds: senders[i % senders.length]!.kinds,
        nextNonce: 0,
      }))
      verify = await measureVerifyRate(new TxFactory(chainId, scratch, `${tag}v`).batch(4096))
      log(
        `verify: raw ${Math.round(verify.perSecond)} signatures/s on ${verify.cores} cores (threadPoolVerifier)`,
      )
    }

    const driver = new Driver(https, tracker, { batchMs: o.batchMs ?? 0 })

    // ---- capacity ----
    let capacity: number
    let source: 'given' | 'rate' | 'ramp'
    const ramp: RampStep[] = []
    if (o.rate !== undefined) {
      capacity = spec.capacityFor(o.rate)
      source = 'rate'
    } else if (o.capacity !== undefined) {
      capacity = o.capacity
      source = 'given'
    } else {
      source = 'ramp'
      capacity = await rampCapacity(o, driver, tracker, factory, ramp, log)
      log(`capacity: ${Math.round(capacity)} committed tx/s`)
    }

    // ---- the profile ----
    const durationMs = Math.round((o.durationS ?? spec.defaultDurationS) * 1000)
    const phases: Phase[] = spec.phases(capacity, durationMs)
    const total = phases.reduce((a, p) => a + Math.ceil((p.rate * p.durationMs) / 1000), 0)
    const tSign = performance.now()
    const pool = factory.batch(total)
    log(
      `profile ${o.profile}: ${phases.map((p) => `${p.name} ${p.rate} tx/s × ${p.durationMs / 1000} s`).join(', ')}; ` +
        `${total} transactions signed in ${((performance.now() - tSign) / 1000).toFixed(1)} s`,
    )
    const before = await Promise.all(https.map(scrape))
    const slicer = new SliceRecorder(https, sampler, () => Math.max(...tracker.nodeHeights))
    const mark = sampler.mark()
    const cpu0 = process.cpuUsage()
    const committedBefore = tracker.committed
    driver.postLatencyMs.length = 0
    const refusedBefore = new Map(driver.refused)
    const windowStart = performance.now()
    driver.windowStartMs = windowStart
    slicer.start(windowStart, before, o.slices ?? defaultSliceCount(durationMs / 1000), durationMs)
    tracker.setWindow(true)
    tracker.committedInWindow = 0
    const progress = o.progress
    progress?.start(durationMs / 1000, o.profile)
    const tick = () =>
      progress?.update({
        phase: driver.phaseName,
        elapsedS: (performance.now() - windowStart) / 1000,
        totalS: durationMs / 1000,
        offered: driver.offered,
        accepted: tracker.accepted,
        committed: tracker.committed - committedBefore,
        rejected: [...driver.refused.values()].reduce((a, b) => a + b, 0),
        inFlight: driver.inFlight,
        mempool: Math.max(...sampler.mempool),
        height: Math.max(...tracker.nodeHeights),
      })
    const phaseStats = await driver.run(phases, pool, tick)
    const windowEnd = performance.now()
    tracker.setWindow(false)
    const committedInWindow = tracker.committedInWindow
    const after = await Promise.all(https.map(scrape))
    await slicer.stop(windowEnd, after)
    const cpu1 = process.cpuUsage(cpu0)
    const usage = sampler.usage(mark)
    progress?.stop()
    const refusedInWindow: Record<string, number> = {}
    for (const [code, n] of driver.refused) {
      const d = n - (refusedBefore.get(code) ?? 0)
      if (d > 0) refusedInWindow[code] = d
    }

    // ---- drain ----
    const drainStart = performance.now()
    const drainMs = (o.drainS ?? 60) * 1000
    const drainOver = () => performance.now() - drainStart > drainMs
    const retries = await driver.flushRetries(Math.max(50, phases[phases.length - 1]?.rate ?? 50), drainOver)
    while (!drainOver() && (tracker.open > 0 || driver.inFlight > 0)) await sleep(100)
    const drainS = (performance.now() - drainStart) / 1000
    log(`drain: ${drainS.toFixed(1)} s, ${retries} retries, ${tracker.open} still open`)
    // Let the last block reach every node before listing blocks.
    await sleep(1500)
    const endStatuses = await readStatuses()
    const endHeight = Math.max(...heights(endStatuses))
    const audit = await auditRun(
      tracker,
      https,
      { from: startHeight + 1, to: endHeight },
      o.auditSample ?? 200,
      {
        currentHeight: async () => Math.max(...heights(await readStatuses())),
      },
    )
    sampler.stop()
    const alive = sampler.usage(sampler.mark() - 1).map((u) => u.alive)
    const answered = endStatuses.map((s) => s.status === 200)

    // ---- figures ----
    const windowS = (windowEnd - windowStart) / 1000
    const offered = phaseStats.reduce((a, p) => a + p.offered, 0)
    const acceptedInWindow = phaseStats.reduce((a, p) => a + p.accepted, 0)
    const inPool = new Set(pool.map((p) => p.hash))
    const ours = [...tracker.all].filter((t) => inPool.has(t.prepared.hash))
    const committedOurs = ours.filter((t) => t.committedAtMs !== null)
    const latencies = committedOurs.map(
      (t) => (t.committedAtMs ?? Number.NaN) - (t.submittedAtMs ?? Number.NaN),
    )
    const latencyMs = summarize(latencies)
    const successRate = offered > 0 ? committedOurs.length / offered : 0
    const committedPerS = committedInWindow / windowS
    const blocksInWindow = [...tracker.blocks.values()].filter(
      (b) => b.atMs >= windowStart && b.atMs <= windowEnd,
    )
    const timeline = driver.seconds.map((s, i) => ({
      t: i,
      offered: s.offered,
      accepted: s.accepted,
      committed: 0,
    }))
    for (const t of committedOurs) {
      const i = Math.floor(((t.committedAtMs ?? Number.NaN) - windowStart) / 1000)
      if (Number.isFinite(i) && i >= 0 && i < timeline.length) timeline[i]!.committed++
    }
    const goal = verify === null ? null : (0.6 * verify.perSecond) / nodes.length
    const noLossOk =
      // A transaction still pending after the drain counts against it too: it did not end.
      audit.lost === 0 &&
      audit.pending === 0 &&
      audit.unanswered === 0 &&
      audit.missingOnNode.every((m) => m === 0) &&
      audit.sampleMismatches === 0
    const noCrash = alive.every(Boolean) && answered.every(Boolean)
    return {
      kind: 'govchain-bench-load',
      version: 1,
      profile: o.profile,
      startedAt,
      network: { chainId, nodes: nodes.length, senders: senders.length },
      batchMs: o.batchMs ?? 0,
      machine: { cores: verify?.cores ?? 0, loadAvgBefore, loadAvgAfter: loadavg() },
      capacity: { value: Math.round(capacity), source, ramp },
      phases: phaseStats,
      window: {
        durationS: windowS,
        offered,
        offeredPerS: offered / windowS,
        accepted: acceptedInWindow,
        acceptedPerS: acceptedInWindow / windowS,
        committedPerS,
        committed: committedOurs.length,
        successRate,
        refused: refusedInWindow,
        latencyMs,
        postLatencyMs: summarize(driver.postLatencyMs),
        blocks: blocksInWindow.length,
        txsPerBlock: blocksInWindow.length
          ? blocksInWindow.reduce((a, b) => a + b.txs, 0) / blocksInWindow.length
          : null,
      },
      drain: { seconds: drainS, retries, open: tracker.open },
      noLoss: { ...audit, ok: noLossOk },
      nodes: usage.map((u, i) => ({ ...u, alive: alive[i]!, metrics: metricsDelta(before[i]!, after[i]!) })),
      generator: {
        cpuPercent: ((cpu1.user + cpu1.system) / 1e6 / windowS) * 100,
        rssMiB: process.memoryUsage().rss / (1024 * 1024),
      },
      verify,
      target: {
        rawVerifyPerS: verify?.perSecond ?? null,
        committedPerSGoal: goal,
        latencyP50GoalMs: 1000,
        committedPerS,
        latencyP50Ms: latencyMs.p50,
        met: goal === null ? null : committedPerS >= goal && latencyMs.p50 !== null && latencyMs.p50 <= 1000,
        ...nodeCpuBudget({
          cores: verify?.cores ?? 0,
          nodes: nodes.length,
          nodeCpuPercents: usage.map((u) => u.cpuPercent),
          committedPerS,
          goalPerS: goal,
        }),
      },
      criteria: {
        minSuccess: spec.minSuccess,
        success: successRate >= spec.minSuccess,
        noCrash,
        noLoss: noLossOk,
        pass: successRate >= spec.minSuccess && noCrash && noLossOk,
      },
      txTypes: Object.fromEntries(
        [...pool.reduce((m, p) => m.set(p.type, (m.get(p.type) ?? 0) + 1), new Map<string, number>())].sort(),
      ),
      timeline,
      slices: windowSlices({
        boundaries: slicer.boundaries,
        windowStartMs: windowStart,
        offeredPerSecond: driver.seconds.map((x) => x.offered),
        txs: ours,
        blocks: [...tracker.blocks.values()],
        usage: (from, to) => sampler.usage(from, to),
      }),
    }
  } finally {
    sampler.stop()
    controller.abort()
    for (const h of https) h.close()
  }
}

/**
 * Steps of growing offered rate; a step is sustainable when the committed rate keeps up (≥ 80 %
 * of the offer) and the backlog stays within what 2.5 s of blocks absorb. Capacity is the
 * committed rate of the last sustainable step.
 */
async function rampCapacity(
  o: LoadBenchOptions,
  driver: Driver,
  tracker: Tracker,
  factory: TxFactory,
  steps: RampStep[],
  log: (line: string) => void,
): Promise<number> {
  const stepMs = (o.rampStepS ?? 10) * 1000
  const growth = o.rampGrowth ?? 1.25
  const max = o.rampMax ?? 20_000
  let rate = o.rampStart ?? 50
  let capacity = 0
  while (rate <= max) {
    const pool = factory.batch(Math.ceil((rate * stepMs) / 1000))
    const t0 = performance.now()
    const offered0 = driver.offered
    await driver.run([{ name: 'ramp', rate, durationMs: stepMs }], pool)
    const t1 = performance.now()
    // Steady state: commits announced in the step's second half (the first fills the pipeline).
    const half = t0 + (t1 - t0) / 2
    let late = 0
    for (const t of tracker.all)
      if (t.committedAtMs !== null && t.committedAtMs >= half && t.committedAtMs <= t1) late++
    const committedPerS = late / ((t1 - half) / 1000)
    const backlog = tracker.open + driver.retries.length
    const inPool = new Set(pool.map((p) => p.hash))
    const lat = [...tracker.all]
      .filter((t) => inPool.has(t.prepared.hash) && t.committedAtMs !== null)
      .map((t) => t.committedAtMs! - t.submittedAtMs!)
      .sort((a, b) => a - b)
    // Blocks make the committed rate lumpy over a few seconds (one block more or less is ~10 %
    // at these rates), hence the 80 %; a real overload also grows the backlog past 2.5 s.
    const sustainable = committedPerS >= 0.8 * rate && backlog <= Math.max(50, rate * 2.5)
    steps.push({
      rate,
      offeredPerS: (driver.offered - offered0) / ((t1 - t0) / 1000),
      committedPerS,
      backlog,
      latencyP50Ms: lat.length ? percentile(lat, 50) : null,
      sustainable,
    })
    log(
      `ramp: offered ${rate} tx/s → committed ${committedPerS.toFixed(0)} tx/s, backlog ${backlog}` +
        `${sustainable ? '' : ' (not sustained)'}`,
    )
    // The first step already beyond: its committed rate is the best estimate there is.
    // A step can commit more than it offers (the previous step's backlog draining): the
    // capacity it shows is at most its offer.
    if (!sustainable) {
      if (capacity === 0) capacity = Math.min(committedPerS, rate)
      break
    }
    capacity = Math.min(committedPerS, rate)
    rate = Math.round(rate * growth)
  }
  // Let the backlog clear before the measured window.
  const end = performance.now() + 120_000
  await driver.flushRetries(Math.max(50, capacity), () => performance.now() > end)
  while (performance.now() < end && (tracker.open > 0 || driver.inFlight > 0)) await sleep(200)
  return Math.max(1, capacity)
}
