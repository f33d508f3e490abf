/**
 * Example: a bulk import — the civil registry records a day's residence certificates in one
 * request, through the SDK only.
 *
 *   npx tsx scripts/examples/bulk-certificates.ts --network .devnet/network.json [--count 50]
 *
 * The registry's officer signs one `certificate.issue` per resident with consecutive nonces (the
 * residents' personal data go on chain only as salted commitments) and submits them with one
 * `POST /v1/txs/batch`. The node answers each entry as a single submission would: admitted, or
 * refused with its code; refusals for capacity (mempool or sender queue full) are sent again.
 * Then it waits for every commit and checks one certificate's proof offline against the genesis.
 * Exits non-zero on any failure.
 */
import { parseArgs } from 'node:util'
import {
  buildCertificateIssue,
  commitValues,
  isGovchainError,
  LocalNetwork,
  MAX_BATCH_TXS,
  verifyRecordProof,
  type Transaction,
} from '@govchain/app'

const { values: args } = parseArgs({
  options: { network: { type: 'string' }, count: { type: 'string', default: '50' } },
})
const count = Number(args.count)
if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BATCH_TXS) {
  process.stderr.write(`bulk-certificates: --count must be 1–${MAX_BATCH_TXS}\n`)
  process.exit(2)
}
const net = LocalNetwork.load(args.network)
const registry = net.client(0)
const officer = net.account('registry-officer')
const step = (s: string) => process.stdout.write(`• ${s}\n`)
/** Refusals that mean "not now", not "never": the entry is sent again. */
const CAPACITY = new Set(['MEMPOOL_FULL', 'MEMPOOL_SENDER_FULL', 'API_RATE_LIMITED'])

async function main(): Promise<void> {
  const day = Date.now().toString(36).toUpperCase()
  const { pendingNonce } = await registry.getAccountNonce(officer.key.publicKey)
  const txs: Transaction[] = []
  for (let i = 0; i < count; i++) {
    const id = `CERT-RES-${day}-${i}`
    const { fields } = commitValues(id, { name: `Resident ${i}`, address: `${i} Canal Street` })
    txs.push(
      await registry.sign({
        key: officer.key,
        nonce: pendingNonce + i,
        ...buildCertificateIssue({ recordId: id, kind: 'residence', fields }),
      }),
    )
  }
  step(`signed    ${count} certificates, nonces ${pendingNonce}–${pendingNonce + count - 1}`)

  let pending = txs
  for (let attempt = 1; pending.length > 0; attempt++) {
    const results = await registry.submitBatch(pending)
    const retry: Transaction[] = []
    results.forEach((r, i) => {
      if (!('error' in r)) return
      if (!CAPACITY.has(r.error.code) || attempt >= 5)
        throw new Error(`certificate ${i} refused: ${r.error.code}: ${r.error.message}`)
      retry.push(pending[i]!)
    })
    step(
      `submitted ${pending.length - retry.length} in one request${retry.length ? `, ${retry.length} to retry` : ''}`,
    )
    pending = retry
    if (retry.length > 0) await new Promise((r) => setTimeout(r, 500 * attempt))
  }

  const committed = await Promise.all(txs.map((tx) => registry.waitForCommit(tx.hashHex())))
  const heights = committed.map((c) => c.height)
  step(`committed all ${count} in blocks ${Math.min(...heights)}–${Math.max(...heights)}`)

  const last = `CERT-RES-${day}-${count - 1}`
  const verified = verifyRecordProof(await registry.getRecord(last, { prove: true }), net.genesis())
  if (verified.verdict !== 'valid') throw new Error(`expected a valid certificate, got ${verified.verdict}`)
  step(`proof of ${last}: ${verified.verdict} at height ${verified.height}`)
  process.stdout.write(`ok: ${count} certificates recorded with one request and proven\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(`bulk-certificates: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}\n`)
  process.exit(1)
})
