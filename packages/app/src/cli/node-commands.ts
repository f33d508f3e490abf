/**
 * `govchain keys …`, `govchain node start --home DIR` (one member node running the
 * government-services application: the composition of @govchain/network with this package).
 */
import { toHex } from '@govchain/ledger'
import { runNode } from '@govchain/network'
import type { Command } from 'commander'
import { createGovApplication } from '../application.js'
import { appErrorStatus } from '../errors.js'
import { readKeyFile, writeNewKeyFile } from '../client/index.js'
import { printJson } from './common.js'

export function registerNodeCommands(program: Command): void {
  const keys = program.command('keys').description('account key files')
  keys
    .command('new')
    .description('write a fresh Ed25519 key file (mode 0600) and print its public key')
    .requiredOption('--out <file>', 'where to write the key file')
    .option('--force', 'overwrite an existing file', false)
    .action((o: { out: string; force: boolean }) => {
      const key = writeNewKeyFile(o.out, { force: o.force })
      printJson({ publicKey: toHex(key.publicKey), keyFile: o.out })
    })
  keys
    .command('show')
    .description("print a key file's public key")
    .argument('<file>', 'key file')
    .action((file: string) => printJson({ publicKey: toHex(readKeyFile(file).publicKey), keyFile: file }))

  const node = program.command('node').description('run a member node')
  node
    .command('start')
    .description('start a node from its home directory (config.json, genesis.json, keys, data/)')
    .requiredOption('--home <dir>', 'node home directory')
    .action(async (o: { home: string }) => {
      const n = await runNode(o.home, createGovApplication(), { appStatusOf: appErrorStatus })
      // The devnet launcher waits for this line.
      process.stdout.write(
        JSON.stringify({
          event: 'started',
          peerId: n.peerId,
          api: n.apiUrl,
          p2p: n.p2pAddresses,
          height: n.chain.height,
        }) + '\n',
      )
      // Runs until SIGINT / SIGTERM or the launcher goes away: runNode stops the node and exits.
      await new Promise<never>(() => {})
    })
}
