/**
 * A multi-process network running the government-services application with the demo alliance
 * (packages/app/src/demo.ts), as `npm run devnet` runs it: 4 nodes owned by city-licensing,
 * bank-north, civil-registry and bank-south, every demo account with a key file, each node the
 * app's `govchain node start`.
 */
import { commitField, randomSalt, signTx, type TxDraft } from '@govchain/app'
import { appNodeCommand, demoDevnetHooks } from '@govchain/app/devnet'
import type { Transaction } from '@govchain/ledger'
import { Cluster } from './cluster.js'

export async function startGovCluster(nodes = 4): Promise<Cluster> {
  return Cluster.start(nodes, { hooks: demoDevnetHooks, command: appNodeCommand })
}

/** Signs a draft with a demo account's key and its next nonce. */
export function govTx(c: Cluster, account: string, draft: TxDraft): Transaction {
  const a = c.accounts.find((x) => x.name === account)
  if (a === undefined) throw new Error(`no account ${account}`)
  return signTx(draft, { chainId: c.network.chainId, keyPair: a.key, nonce: a.nonce++ })
}

/** Salted commitments of personal fields (the values stay here, as with an organisation's store). */
export function commitments(recordId: string, values: Record<string, string>): Record<string, Uint8Array> {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => [
      field,
      commitField(recordId, field, randomSalt(), value),
    ]),
  )
}

/** Submits and waits until node `i` reports the transaction committed; returns its status body. */
export async function submitAndWait(
  c: Cluster,
  i: number,
  tx: Transaction,
  timeoutMs = 30_000,
): Promise<{ hash: string; height: number }> {
  const r = await c.submit(i, tx)
  if (r.status !== 202) throw new Error(`submit failed: ${r.status} ${JSON.stringify(r.body)}`)
  const hash = r.body.hash as string
  let height = 0
  await c.waitFor(
    async () => {
      const s = await c.get(i, `/v1/txs/${hash}`)
      if (s.body.status === 'rejected') throw new Error(`rejected: ${JSON.stringify(s.body.error)}`)
      height = s.body.height ?? 0
      return s.body.status === 'committed'
    },
    timeoutMs,
    `tx ${hash} to commit`,
  )
  return { hash, height }
}
