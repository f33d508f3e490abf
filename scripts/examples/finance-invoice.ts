/**
 * Example: supply-chain finance without double financing, through the SDK only.
 *
 *   npx tsx scripts/examples/finance-invoice.ts --network .devnet/network.json
 *
 * Northern Commercial Bank registers a supplier's invoice (only its fingerprint — a hash of
 * seller, buyer and invoice number — goes on chain) and finances it. Southern Savings Bank,
 * shown the same invoice, tries to finance it too: refused with APP_ALREADY_FINANCED; it tries
 * to register the same real invoice under its own id: refused with APP_DUPLICATE_INVOICE.
 * Then the race: both banks finance a second invoice at the same moment through different
 * nodes — exactly one wins, the other is dropped by the chain with APP_ALREADY_FINANCED.
 * Finally the financing bank settles the first invoice and its proof is checked offline.
 * Exits non-zero if any of this does not happen.
 */
import { parseArgs } from 'node:util'
import {
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildInvoiceSettle,
  invoiceFingerprint,
  isClientError,
  isGovchainError,
  LocalNetwork,
  verifyRecordProof,
  type GovchainClient,
  type SendTxInput,
} from '@govchain/app'

const { values: args } = parseArgs({ options: { network: { type: 'string' } } })
const net = LocalNetwork.load(args.network)
const northNode = net.client(Math.min(1, net.nodes.length - 1))
const southNode = net.client(Math.min(3, net.nodes.length - 1))
const north = net.account('north-officer')
const south = net.account('south-officer')
const step = (s: string) => process.stdout.write(`• ${s}\n`)

/** Sends and expects the chain to refuse with `code` (at submission or when dropped). */
async function expectRefusal(client: GovchainClient, input: SendTxInput, code: string): Promise<void> {
  try {
    await client.sendTx(input)
  } catch (e) {
    if (isClientError(e) && e.code === code) return
    throw e
  }
  throw new Error(`expected ${code}, but the transaction was committed`)
}

async function main(): Promise<void> {
  const run = Date.now().toString(36).toUpperCase()
  const invoice = { sellerId: 'RO-40112233', buyerId: 'RO-15566778', invoiceNumber: `F-2025-${run}` }
  const fingerprint = invoiceFingerprint(invoice)
  const id = `INV-${run}`

  await northNode.sendTx({
    key: north.key,
    ...buildInvoiceRegister({ recordId: id, fingerprint, amount: 1_250_000, currency: 'EUR', fields: {} }),
  })
  step(`bank-north registered ${id} (12,500.00 EUR)`)
  const financed = await northNode.sendTx({
    key: north.key,
    ...buildInvoiceFinance({ recordId: id, fingerprint, amount: 1_000_000 }),
  })
  step(`bank-north financed it (10,000.00 EUR) at height ${financed.height}`)

  await southNode.waitForCommit(financed.hash)
  await expectRefusal(
    southNode,
    { key: south.key, ...buildInvoiceFinance({ recordId: id, fingerprint, amount: 1_000_000 }) },
    'APP_ALREADY_FINANCED',
  )
  step('bank-south financing the same invoice: refused with APP_ALREADY_FINANCED')
  await expectRefusal(
    southNode,
    {
      key: south.key,
      ...buildInvoiceRegister({
        recordId: `${id}-S`,
        fingerprint,
        amount: 1_250_000,
        currency: 'EUR',
        fields: {},
      }),
    },
    'APP_DUPLICATE_INVOICE',
  )
  step('bank-south registering the same real invoice again: refused with APP_DUPLICATE_INVOICE')

  // The race: two banks, two nodes, one invoice, same moment.
  const race = { ...invoice, invoiceNumber: `F-2025-${run}-B` }
  const raceFp = invoiceFingerprint(race)
  const raceId = `INV-${run}-B`
  const registered = await northNode.sendTx({
    key: north.key,
    ...buildInvoiceRegister({
      recordId: raceId,
      fingerprint: raceFp,
      amount: 500_000,
      currency: 'EUR',
      fields: {},
    }),
  })
  await southNode.waitForCommit(registered.hash)
  const outcomes = await Promise.allSettled([
    northNode.sendTx({
      key: north.key,
      ...buildInvoiceFinance({ recordId: raceId, fingerprint: raceFp, amount: 500_000 }),
    }),
    southNode.sendTx({
      key: south.key,
      ...buildInvoiceFinance({ recordId: raceId, fingerprint: raceFp, amount: 500_000 }),
    }),
  ])
  const won = outcomes.filter((o) => o.status === 'fulfilled')
  const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
  if (
    won.length !== 1 ||
    lost.length !== 1 ||
    !isClientError(lost[0]) ||
    lost[0].code !== 'APP_ALREADY_FINANCED'
  )
    throw new Error(
      `race: expected one financing and one APP_ALREADY_FINANCED, got ${JSON.stringify(outcomes.map((o) => (o.status === 'fulfilled' ? 'committed' : (o.reason as { code?: string }).code)))}`,
    )
  const winner = outcomes[0]!.status === 'fulfilled' ? 'bank-north' : 'bank-south'
  step(`race on ${raceId}: ${winner} financed it; the other bank got APP_ALREADY_FINANCED`)

  const settled = await northNode.sendTx({ key: north.key, ...buildInvoiceSettle({ recordId: id }) })
  await southNode.waitForCommit(settled.hash)
  const verified = verifyRecordProof(await southNode.getRecord(id, { prove: true }), net.genesis())
  if (
    verified.record.type !== 'invoice' ||
    verified.record.status !== 'settled' ||
    verified.record.financedBy !== 'bank-north'
  )
    throw new Error(
      `expected ${id} settled after financing by bank-north, proven: ${verified.effectiveStatus}`,
    )
  step(
    `${id} proven offline: ${verified.record.status}, financed by ${verified.record.financedBy} ` +
      `(${verified.history.map((h) => h.to).join(' → ')})`,
  )
  process.stdout.write('ok: each invoice was financed exactly once\n')
}

main().catch((e: unknown) => {
  process.stderr.write(`finance-invoice: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}\n`)
  process.exit(1)
})
