/**
 * `runNode(home, modules)`: loads a home directory, starts a node, stops it cleanly on SIGINT /
 * SIGTERM. What `govchain node start --home DIR` runs (the app's CLI calls it with its
 * application; until then the built-in key-value application is used).
 */
import './polyfill.js'
import { SparseMerkleTree, type Application } from '@govchain/ledger'
import { loadHome } from './config.js'
import { GovchainNode, type NodeModules } from './node.js'

/** The authenticated state tree every node uses (the ledger's sparse Merkle tree). */
export const openStateTree: NodeModules['openStateTree'] = (store, root) => SparseMerkleTree.open(store, root)

export async function runNode(
  home: string,
  app: Application,
  opts: Pick<NodeModules, 'appStatusOf'> = {},
): Promise<GovchainNode> {
  const node = new GovchainNode(
    { home: loadHome(home), processMetrics: true },
    { app, openStateTree, ...opts },
  )
  const log = node.logger.child({ module: 'node' })
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    void node.stop().finally(() => process.exit(0))
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  // Started by a launcher with an IPC channel (devnet): stop when the launcher goes away.
  if (process.send !== undefined) process.on('disconnect', () => shutdown('launcher exited'))
  try {
    await node.start()
  } catch (e) {
    log.fatal({ err: (e as Error).message, stack: (e as Error).stack }, 'node failed to start')
    await node.stop()
    throw e
  }
  return node
}
