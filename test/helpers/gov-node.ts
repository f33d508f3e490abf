/**
 * One member node running the government-services application (what the app's CLI will run):
 * `node --import tsx test/helpers/gov-node.ts --home DIR`. Prints the same `started` line as
 * `govchain node start`, which the cluster helper waits for.
 */
import '@govchain/network/polyfill'
import { createGovApplication } from '@govchain/app'
import { runNode } from '@govchain/network'

const at = process.argv.indexOf('--home')
const home = at >= 0 ? process.argv[at + 1] : undefined
if (home === undefined) {
  process.stderr.write('usage: gov-node.ts --home DIR\n')
  process.exit(2)
}
const node = await runNode(home, createGovApplication())
process.stdout.write(
  JSON.stringify({ event: 'started', peerId: node.peerId, api: node.apiUrl, height: node.chain.height }) +
    '\n',
)
