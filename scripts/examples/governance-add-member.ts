/**
 * Example: the alliance votes a new member in, through the SDK only.
 *
 *   npx tsx scripts/examples/governance-add-member.ts --network .devnet/network.json
 *
 * The regulator's governance delegate proposes adding the City Transport Authority (an agency)
 * with its first admin account (a fresh key, saved under the network's keys/ directory). The
 * members' delegates vote yes — just over two thirds of the member organisations, the number
 * the rule needs — and the deciding vote executes the proposal in its own transaction. The
 * script shows the proposal executed and the new member with a proof checked offline, and the
 * new organisation's admin registering its first officer. Exits non-zero on any failure.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  buildAccountRegister,
  buildGovPropose,
  buildGovVote,
  isGovchainError,
  jsonEqual,
  LocalNetwork,
  memberKey,
  readKeyFile,
  toHex,
  verifyQueryProof,
  writeNewKeyFile,
  type KeyPair,
  type MemberRecord,
  type ProposalRecord,
} from '@govchain/app'

const { values: args } = parseArgs({ options: { network: { type: 'string' } } })
const net = LocalNetwork.load(args.network)
const client = net.client(0)
const step = (s: string) => process.stdout.write(`• ${s}\n`)

/** Governance delegates we hold keys for, by organisation: the demo admins and admins added by earlier runs. */
async function delegatesByOrg(): Promise<Map<string, KeyPair>> {
  const out = new Map<string, KeyPair>()
  for (const a of net.accounts)
    if (a.roles.includes('governance-delegate')) out.set(a.org, net.account(a.name).key)
  for (const f of readdirSync(join(net.dir, 'keys')).filter(
    (f) => f.startsWith('added-') && f.endsWith('-admin.json'),
  )) {
    const key = readKeyFile(join(net.dir, 'keys', f))
    const acct = await client.query<{ member: string; status: string }>('account', {
      publicKey: toHex(key.publicKey),
    })
    if (acct.value?.status === 'active') out.set(acct.value.member, key)
  }
  return out
}

async function main(): Promise<void> {
  const run = Date.now().toString(36)
  const memberId = `city-transport-${run}`
  const proposalId = `PROP-ADD-${run.toUpperCase()}`
  const adminKey = writeNewKeyFile(join(net.dir, 'keys', `added-${memberId}-admin.json`))
  const proposer = net.account('regulator-admin')

  const height = (await client.status()).height
  const proposed = await client.sendTx({
    key: proposer.key,
    ...buildGovPropose({
      recordId: proposalId,
      action: {
        type: 'add-member',
        member: { id: memberId, name: 'City Transport Authority', roles: ['agency'], peerIds: [] },
        admin: { name: `${memberId}-admin`, publicKey: adminKey.publicKey },
      },
      deadlineHeight: height + 200,
    }),
  })
  step(
    `regulator proposed ${proposalId}: add ${memberId} (height ${proposed.height}, deadline ${height + 200})`,
  )

  const proposal = (await client.getRecord(proposalId)).record.record as unknown as { voters: string[] }
  const voters = proposal.voters
  const needed = Math.floor((2 * voters.length) / 3) + 1
  const keys = await delegatesByOrg()
  const voting = voters.filter((org) => keys.has(org)).slice(0, needed)
  if (voting.length < needed)
    throw new Error(`need ${needed} votes of ${voters.length}, hold keys for ${voting.length}`)
  step(`${voters.length} member organisations may vote; approval needs more than 2/3: ${needed} yes votes`)

  // One vote per organisation, all at once, each through a different node.
  const votes = await Promise.all(
    voting.map((org, i) =>
      net
        .client(i % net.nodes.length)
        .sendTx({ key: keys.get(org)!, ...buildGovVote({ recordId: proposalId, vote: 'yes' }) }),
    ),
  )
  const decidedAt = Math.max(...votes.map((v) => v.height))
  step(`yes from ${voting.join(', ')} (committed by height ${decidedAt})`)

  // Read through node 0 once it has committed every vote.
  await Promise.all(votes.map((v) => client.waitForCommit(v.hash)))
  const record = (await client.getRecord(proposalId)).record.record as unknown as ProposalRecord
  if (record.status !== 'executed') throw new Error(`proposal is ${record.status}, expected executed`)
  step(`proposal ${proposalId} executed at height ${record.decidedHeight}`)

  const member = await client.query<MemberRecord>('member', { id: memberId }, { prove: true })
  const proven = verifyQueryProof(member, net.genesis()).values.get(
    toHex(memberKey(memberId)),
  ) as MemberRecord | null
  if (proven?.status !== 'active' || !jsonEqual(proven, member.value))
    throw new Error(`member ${memberId} is not proven active as shown`)
  step(
    `new member proven offline at height ${member.height}: ${proven.id} "${proven.name}" roles ${proven.roles.join(',')}`,
  )

  const officer = writeNewKeyFile(join(net.dir, 'keys', `added-${memberId}-officer.json`))
  const registered = await client.sendTx({
    key: adminKey,
    ...buildAccountRegister({
      member: memberId,
      name: `${memberId}-officer`,
      publicKey: officer.publicKey,
      roles: ['licence-officer'],
    }),
  })
  step(
    `its admin registered ${memberId}-officer (${toHex(officer.publicKey).slice(0, 16)}…) at height ${registered.height}`,
  )
  process.stdout.write(`ok: ${memberId} joined the alliance by a governance vote\n`)
}

main().catch((e: unknown) => {
  process.stderr.write(
    `governance-add-member: ${isGovchainError(e) ? `${e.code}: ${e.message}` : String(e)}\n`,
  )
  process.exit(1)
})
