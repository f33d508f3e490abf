/**
 * `pnpm sim --seeds N [--from S] [--nodes 4|7] [--mode safety|liveness] [--bug NAME] [--crypto ed25519]
 *   [--trace [FROM-TO]] [--verbose]`
 * Runs the seeds one after the other, prints the summary table, and for each failing seed a
 * one-line command that replays exactly that seed. Exit code 1 if any invariant was violated.
 * Without --nodes, seeds alternate between 4 (even) and 7 (odd) validators. `--trace` prints
 * every state-machine step (optionally only virtual times FROM–TO ms) and the seed's scenario.
 */
import { parseArgs } from 'node:util'
import { BUGS, type Bug } from './bugs.js'
import { makeScenario, type Mode } from './scenario.js'
import { nodesForSeed } from './batch.js'
import { runSimulation, type SimResult } from './simulation.js'
import { formatSummary, summarize } from './summary.js'
import type { CryptoMode } from './sim-crypto.js'

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      seeds: { type: 'string', default: '100' },
      from: { type: 'string', default: '1' },
      nodes: { type: 'string' },
      mode: { type: 'string', default: 'safety' },
      bug: { type: 'string' },
      crypto: { type: 'string', default: 'cheap' },
      verbose: { type: 'boolean', default: false },
      trace: { type: 'string' },
    },
  })
  const seeds = Number(values.seeds)
  const from = Number(values.from)
  const nodes = values.nodes === undefined ? null : Number(values.nodes)
  const mode = values.mode as Mode
  const bug = (values.bug ?? null) as Bug | null
  const crypto = values.crypto as CryptoMode
  if (!Number.isSafeInteger(seeds) || seeds < 1 || !Number.isSafeInteger(from))
    throw new Error('--seeds and --from take integers')
  if (nodes !== null && ![4, 5, 7].includes(nodes))
    throw new Error('--nodes takes 4 or 7 (5 for the quorum-3-of-5 check)')
  if (mode !== 'safety' && mode !== 'liveness') throw new Error('--mode is safety or liveness')
  if (bug !== null && !BUGS.includes(bug)) throw new Error(`--bug is one of ${BUGS.join(', ')}`)
  if (crypto !== 'cheap' && crypto !== 'ed25519') throw new Error('--crypto is cheap or ed25519')
  const window =
    values.trace === undefined
      ? null
      : (values.trace
          .match(/^(\d+)-(\d+)$/)
          ?.slice(1)
          .map(Number) ?? [0, Infinity])
  const trace =
    window === null
      ? undefined
      : (line: string) => {
          const t = Number(line.slice(0, 7))
          if (t >= window[0]! && t <= window[1]!) console.log(line)
        }

  const started = performance.now()
  const cpu = process.cpuUsage()
  const results: SimResult[] = []
  for (let seed = from; seed < from + seeds; seed++) {
    const n = nodesForSeed(seed, nodes)
    if (trace !== undefined)
      console.log(JSON.stringify({ ...makeScenario(seed, mode, n), timeouts: undefined }))
    const r = await runSimulation({ seed, mode, nodes: n, bug, crypto, trace })
    results.push(r)
    if (values.verbose || r.violations.length > 0) {
      const v = r.violations[0]
      process.stderr.write(
        `seed ${seed} n=${r.nodes}: ${r.heights} heights, ${r.events} events${v === undefined ? '' : `, ${v.invariant}: ${v.detail.split('\n')[0]}`}\n`,
      )
    } else if ((seed - from + 1) % 100 === 0) {
      process.stderr.write(
        `  ${seed - from + 1}/${seeds} seeds, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      )
    }
  }
  const summary = summarize(results)
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000
  console.log(formatSummary(summary, { mode, from, bug, wallMs: performance.now() - started, cpuMs, crypto }))
  return summary.failing.length > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e)
    process.exit(2)
  },
)
