/** Runs a range of seeds one after the other (the CLI and the vitest suites share it). */
import type { Bug } from './bugs.js'
import type { Mode } from './scenario.js'
import { runSimulation, type SimResult } from './simulation.js'

/** Without a fixed node count, even seeds run 4 validators and odd seeds 7. */
export function nodesForSeed(seed: number, nodes: number | null): number {
  return nodes ?? (seed % 2 === 0 ? 4 : 7)
}

export async function runSeeds(o: {
  from: number
  count: number
  mode: Mode
  nodes?: number | null
  bug?: Bug | null
  /** Stop at the first failing seed (broken-engine checks). */
  stopAtFirstFailure?: boolean
  onResult?: (r: SimResult) => void
}): Promise<SimResult[]> {
  const results: SimResult[] = []
  for (let seed = o.from; seed < o.from + o.count; seed++) {
    const r = await runSimulation({
      seed,
      mode: o.mode,
      nodes: nodesForSeed(seed, o.nodes ?? null),
      bug: o.bug ?? null,
    })
    results.push(r)
    o.onResult?.(r)
    if (o.stopAtFirstFailure === true && r.violations.length > 0) break
  }
  return results
}
