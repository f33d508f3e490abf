#!/usr/bin/env node
/**
 * Entry point: `govchain node start --home DIR` (run with tsx). Prints one JSON line on stdout
 * when the node is up: `{ "event": "started", peerId, api, p2p }` (the devnet launcher reads it).
 */
import '../polyfill.js'
import { Command } from 'commander'
import { isGovchainError } from '@govchain/ledger'
import { createBuiltinKvApp } from '../builtin-kv-app.js'
import { runNode } from '../run-node.js'

const program = new Command().name('govchain').description('govchain member node')
const node = program.command('node').description('run a member node')
node
  .command('start')
  .description('start a node from its home directory')
  .requiredOption('--home <dir>', 'node home directory (config.json, genesis.json, keys, data/)')
  .action(async (opts: { home: string }) => {
    try {
      const n = await runNode(opts.home, createBuiltinKvApp())
      process.stdout.write(
        JSON.stringify({
          event: 'started',
          peerId: n.peerId,
          api: n.apiUrl,
          p2p: n.p2pAddresses,
          height: n.chain.height,
        }) + '\n',
      )
    } catch (e) {
      const msg = isGovchainError(e) ? `${e.code}: ${e.message}` : (e as Error).message
      process.stderr.write(`govchain: ${msg}\n`)
      process.exit(1)
    }
  })

// `pnpm govchain -- node start …` passes the `--` through: drop it.
const argv = process.argv[2] === '--' ? [...process.argv.slice(0, 2), ...process.argv.slice(3)] : process.argv
await program.parseAsync(argv)
