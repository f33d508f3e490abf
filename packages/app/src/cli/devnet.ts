/**
 * The devnet on the government-services application (composition: the only app code besides
 * the CLI that imports @govchain/network). `scripts/devnet.ts` generates the network with these
 * hooks — the demo alliance of demo.ts (three city agencies, two banks, a regulator, an auditor;
 * node i owned by DEMO_NODE_ORDER[i]) with every demo account's key file listed in
 * `network.json` — and starts each node with `govchain node start` from this package's CLI.
 */
import { fileURLToPath } from 'node:url'
import { nodeCommand, type DevnetGenesisHooks } from '@govchain/network'
import { buildDemoGenesis, DEMO_ACCOUNTS } from '../demo.js'

export const demoDevnetHooks: DevnetGenesisHooks = {
  accounts: () => DEMO_ACCOUNTS.map((a) => ({ name: a.name, org: a.org, roles: [...a.roles] })),
  genesis: (ctx) => {
    const { genesis, nodes } = buildDemoGenesis({
      chainId: ctx.chainId,
      genesisTime: ctx.genesisTime,
      nodes: ctx.nodes,
      accountKeys: ctx.accountKeys,
    })
    return { genesis, nodes }
  },
}

/** The `govchain` CLI entry (run with tsx). */
export const GOVCHAIN_CLI_ENTRY = fileURLToPath(new URL('./bin.ts', import.meta.url))

/** The process that runs one node of the application: `govchain node start --home DIR`. */
export function appNodeCommand(home: string): ReturnType<typeof nodeCommand> {
  return nodeCommand(home, GOVCHAIN_CLI_ENTRY)
}
