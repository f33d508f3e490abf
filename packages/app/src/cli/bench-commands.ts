/**
 * `govchain bench …`:
 *
 *   bench load [--network F] [--profile pressure|spike|stability] [--capacity N | --rate N]
 *              [--duration S] [--senders N] [--drain S] [--json FILE] [--no-progress]
 *   bench validate [--sizes L] [--state-keys L] [--rounds N] [--quick] [--json F] [--html F] …
 *                                           the block-validation benchmark (docs/bench.md)
 *
 * `bench load` exits 0 when the profile's criteria hold (success rate, no crash, no loss), 1
 * when they do not; the report is printed either way (and written with --json).
 */
import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { formatLoadReport, PROFILES, progressSink, runLoadBench, type Profile } from '../bench/load/index.js'
import { runValidationBench, type VerifierName } from '../bench/index.js'
import { CliError, CliErrorCode, ExitCode, intArg } from './common.js'

function profileArg(v: string): Profile {
  if (!(PROFILES as readonly string[]).includes(v))
    throw new CliError(
      CliErrorCode.USAGE,
      `--profile must be one of ${PROFILES.join(', ')}, got ${v.slice(0, 40)}`,
    )
  return v as Profile
}

function rateArg(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v)
    if (!/^[0-9]+(\.[0-9]+)?$/.test(v) || !(n > 0) || n > 1_000_000)
      throw new CliError(CliErrorCode.USAGE, `${name} must be a positive number, got ${v.slice(0, 40)}`)
    return n
  }
}

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('benchmarks: validation (bench validate), load (bench load)')

  bench
    .command('load')
    .description('drive signed transactions at a target rate against a running devnet and report')
    .option('--network <file>', "the devnet's network.json (default $GOVCHAIN_NETWORK, then .devnet/)")
    .option(
      '--profile <name>',
      `pressure (≈ capacity), spike (2× capacity mid-run), stability (20 % of capacity)`,
      profileArg,
      'pressure',
    )
    .option(
      '--capacity <tx/s>',
      'capacity basis (committed tx/s); default: found by a ramp',
      rateArg('--capacity'),
    )
    .option(
      '--rate <tx/s>',
      "offered rate of the profile's main phase (overrides --capacity)",
      rateArg('--rate'),
    )
    .option(
      '--duration <s>',
      'measured window (default pressure/spike 60, stability 300)',
      rateArg('--duration'),
    )
    .option('--senders <n>', 'sender accounts registered at setup', intArg('--senders', 1, 10_000), 40)
    .option(
      '--drain <s>',
      'after the window, wait at most this long for admitted txs to end',
      rateArg('--drain'),
      60,
    )
    .option('--ramp-start <tx/s>', 'ramp: first offered rate', rateArg('--ramp-start'))
    .option('--ramp-step <s>', 'ramp: seconds per step', rateArg('--ramp-step'))
    .option(
      '--slices <n>',
      'report the window in this many equal slices (default: ~10 s each, at most 10)',
      intArg('--slices', 1, 100),
    )
    .option(
      '--audit-sample <n>',
      'committed txs read back from every node',
      intArg('--audit-sample', 0, 1_000_000),
      200,
    )
    .option(
      '--batch-ms <ms>',
      "0: one POST /v1/txs per transaction; else a node's due transactions wait up to this long and go as one POST /v1/txs/batch",
      intArg('--batch-ms', 0, 1000),
      0,
    )
    .option('--skip-verify-rate', 'do not measure the raw verification rate (no target computed)', false)
    .option('--json <file>', 'write the JSON report here')
    .option('--no-progress', 'no progress display')
    .action(
      async (opts: {
        network?: string
        batchMs: number
        profile: Profile
        capacity?: number
        rate?: number
        duration?: number
        senders: number
        drain: number
        rampStart?: number
        rampStep?: number
        auditSample: number
        slices?: number
        skipVerifyRate: boolean
        json?: string
        progress: boolean
      }) => {
        const report = await runLoadBench({
          network: opts.network ?? process.env.GOVCHAIN_NETWORK ?? '.devnet',
          profile: opts.profile,
          ...(opts.capacity === undefined ? {} : { capacity: opts.capacity }),
          ...(opts.rate === undefined ? {} : { rate: opts.rate }),
          ...(opts.duration === undefined ? {} : { durationS: opts.duration }),
          ...(opts.rampStart === undefined ? {} : { rampStart: opts.rampStart }),
          ...(opts.rampStep === undefined ? {} : { rampStepS: opts.rampStep }),
          senders: opts.senders,
          drainS: opts.drain,
          auditSample: opts.auditSample,
          ...(opts.slices === undefined ? {} : { slices: opts.slices }),
          skipVerifyRate: opts.skipVerifyRate,
          batchMs: opts.batchMs,
          ...(opts.progress ? { progress: progressSink() } : {}),
          log: (l) => process.stderr.write(`bench load: ${l}\n`),
        })
        if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n')
        process.stdout.write(formatLoadReport(report))
        if (!report.criteria.pass) process.exitCode = ExitCode.failed
      },
    )

  bench
    .command('validate')
    .description(
      'block validation: tx/s per phase, ratio to the raw signature limit, cold and warm, peak memory (docs/bench.md)',
    )
    .option('--sizes <list>', 'transactions per block (default 100,1000,10000,50000)', listArg('--sizes'))
    .option('--state-keys <list>', 'state sizes in keys (default 10000,1000000)', listArg('--state-keys'))
    .option(
      '--rounds <n>',
      'measured rounds per case, medians reported (default 5)',
      intArg('--rounds', 1, 1000),
    )
    .option('--warmup <n>', 'unmeasured rounds first (default 1)', intArg('--warmup', 0, 1000))
    .option('--senders <n>', 'distinct sender accounts (default 1000)', intArg('--senders', 1, 50_000))
    .option('--seed <n>', 'workload seed (default 1)', intArg('--seed'))
    .option(
      '--verifier <name>',
      'signature verifier of the validating node: pool | libuv | single (default pool)',
      verifierArg,
    )
    .option('--json <file>', 'write the report as JSON')
    .option('--html <file>', 'write the HTML report with charts', '.bench/validate-report.html')
    .option('--dir <dir>', 'cache of generated states and blocks (default .bench/validate)')
    .option('--quick', 'a short run: 100 and 1,000 txs on 10,000 keys, 2 rounds')
    .option('--no-progress', 'no progress bars')
    .action(
      async (o: {
        sizes?: number[]
        stateKeys?: number[]
        rounds?: number
        warmup?: number
        senders?: number
        seed?: number
        verifier?: VerifierName
        json?: string
        html?: string
        dir?: string
        quick?: boolean
        progress: boolean
      }) => {
        await runValidationBench({
          ...(o.sizes === undefined ? {} : { sizes: o.sizes }),
          ...(o.stateKeys === undefined ? {} : { stateKeys: o.stateKeys }),
          ...(o.rounds === undefined ? {} : { rounds: o.rounds }),
          ...(o.warmup === undefined ? {} : { warmup: o.warmup }),
          ...(o.senders === undefined ? {} : { senders: o.senders }),
          ...(o.seed === undefined ? {} : { seed: o.seed }),
          ...(o.verifier === undefined ? {} : { verifier: o.verifier }),
          ...(o.json === undefined ? {} : { json: o.json }),
          ...(o.html === undefined ? {} : { html: o.html }),
          ...(o.dir === undefined ? {} : { dir: o.dir }),
          ...(o.quick === true ? { quick: true } : {}),
          ...(o.progress ? {} : { progress: false }),
        })
      },
    )
}

/** `1000,10k,1m` → [1000, 10000, 1000000]. */
function listArg(name: string): (v: string) => number[] {
  return (v) => {
    const out = v.split(',').map((part) => {
      const m = /^([0-9]{1,9})(k|m)?$/i.exec(part.trim().replace(/_/g, ''))
      if (m === null) return NaN
      const unit = m[2] === undefined ? 1 : m[2].toLowerCase() === 'k' ? 1_000 : 1_000_000
      return Number(m[1]) * unit
    })
    if (out.length === 0 || out.some((n) => !Number.isSafeInteger(n) || n < 1))
      throw new CliError(
        CliErrorCode.USAGE,
        `${name} expects positive integers such as 1000,10k,1m, got ${v.slice(0, 40)}`,
      )
    return out
  }
}

function verifierArg(v: string): VerifierName {
  if (v !== 'pool' && v !== 'libuv' && v !== 'single')
    throw new CliError(CliErrorCode.USAGE, `--verifier must be pool, libuv or single, got ${v.slice(0, 40)}`)
  return v
}
