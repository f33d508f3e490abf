/**
 * `govchain bench …`:
 *
 *   bench load [--network F] [--profile pressure|spike|stability] [--capacity N | --rate N]
 *              [--duration S] [--senders N] [--drain S] [--json FILE] [--no-progress]
 *   bench validate                          the validation benchmark (lands with its own work)
 *
 * `bench load` exits 0 when the profile's criteria hold (success rate, no crash, no loss), 1
 * when they do not; the report is printed either way (and written with --json).
 */
import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { formatLoadReport, PROFILES, progressSink, runLoadBench, type Profile } from '../bench/load/index.js'
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
      '--audit-sample <n>',
      'committed txs read back from every node',
      intArg('--audit-sample', 0, 1_000_000),
      200,
    )
    .option('--skip-verify-rate', 'do not measure the raw verification rate (no target computed)', false)
    .option('--json <file>', 'write the JSON report here')
    .option('--no-progress', 'no progress display')
    .action(
      async (opts: {
        network?: string
        profile: Profile
        capacity?: number
        rate?: number
        duration?: number
        senders: number
        drain: number
        rampStart?: number
        rampStep?: number
        auditSample: number
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
          skipVerifyRate: opts.skipVerifyRate,
          ...(opts.progress ? { progress: progressSink() } : {}),
          log: (l) => process.stderr.write(`bench load: ${l}\n`),
        })
        if (opts.json !== undefined) writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n')
        process.stdout.write(formatLoadReport(report))
        if (!report.criteria.pass) process.exitCode = ExitCode.failed
      },
    )

  // The validation benchmark lands with its own work (packages/app/src/bench, `runValidationBench`).
  bench
    .command('validate')
    .description('validation benchmark (see the benchmark issue)')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CliError(
        CliErrorCode.NOT_AVAILABLE,
        'the validation benchmark is not part of this build yet (runValidationBench, packages/app/src/bench)',
      )
    })
}
