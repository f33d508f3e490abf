/**
 * The `govchain` CLI (entry: bin.ts, run with tsx; `pnpm govchain …` from the repository root):
 *
 *   keys new --out FILE                     a fresh Ed25519 key file
 *   tx send --key F --node URL --type T --payload JSON [--wait]
 *   licence | certificate | invoice | gov …  typed shortcuts (wait for the commit by default)
 *   query record ID --node URL [--prove --out FILE] · query tx|block|status|app …
 *   verify FILE --genesis GENESIS            offline proof check
 *   node start --home DIR                    one member node running the application
 *   bench load [--profile …]                 load test of a running devnet (bench/load)
 *   bench validate                           the validation benchmark
 *
 * Exit codes (common.ts): 0 ok · 1 refused / failed (code printed) · 2 bad usage or input ·
 * 3 / 4 from `verify` (revoked / not in force).
 */
import '@govchain/network/polyfill'
import { Command, CommanderError } from 'commander'
import { CliError, CliErrorCode, exitCodeOf, printError } from './common.js'
import { registerBenchCommands } from './bench-commands.js'
import { registerNodeCommands } from './node-commands.js'
import { registerReadCommands } from './read-commands.js'
import { registerTxCommands } from './tx-commands.js'

export function buildProgram(): Command {
  const program = new Command()
    .name('govchain')
    .description('govchain: permissioned BFT ledger for government-service records')
    .showHelpAfterError('(add --help for usage)')
  registerNodeCommands(program)
  registerTxCommands(program)
  registerReadCommands(program)
  registerBenchCommands(program)
  // Usage errors are coded and exit 2, like every other input error.
  const configure = (cmd: Command) => {
    cmd.exitOverride()
    cmd.configureOutput({
      outputError: (str, write) => write(`govchain: ${CliErrorCode.USAGE}: ${str.replace(/^error: /, '')}`),
    })
    cmd.commands.forEach(configure)
  }
  configure(program)
  return program
}

export async function runCli(argv: readonly string[]): Promise<number> {
  // `pnpm govchain -- …` (through the bootstrap) passes `--` through: drop it.
  let skip = 0
  while (argv[skip] === '--') skip++
  const args = argv.slice(skip)
  try {
    await buildProgram().parseAsync(args, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0
      return 2
    }
    if (e instanceof CliError || exitCodeOf(e) !== 0) printError(e)
    return exitCodeOf(e)
  }
}
