/**
 * `npm run bench [-- validate|load] [options]`: the govchain benchmarks, i.e. `govchain bench …`
 * (packages/app/src/cli/bench-commands.ts). Without a subcommand it runs `bench validate`.
 */
import { runCli } from '../packages/app/src/cli/main.js'

let args = process.argv.slice(2)
while (args[0] === '--') args = args.slice(1)
const sub = args[0] === 'validate' || args[0] === 'load' || args[0] === 'help' ? [] : ['validate']
process.exit(await runCli(['bench', ...sub, ...args]))
