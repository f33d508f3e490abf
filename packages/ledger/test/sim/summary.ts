/** Aggregates seed results into the `pnpm sim` summary table. */
import type { Bug } from './bugs.js'
import { INVARIANTS, type Invariant } from './invariants.js'
import type { Mode } from './scenario.js'
import type { SimResult } from './simulation.js'

export type Summary = {
  readonly seeds: number
  readonly heights: number
  readonly events: number
  readonly faults: Record<string, number>
  readonly violations: Record<string, number>
  readonly failing: SimResult[]
  readonly roundP50: number
  readonly roundP99: number
  readonly roundMax: number
  readonly byNodes: Map<number, { seeds: number; heights: number; rounds: number[]; failing: number }>
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

export function summarize(results: readonly SimResult[]): Summary {
  const faults: Record<string, number> = {}
  const violations: Record<string, number> = {}
  const rounds: number[] = []
  const byNodes = new Map<number, { seeds: number; heights: number; rounds: number[]; failing: number }>()
  let heights = 0
  let events = 0
  for (const r of results) {
    heights += r.heights
    events += r.events
    rounds.push(...r.commitRounds)
    for (const [k, v] of Object.entries(r.faults)) faults[k] = (faults[k] ?? 0) + v
    for (const v of r.violations) violations[v.invariant] = (violations[v.invariant] ?? 0) + 1
    const row = byNodes.get(r.nodes) ?? { seeds: 0, heights: 0, rounds: [], failing: 0 }
    row.seeds++
    row.heights += r.heights
    row.rounds.push(...r.commitRounds)
    if (r.violations.length > 0) row.failing++
    byNodes.set(r.nodes, row)
  }
  rounds.sort((a, b) => a - b)
  return {
    seeds: results.length,
    heights,
    events,
    faults,
    violations,
    failing: results.filter((r) => r.violations.length > 0),
    roundP50: percentile(rounds, 50),
    roundP99: percentile(rounds, 99),
    roundMax: rounds.at(-1) ?? 0,
    byNodes,
  }
}

export function replayCommand(r: SimResult): string {
  return `pnpm sim --seeds 1 --from ${r.seed} --nodes ${r.nodes} --mode ${r.mode}${r.bug === null ? '' : ` --bug ${r.bug}`}`
}

export function formatSummary(
  s: Summary,
  run: { mode: Mode; from: number; bug: Bug | null; wallMs: number; cpuMs: number; crypto: string },
): string {
  const lines: string[] = []
  const pad = (v: string | number, w: number) => String(v).padStart(w)
  lines.push(
    `consensus simulator: mode ${run.mode}, seeds ${run.from}..${run.from + s.seeds - 1}, engine ${run.bug ?? 'correct'}, signatures ${run.crypto}`,
  )
  lines.push('')
  lines.push(
    `${pad('nodes', 6)} ${pad('seeds', 7)} ${pad('heights', 9)} ${pad('failing', 8)} ${pad('round p50', 10)} ${pad('round p99', 10)} ${pad('max', 5)}`,
  )
  const rows = [...s.byNodes.entries()].sort((a, b) => a[0] - b[0])
  for (const [n, row] of rows) {
    const sorted = [...row.rounds].sort((a, b) => a - b)
    lines.push(
      `${pad(n, 6)} ${pad(row.seeds, 7)} ${pad(row.heights, 9)} ${pad(row.failing, 8)} ${pad(percentile(sorted, 50), 10)} ${pad(percentile(sorted, 99), 10)} ${pad(sorted.at(-1) ?? 0, 5)}`,
    )
  }
  lines.push(
    `${pad('all', 6)} ${pad(s.seeds, 7)} ${pad(s.heights, 9)} ${pad(s.failing.length, 8)} ${pad(s.roundP50, 10)} ${pad(s.roundP99, 10)} ${pad(s.roundMax, 5)}`,
  )
  lines.push('')
  lines.push('faults injected (and driver events), by kind:')
  const kinds = Object.entries(s.faults).sort((a, b) => a[0].localeCompare(b[0]))
  for (const [k, v] of kinds) lines.push(`  ${k.padEnd(48)} ${pad(v, 10)}`)
  lines.push('')
  const vs = Object.entries(s.violations)
  lines.push(
    vs.length === 0
      ? 'violations: 0 (I1–I7 checked at every step; I8, I9 in liveness mode)'
      : `violations: ${vs.map(([k, v]) => `${k} ${INVARIANTS[k as Invariant]} × ${v}`).join(', ')}`,
  )
  for (const r of s.failing.slice(0, 20)) {
    const v = r.violations[0]!
    lines.push(`  seed ${r.seed} (n=${r.nodes}) ${v.invariant} at ${v.timeMs} ms: ${v.detail.split('\n')[0]}`)
    lines.push(`    replay: ${replayCommand(r)}`)
  }
  lines.push('')
  lines.push(
    `wall time ${(run.wallMs / 1000).toFixed(1)} s, cpu time ${(run.cpuMs / 1000).toFixed(1)} s ` +
      `(${(run.cpuMs / Math.max(1, s.seeds)).toFixed(1)} cpu-ms/seed, ${s.events} events, ${((1000 * run.cpuMs) / Math.max(1, s.events)).toFixed(1)} cpu-µs/event)`,
  )
  return lines.join('\n')
}
