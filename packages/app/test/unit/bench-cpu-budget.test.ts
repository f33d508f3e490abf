import { describe, expect, it } from 'vitest'
import { cpuBudget, nodeCpuBudget, TARGET_RATIO } from '../../src/bench/cpu-budget.js'

describe('cpuBudget', () => {
  it.each([
    // cores, txs, warm ms, cold ms, 1-thread/s, raw/s → other µs, signature µs, bound
    {
      cores: 2,
      txs: 10_000,
      warmCpuMs: 1_000,
      coldCpuMs: 2_000,
      single: 10_000,
      raw: 20_000,
      other: 100,
      sig: 100,
      bound: 0.5,
      storageCpuMs: 250,
      storageBound: 0.8,
    },
    {
      cores: 2,
      txs: 1_000,
      warmCpuMs: 0,
      coldCpuMs: 100,
      single: 10_000,
      raw: 20_000,
      other: 0,
      sig: 100,
      bound: 1,
      storageCpuMs: 0,
      storageBound: 1,
    },
    // Verification scaling worse than the cores: the bound falls below 1 even with nothing else.
    {
      cores: 4,
      txs: 100,
      warmCpuMs: 10,
      coldCpuMs: 50,
      single: 10_000,
      raw: 30_000,
      other: 100,
      sig: 100,
      bound: 4 / 6,
      storageCpuMs: 10,
      storageBound: 4 / 6,
    },
  ])('$cores cores, $txs txs: other $other µs, signature $sig µs, bound $bound', (c) => {
    const b = cpuBudget({
      cores: c.cores,
      txs: c.txs,
      warmCpuMs: c.warmCpuMs,
      coldCpuMs: c.coldCpuMs,
      storageCpuMs: c.storageCpuMs,
      singleThreadPerSecond: c.single,
      rawLimitPerSecond: c.raw,
    })
    expect(b.otherUsPerTx).toBeCloseTo(c.other, 9)
    expect(b.signatureUsPerTx).toBeCloseTo(c.sig, 9)
    expect(b.coldUsPerTx).toBeCloseTo((c.coldCpuMs * 1000) / c.txs, 9)
    expect(b.cpuBoundRatio).toBeCloseTo(c.bound, 9)
    expect(b.storageUsPerTx).toBeCloseTo((c.storageCpuMs * 1000) / c.txs, 9)
    expect(b.storageBoundRatio).toBeCloseTo(c.storageBound, 9)
  })

  it('the allowance for 85 % is the other cost at which the bound is exactly 85 %', () => {
    const base = {
      cores: 2,
      txs: 10_000,
      coldCpuMs: 0,
      storageCpuMs: 0,
      singleThreadPerSecond: 9_500,
      rawLimitPerSecond: 18_700,
    }
    const allowed = cpuBudget({ ...base, warmCpuMs: 1_000 }).otherUsPerTxFor85
    expect(allowed).toBeGreaterThan(0)
    const atAllowance = cpuBudget({ ...base, warmCpuMs: (allowed * base.txs) / 1000 })
    expect(atAllowance.cpuBoundRatio).toBeCloseTo(TARGET_RATIO, 9)
  })

  it('no allowance when one signature alone already costs more than 85 % permits', () => {
    // 2 cores at 25,000/s is 80 µs of a core per signature; each costs 100 µs on one thread.
    const b = cpuBudget({
      cores: 2,
      txs: 10,
      warmCpuMs: 1,
      coldCpuMs: 2,
      storageCpuMs: 1,
      singleThreadPerSecond: 10_000,
      rawLimitPerSecond: 25_000,
    })
    expect(b.otherUsPerTxFor85).toBeLessThan(0)
  })
})

describe('nodeCpuBudget', () => {
  it.each([
    // 4 nodes at 45 % of a core each, 450 tx/s: 1,000 µs per transaction per node.
    { percents: [45, 45, 45, 45], committed: 450, goal: 3_000, us: 1_000, allowed: (2 * 1e6) / (4 * 3_000) },
    // A node whose CPU could not be read does not count in the mean.
    {
      percents: [40, null, 60, 50],
      committed: 500,
      goal: 3_000,
      us: 1_000,
      allowed: (2 * 1e6) / (4 * 3_000),
    },
    { percents: [null, null, null, null], committed: 500, goal: null, us: null, allowed: null },
    { percents: [40, 40, 40, 40], committed: 0, goal: 3_000, us: null, allowed: (2 * 1e6) / (4 * 3_000) },
  ])('$percents % at $committed tx/s, goal $goal → $us µs, allowed $allowed', (c) => {
    const b = nodeCpuBudget({
      cores: 2,
      nodes: 4,
      nodeCpuPercents: c.percents,
      committedPerS: c.committed,
      goalPerS: c.goal,
    })
    if (c.us === null) expect(b.usPerTxPerNode).toBeNull()
    else expect(b.usPerTxPerNode).toBeCloseTo(c.us, 9)
    if (c.allowed === null) expect(b.allowedUsPerTxPerNode).toBeNull()
    else expect(b.allowedUsPerTxPerNode).toBeCloseTo(c.allowed, 9)
  })
})
