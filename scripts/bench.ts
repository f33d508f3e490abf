/**
 * `npm run bench [-- validate] [options]`: the block-validation benchmark (docs/bench.md).
 * The `govchain bench validate` command calls the same `runValidationBench`.
 */
import { Command, InvalidArgumentError } from 'commander'
import { runValidationBench, type VerifierName } from '../packages/app/src/bench/index.js'

function list(value: string): number[] {
  const out = value
    .split(',')
    .map((v) => Number(v.trim().replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000')))
  if (out.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new InvalidArgumentError('expected positive integers, e.g. 1000,10k,1m')
  return out
}

function int(value: string): number {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer')
  return n
}

const program = new Command('bench').description('govchain benchmarks').showHelpAfterError()

program
  .command('validate', { isDefault: true })
  .description(
    'block validation: tx/s per phase, ratio to the raw signature limit, cold and warm, peak memory',
  )
  .option('--sizes <list>', 'transactions per block (default 100,1000,10000,50000)', list)
  .option('--state-keys <list>', 'state sizes in keys (default 10000,1000000)', list)
  .option('--rounds <n>', 'measured rounds per case, medians reported (default 5)', int)
  .option('--warmup <n>', 'unmeasured rounds first (default 1)', int)
  .option('--senders <n>', 'distinct sender accounts (default 1000)', int)
  .option('--seed <n>', 'workload seed (default 1)', int)
  .option(
    '--verifier <name>',
    'signature verifier of the validating node: pool | libuv | single (default pool)',
  )
  .option('--json <file>', 'write the report as JSON')
  .option('--html <file>', 'write the HTML report with charts', '.bench/validate-report.html')
  .option('--dir <dir>', 'cache of generated states and blocks (default .bench/validate)')
  .option('--quick', 'a short run: 100 and 1,000 txs on 10,000 keys, 2 rounds')
  .option('--no-progress', 'no progress bars')
  .action(async (o) => {
    if (o.verifier !== undefined && !['pool', 'libuv', 'single'].includes(o.verifier))
      throw new InvalidArgumentError('--verifier must be pool, libuv or single')
    await runValidationBench({
      sizes: o.sizes,
      stateKeys: o.stateKeys,
      rounds: o.rounds,
      warmup: o.warmup,
      senders: o.senders,
      seed: o.seed,
      verifier: o.verifier as VerifierName | undefined,
      json: o.json,
      html: o.html,
      dir: o.dir,
      quick: o.quick,
      progress: o.progress === false ? false : undefined,
    })
  })

await program.parseAsync()
