/**
 * Example: a food-premises permit, end to end, through the SDK only.
 *
 *   npx tsx scripts/examples/issue-licence.ts --network .devnet/network.json
 *
 * The City Licensing Office's officer files the application (the applicant's personal data go
 * on chain only as salted commitments), approves it and issues the permit; each step waits for
 * its commit through the node's events. Then anyone — here a client of another member's node —
 * fetches the permit with its proof and checks it offline against the genesis, and checks the
 * applicant's disclosed name against the proven commitment. Exits non-zero on any failure.
 */
import { parseArgs } from 'node:util'
import {
  buildLicenceApply,
  buildLicenceApprove,
  buildLicenceIssue,
  commitValues,
  isGovchainError,
  LocalNetwork,
  verifyDisclosure,
  verifyRecordProof,
} from '@govchain/app'

const { values: args } = parseArgs({ options: { network: { type: 'string' } } })
const net = LocalNetwork.load(args.network)
const city = net.client(0)
const elsewhere = net.client(net.nodes.length - 1)
const officer = net.account('licensing-officer')
const step = (s: string) => process.stdout.write(`• ${s}\n`)

async function main(): Promise<void> {
  const id = `LIC-FOOD-${Date.now().toString(36).toUpperCase()}`
  const applicant = {
    name: 'Maria Ionescu',
    nationalId: '2850101123456',
    premises: '14 Harbour Street, unit 2',
  }
  const { fields, disclosures } = commitValues(id, applicant)

  const applied = await city.sendTx({
    key: officer.key,
    ...buildLicenceApply({ recordId: id, agency: 'city-licensing', kind: 'food-premises-permit', fields }),
  })
  step(`applied   ${id} at height ${applied.height}`)
  const approved = await city.sendTx({ key: officer.key, ...buildLicenceApprove({ recordId: id }) })
  step(`approved  at height ${approved.height}`)
  const from = (await city.status()).height
  const issued = await city.sendTx({
    key: officer.key,
    ...buildLicenceIssue({ recordId: id, validFromHeight: from, validUntilHeight: from + 1_000_000 }),
  })
  step(`issued    at height ${issued.height} (valid for 1,000,000 blocks)`)

  // Another member's node: once it has committed the issuing block too (its events say so).
  await elsewhere.waitForCommit(issued.hash)
  const answer = await elsewhere.getRecord(id, { prove: true })
  const verified = verifyRecordProof(answer, net.genesis())
  step(
    `proof from ${net.nodes[net.nodes.length - 1]!.name}: ${verified.verdict} — ${verified.record.type} ` +
      `${verified.id} status ${verified.effectiveStatus} at height ${verified.height}, ` +
      `${verified.history.length} history entries proven`,
  )
  if (verified.verdict !== 'valid' || verified.effectiveStatus !== 'issued')
    throw new Error(`expected a valid issued licence, got ${verified.verdict} / ${verified.effectiveStatus}`)
  const name = disclosures.find((d) => d.field === 'name')!
  if (verified.record.type !== 'licence' || !verifyDisclosure(name, verified.record))
    throw new Error('the disclosed name does not open the proven commitment')
  step(`disclosed name "${name.value}" matches the proven commitment`)
  process.stdout.write(`ok: licence ${id} issued and proven valid offline\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`issue-licence: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}\n`)
  process.exit(1)
})
