/**
 * `govchain bench load` as a user runs it, briefly: a 4-process devnet of the government
 * application (the demo alliance), then the CLI as a separate process offering a small rate for a
 * few seconds over all four nodes. A correctness check, not a timing one: the JSON report has its
 * shape, every offered transaction is accounted for, nothing acknowledged was lost (checked by the
 * bench against every node), and the committed transactions are in every node's blocks.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeNetworkJson } from '@govchain/network'
import { GOVCHAIN_CLI_ENTRY } from '@govchain/app/devnet'
import type { LoadReport } from '@govchain/app/bench/load'
import type { Cluster } from './helpers/cluster.js'
import { startGovCluster } from './helpers/gov-cluster.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function runCli(
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', GOVCHAIN_CLI_ENTRY, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })
}

/** `govchain bench load` against the cluster in `dir`, its JSON report written to `jsonName`. */
async function benchLoad(dir: string, jsonName: string, args: string[]) {
  const jsonPath = join(dir, jsonName)
  const r = await runCli(
    ['bench', 'load', '--network', join(dir, 'network.json'), ...args, '--json', jsonPath, '--no-progress'],
    100_000,
  )
  const report = (): LoadReport => JSON.parse(readFileSync(jsonPath, 'utf8')) as LoadReport
  return { r, report }
}

describe('govchain bench load against a running devnet', () => {
  let c: Cluster
  beforeAll(async () => {
    c = await startGovCluster(4)
    // The devnet launcher records the node pids in network.json; do the same here.
    writeNetworkJson(c.dir, {
      ...c.network,
      nodes: c.network.nodes.map((n, i) => ({ ...n, pid: c.procs.get(i)?.pid ?? null })),
    })
  })
  afterAll(async () => {
    await c?.stop()
  })

  it('drives a short pressure run and loses nothing', async () => {
    const { r, report: read } = await benchLoad(c.dir, 'bench-load.json', [
      '--profile',
      'pressure',
      '--rate',
      '15',
      '--duration',
      '4',
      '--senders',
      '10',
      '--drain',
      '30',
      '--audit-sample',
      '20',
      '--slices',
      '2',
    ])
    expect(r.stderr).not.toMatch(/INTERNAL/)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/criteria \(pressure\): .* PASS/)
    const report = read()

    expect(report).toMatchObject({ kind: 'govchain-bench-load', version: 1, profile: 'pressure' })
    expect(report.network).toMatchObject({ nodes: 4, senders: 10 })
    expect(report.capacity).toMatchObject({ source: 'rate', value: 15 })
    expect(report.phases).toHaveLength(1)
    const w = report.window
    expect(w.offered).toBe(60)
    expect(w.offered).toBe(report.phases[0]!.offered)
    expect(w.accepted + Object.values(w.refused).reduce((a, b) => a + b, 0)).toBe(w.offered)
    expect(w.committed).toBeLessThanOrEqual(w.offered)
    expect(w.committed).toBeGreaterThan(0)
    expect(w.successRate).toBeCloseTo(w.committed / w.offered, 10)
    expect(w.latencyMs.count).toBe(w.committed)
    expect(w.latencyMs.p50).toBeGreaterThan(0)
    expect(w.latencyMs.p99!).toBeGreaterThanOrEqual(w.latencyMs.p50!)
    expect(Object.keys(report.txTypes).sort()).toEqual([
      'certificate.issue',
      'invoice.register',
      'licence.apply',
    ])

    // Nothing acknowledged was lost: committed (in every node's blocks) or rejected with a code.
    const nl = report.noLoss
    expect(nl.ok).toBe(true)
    expect(nl.lost).toBe(0)
    expect(nl.pending).toBe(0)
    expect(nl.missingOnNode).toEqual([0, 0, 0, 0])
    expect(nl.acknowledged).toBe(nl.committed + Object.values(nl.rejected).reduce((a, b) => a + b, 0))
    expect(nl.sampleChecked).toBe(20)
    expect(nl.sampleMismatches).toBe(0)

    // Every node sampled, alive, with its metrics scraped.
    expect(report.nodes).toHaveLength(4)
    for (const n of report.nodes) {
      expect(n.alive).toBe(true)
      expect(n.cpuPercent).toBeGreaterThan(0)
      expect(n.rssPeakMiB).toBeGreaterThan(10)
      expect(n.anonPeakMiB).toBeGreaterThan(10)
      expect(n.anonPeakMiB).toBeLessThanOrEqual(n.rssPeakMiB!)
      expect(n.metrics?.heights).toBeGreaterThan(0)
      // What the node wrote, and what its LevelDB wrote (whole MB: maybe nothing yet).
      expect(n.metrics?.storeWrittenMiB).toBeGreaterThan(0)
      expect(n.metrics?.leveldbWrittenMiB).toBeGreaterThanOrEqual(0)
      expect(n.metrics?.proposalBlocks).not.toBeNull()
    }
    // Proposals rebuilt by the other nodes from the transactions they held.
    expect(report.nodes.reduce((a, n) => a + (n.metrics?.proposalBlocks?.rebuilt ?? 0), 0)).toBeGreaterThan(0)
    expect(report.verify?.perSecond).toBeGreaterThan(0)
    expect(report.target.committedPerSGoal).toBeCloseTo((0.6 * report.verify!.perSecond) / 4, 6)
    // The nodes' CPU per committed transaction, and what the target allows on these cores.
    const meanCpu = report.nodes.reduce((a, n) => a + n.cpuPercent!, 0) / 4
    expect(report.target.usPerTxPerNode).toBeCloseTo((meanCpu / 100) * (1e6 / w.committedPerS), 6)
    expect(report.target.allowedUsPerTxPerNode).toBeCloseTo(
      (report.verify!.cores * 1e6) / (4 * report.target.committedPerSGoal!),
      6,
    )
    expect(r.stdout).toContain('CPU per committed transaction')
    expect(report.criteria).toMatchObject({ success: true, noCrash: true, noLoss: true, pass: true })

    // The window in two slices, back to back, each with its own rates and node figures.
    const slices = report.slices
    expect(slices).toHaveLength(2)
    expect(slices[0]!.fromS).toBe(0)
    expect(slices[0]!.toS).toBeCloseTo(slices[1]!.fromS, 6)
    expect(slices[1]!.toS).toBeCloseTo(w.durationS, 6)
    expect(slices[1]!.height).toBeGreaterThanOrEqual(slices[0]!.height)
    const committedInSlices = slices.reduce((a, x) => a + x.committedPerS * (x.toS - x.fromS), 0)
    expect(committedInSlices).toBeGreaterThan(0)
    expect(Math.round(committedInSlices)).toBeLessThanOrEqual(Math.round(w.committedPerS * w.durationS))
    const offeredInSlices = slices.reduce((a, x) => a + x.offeredPerS * (x.toS - x.fromS), 0)
    expect(offeredInSlices).toBeLessThanOrEqual(w.offered)
    for (const x of slices) {
      expect(x.offeredPerS).toBeGreaterThan(0)
      expect(x.nodeCpuPercent).toBeGreaterThan(0)
      expect(x.nodeRssMiB).toBeGreaterThan(10)
      expect(x.storeWrittenMiB).toBeGreaterThan(0)
      expect(x.leveldbWrittenMiB).toBeGreaterThanOrEqual(0)
    }
    expect(r.stdout).toMatch(/over the window \(2 slices/)
    console.log(
      `[figures] bench load e2e: ${w.offered} offered, ${w.committed} committed, p50 ${w.latencyMs.p50} ms, ` +
        `raw verify ${Math.round(report.verify!.perSecond)}/s`,
    )
  })

  it('drives the same run in per-node batches (POST /v1/txs/batch) and loses nothing', async () => {
    const { r, report: read } = await benchLoad(c.dir, 'bench-load-batched.json', [
      '--rate',
      '80',
      '--duration',
      '3',
      '--senders',
      '10',
      '--drain',
      '30',
      '--audit-sample',
      '10',
      '--batch-ms',
      '100',
      '--skip-verify-rate',
    ])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/batches of ≤ 100 ms/)
    expect(r.stdout).toMatch(/POST \/v1\/txs\/batch p50/)
    const report = read()
    expect(report.batchMs).toBe(100)
    const w = report.window
    expect(w.offered).toBe(240)
    expect(w.accepted).toBe(240)
    expect(w.committed).toBe(240)
    // Latency counts from each transaction's offer, so it includes the wait for its batch.
    expect(w.latencyMs.count).toBe(240)
    expect(w.latencyMs.p50).toBeGreaterThan(0)
    // Fewer requests than transactions: at most one per node per 100 ms, plus the last ones.
    expect(w.postLatencyMs.count).toBeLessThanOrEqual(4 * (3 / 0.1 + 1))
    expect(report.noLoss).toMatchObject({ ok: true, lost: 0, pending: 0, missingOnNode: [0, 0, 0, 0] })
  })
})
