/**
 * Example: a residence certificate checked offline — valid, then proven revoked, and a tampered
 * proof refused — through the SDK only.
 *
 *   npx tsx scripts/examples/verify-certificate-offline.ts --network .devnet/network.json [--out DIR]
 *
 * The Civil Registry issues a residence certificate; a verifier (a bank, say) fetches it with
 * its proof from any node and checks it with nothing but the genesis file: the chain of
 * validator sets, the commit certificate, the state proof, and that the record shown is the
 * record proven. The holder's disclosed address opens the proven commitment. The registry then
 * revokes the certificate: the new proof proves it revoked, and a node that would show it as
 * still valid is caught (PROOF_MISMATCH), and a verifier that kept the newer proof's header as a
 * checkpoint refuses the old proof (LIGHT_BEFORE_CHECKPOINT). Tampering with the header, the
 * commit certificate or a state-proof sibling makes the proof fail with its code. `--out DIR`
 * keeps the proof files (for `govchain verify FILE --genesis GENESIS`). Exits non-zero on any
 * failure.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  buildCertificateIssue,
  buildCertificateRevoke,
  commitValues,
  isGovchainError,
  LocalNetwork,
  proofTrustFromGenesis,
  verifyDisclosure,
  verifyRecordProof,
  type RecordResponse,
} from '@govchain/app'

const { values: args } = parseArgs({ options: { network: { type: 'string' }, out: { type: 'string' } } })
const net = LocalNetwork.load(args.network)
const registry = net.client(Math.min(2, net.nodes.length - 1))
const verifierNode = net.client(Math.min(1, net.nodes.length - 1))
const officer = net.account('registry-officer')
const genesis = net.genesis()
const step = (s: string) => process.stdout.write(`• ${s}\n`)

type Proof = { header: string; certificate: string; entries: { proof: { siblings: string[] } }[] }

/** Flips the last hex digit of a string. */
const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0')

function expectInvalid(what: string, answer: unknown, code: string, trust: unknown = genesis): void {
  try {
    verifyRecordProof(answer, trust)
  } catch (e) {
    if (isGovchainError(e) && e.code === code) {
      step(`${what}: refused with ${e.code}`)
      return
    }
    throw e
  }
  throw new Error(`${what} verified`)
}

async function main(): Promise<void> {
  const id = `CERT-RES-${Date.now().toString(36).toUpperCase()}`
  const holder = {
    name: 'Andrei Georgescu',
    dateOfBirth: '1990-04-12',
    address: '7 Linden Avenue, Northside',
  }
  const { fields, disclosures } = commitValues(id, holder)
  const issued = await registry.sendTx({
    key: officer.key,
    ...buildCertificateIssue({ recordId: id, kind: 'residence', fields }),
  })
  step(`civil registry issued ${id} at height ${issued.height}`)

  await verifierNode.waitForCommit(issued.hash)
  const validAnswer = await verifierNode.getRecord(id, { prove: true })
  const valid = verifyRecordProof(validAnswer, genesis)
  if (valid.verdict !== 'valid') throw new Error(`expected valid, got ${valid.verdict}`)
  step(`offline check: ${valid.verdict} (height ${valid.height}, block ${valid.blockHash.slice(0, 16)}…)`)
  const address = disclosures.find((d) => d.field === 'address')!
  if (valid.record.type !== 'certificate' || !verifyDisclosure(address, valid.record))
    throw new Error('the disclosed address does not open the proven commitment')
  step(`the holder's disclosed address "${address.value}" opens the proven commitment`)

  const revoked = await registry.sendTx({
    key: officer.key,
    ...buildCertificateRevoke({ recordId: id, reason: 'moved-abroad' }),
  })
  await verifierNode.waitForCommit(revoked.hash)
  const revokedAnswer = await verifierNode.getRecord(id, { prove: true })
  const proven = verifyRecordProof(revokedAnswer, genesis)
  if (proven.verdict !== 'revoked') throw new Error(`expected revoked, got ${proven.verdict}`)
  step(`revoked at height ${revoked.height}; the new proof proves it: ${proven.verdict}`)

  // A verifier that keeps each proven header as a checkpoint follows later proofs from it (keys
  // of validator sets replaced before it cannot pass off another history) — and refuses an
  // older proof, such as the holder replaying the one from before the revocation.
  const trust = proofTrustFromGenesis(genesis)
  const followed = verifyRecordProof(revokedAnswer, { ...trust, checkpoint: valid.checkpoint! })
  step(`followed from the checkpoint at height ${valid.checkpoint!.height}: ${followed.verdict}`)
  expectInvalid('a replay of the proof from before the revocation', validAnswer, 'LIGHT_BEFORE_CHECKPOINT', {
    ...trust,
    checkpoint: proven.checkpoint!,
  })

  // A node lying about the status: shows the revoked certificate as valid.
  const lying: RecordResponse = {
    ...revokedAnswer,
    record: {
      ...revokedAnswer.record,
      effectiveStatus: 'valid',
      record: { ...revokedAnswer.record.record, status: 'valid' },
    },
  }
  expectInvalid('tampered record (revoked shown as valid)', lying, 'PROOF_MISMATCH')
  const tamper = (change: (p: Proof) => void): RecordResponse => {
    const copy = JSON.parse(JSON.stringify(validAnswer)) as RecordResponse & { proof: Proof }
    change(copy.proof)
    return copy
  }
  expectInvalid(
    'tampered header (state root changed)',
    tamper((p) => (p.header = p.header.replace(valid.stateRoot, flip(valid.stateRoot)))),
    'LIGHT_BAD_CERTIFICATE',
  )
  expectInvalid(
    'tampered commit certificate (a signature byte)',
    tamper((p) => (p.certificate = flip(p.certificate))),
    'LIGHT_BAD_CERTIFICATE',
  )
  expectInvalid(
    'tampered state-proof sibling',
    tamper((p) => (p.entries[0]!.proof.siblings[0] = flip(p.entries[0]!.proof.siblings[0]!))),
    'LIGHT_BAD_STATE_PROOF',
  )

  if (args.out !== undefined) {
    mkdirSync(args.out, { recursive: true })
    writeFileSync(join(args.out, `${id}.valid.json`), JSON.stringify(validAnswer, null, 2))
    writeFileSync(join(args.out, `${id}.revoked.json`), JSON.stringify(revokedAnswer, null, 2))
    step(
      `proofs written to ${args.out} (check them with: pnpm govchain verify FILE --genesis ${join(net.dir, 'genesis.json')})`,
    )
  }
  process.stdout.write(`ok: ${id} verified offline, proven revoked, tampering detected\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(
    `verify-certificate-offline: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}\n`,
  )
  process.exit(1)
})
