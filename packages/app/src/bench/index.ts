/**
 * `govchain bench validate` (also `npm run bench`): how many transactions per second a member
 * node validates, where the time goes, and how close that is to what the hardware allows.
 *
 *   const report = await runValidationBench({ sizes: [1000, 10000], stateKeys: [10000], json: 'bench.json' })
 *
 * Builds (once, cached under `dir`) a state of each requested size and a signed block of each
 * size, then runs every case in its own process (case-runner.ts) and prints a table; `json` and
 * `html` write the report to files. See docs/bench.md.
 */
import { fork } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { dirname, resolve } from 'node:path'
import { compiledEntry, withMallocTunables } from '@govchain/network'
import cliProgress from 'cli-progress'
import { AnonMemorySampler } from './anon-memory.js'
import type { ChildMessage, ParentMessage } from './case-child.js'
import type { CaseInput } from './case-runner.js'
import { BenchError, BenchErrorCode } from './errors.js'
import { ensureBlockFixture, ensureStateFixture } from './fixture.js'
import { loadAverage, machineFacts } from './machine.js'
import { renderHtml } from './report-html.js'
import { formatReport, machineLines } from './report-table.js'
import type { CaseResult, ValidationBenchOptions, ValidationBenchReport, VerifierName } from './types.js'

export * from './types.js'
export { BenchError, BenchErrorCode } from './errors.js'
export { formatReport } from './report-table.js'
export { renderHtml } from './report-html.js'

export const DEFAULT_SIZES = [100, 1_000, 10_000, 50_000] as const
export const DEFAULT_STATE_KEYS = [10_000, 1_000_000] as const
export const QUICK = { sizes: [100, 1_000], stateKeys: [10_000], rounds: 2 } as const

const NOBLE_SAMPLE = 1_000
export const MIN_STATE_KEYS = 5_000

function positive(name: string, v: number, max = 10_000_000, min = 1): number {
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new BenchError(
      BenchErrorCode.BAD_OPTION,
      `${name} must be an integer from ${min} to ${max}, got ${v}`,
    )
  return v
}

type Bar = { update(value: number, step?: string): void; setTotal(total: number): void }
type Bars = { start(label: string, total: number): Bar; stop(): void }

function progressBars(enabled: boolean, out: NodeJS.WritableStream): Bars {
  if (!enabled) return { start: () => ({ update: () => {}, setTotal: () => {} }), stop: () => {} }
  const multi = new cliProgress.MultiBar(
    {
      stream: out as NodeJS.WriteStream,
      format: ' {label} |{bar}| {value}/{total} {step} · {duration_formatted}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  )
  return {
    start(label, total) {
      const bar = multi.create(total, 0, { label: label.padEnd(34), step: '' })
      return { update: (value, step = '') => bar.update(value, { step }), setTotal: (t) => bar.setTotal(t) }
    },
    stop: () => multi.stop(),
  }
}

/** Runs one case in a child process (its peak memory is then its own). */
function runCaseProcess(input: CaseInput, onProgress: (done: number, total: number, step: string) => void) {
  // Compiled, as a node runs (no tsx loader thread and its heap in the case's memory).
  const compiled = compiledEntry(new URL('./case-child.ts', import.meta.url))
  const child = fork(compiled.path, [], {
    execArgv: [...compiled.execArgv],
    // The allocator settings the devnet starts its nodes with (malloc-tunables.ts): the case
    // validates as a node does, so its memory is a node's.
    env: withMallocTunables(process.env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const anon = new AnonMemorySampler(child.pid!)
  // A case process that died after asking is reported by its exit, not by a failed send.
  const answer = (m: ParentMessage) => void (child.connected && child.send(m))
  return new Promise<CaseResult>((resolve, reject) => {
    let settled = false
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'progress') onProgress(m.done, m.total, m.step)
      else if (m.type === 'stretch') {
        if (m.at === 'start') {
          anon.reset()
          answer({ type: 'stretch-started' })
        } else answer({ type: 'stretch-peak', anonMb: anon.peakMb() ?? null })
      } else if (m.type === 'result') {
        settled = true
        resolve(m.result)
      } else {
        settled = true
        reject(
          new BenchError(
            BenchErrorCode.CASE_FAILED,
            `case ${input.txs} txs on ${input.stateKeys} keys: ${m.message}`,
          ),
        )
      }
    })
    child.on('exit', (code) => {
      anon.close()
      if (!settled)
        reject(
          new BenchError(
            BenchErrorCode.CASE_FAILED,
            `case process exited with code ${code} before reporting`,
          ),
        )
    })
    child.send(input)
  })
}

export async function runValidationBench(
  options: ValidationBenchOptions = {},
): Promise<ValidationBenchReport> {
  const quick = options.quick === true
  const sizes = (options.sizes ?? (quick ? QUICK.sizes : DEFAULT_SIZES)).map((s) =>
    positive('block size', s, 100_000),
  )
  const stateKeys = (options.stateKeys ?? (quick ? QUICK.stateKeys : DEFAULT_STATE_KEYS)).map((k) =>
    // Below this the genesis (the sender accounts) leaves too few records for the updates to touch.
    positive('state keys', k, 100_000_000, MIN_STATE_KEYS),
  )
  const rounds = positive('rounds', options.rounds ?? (quick ? QUICK.rounds : 5), 1000)
  const warmup = options.warmup ?? 1
  const senders = positive('senders', options.senders ?? 1_000, 50_000)
  const seed = options.seed ?? 1
  const verifier: VerifierName = options.verifier ?? 'pool'
  const dir = resolve(options.dir ?? '.bench/validate')
  const out = options.out ?? process.stdout
  const print = (s = '') => void out.write(`${s}\n`)
  const interactive = options.progress ?? (out as NodeJS.WriteStream).isTTY === true
  await mkdir(dir, { recursive: true })

  const machine = machineFacts()
  const settings = { rounds, warmup, senders, seed, verifier, verifierThreads: availableParallelism() }
  print('govchain bench validate')
  for (const line of machineLines({ machine, settings } as ValidationBenchReport)) print(line)
  print(`cache: ${dir}`)
  print()

  const fixtures: ValidationBenchReport['fixtures'][number][] = []
  const cases: CaseResult[] = []
  for (const keys of stateKeys) {
    const bars = progressBars(interactive, out)
    try {
      const stateBar = bars.start(`state of ${keys.toLocaleString('en-US')} keys`, keys)
      const fixture = await ensureStateFixture({
        root: dir,
        keys,
        senders,
        seed,
        onProgress: (done) => stateBar.update(Math.min(done, keys), 'building (cached for later runs)'),
      })
      stateBar.update(keys, fixture.built ? `built in ${(fixture.buildMs / 1000).toFixed(0)} s` : 'cached')
      fixtures.push({ stateKeys: fixture.stateKeys, built: fixture.built, buildMs: fixture.buildMs })
      for (const txs of sizes) {
        const blockBar = bars.start(`block of ${txs.toLocaleString('en-US')} txs`, txs)
        const block = await ensureBlockFixture({
          fixture,
          txs,
          seed: seed + 1,
          work: `${dir}/work-${process.pid}`,
          onProgress: (done) => blockBar.update(done, 'signing and building'),
        })
        blockBar.update(txs, block.built ? 'built' : 'cached')
      }
      for (const txs of sizes) {
        const bar = bars.start(
          `validate ${txs.toLocaleString('en-US')} txs on ${keys.toLocaleString('en-US')} keys`,
          1,
        )
        let steps = 1
        const result = await runCaseProcess(
          { dir, stateKeys: keys, senders, seed, txs, rounds, warmup, verifier, nobleSample: NOBLE_SAMPLE },
          (done, total, step) => {
            steps = total
            bar.setTotal(total)
            bar.update(done, step)
          },
        )
        cases.push(result)
        bar.update(steps, `${Math.round(result.txsPerSecond).toLocaleString('en-US')} tx/s cold`)
        if (!interactive)
          print(`validated ${txs} txs on ${keys} keys: ${Math.round(result.txsPerSecond)} tx/s`)
      }
    } finally {
      bars.stop()
    }
  }

  const report: ValidationBenchReport = {
    benchmark: 'govchain bench validate',
    date: new Date().toISOString(),
    machine: { ...machine, loadAverageEnd: loadAverage() },
    settings,
    fixtures,
    cases,
  }
  print()
  print(formatReport(report))
  if (options.json !== undefined) {
    await mkdir(dirname(resolve(options.json)), { recursive: true })
    await writeFile(options.json, `${JSON.stringify(report, null, 2)}\n`)
    print(`\nJSON: ${resolve(options.json)}`)
  }
  if (options.html !== undefined) {
    await mkdir(dirname(resolve(options.html)), { recursive: true })
    await writeFile(options.html, renderHtml(report))
    print(`HTML report: file://${resolve(options.html)}`)
  }
  return report
}
