/**
 * `govchain tx send` (any type, JSON payload) and the typed shortcuts: `account`, `licence`,
 * `certificate`, `invoice`, `gov`. Every one builds the payload through the typed builders, signs it with
 * `--key`, submits it to `--node` and (shortcuts by default, `tx send` with `--wait`) waits for
 * the commit through the node's events. Personal data given as `--field name=value` goes on
 * chain only as salted commitments; the disclosures (value + salt) are printed for the
 * organisation to keep.
 */
import { fromHex, toHex, type KeyPair } from '@govchain/ledger'
import type { Command } from 'commander'
import {
  buildAccountRegister,
  buildAccountRevoke,
  buildAccountRotateKey,
  buildAccountSetRoles,
  buildCertificateIssue,
  buildCertificateRevoke,
  buildGovPropose,
  buildGovVote,
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildInvoiceSettle,
  buildLicenceApply,
  buildLicenceApprove,
  buildLicenceIssue,
  buildLicenceReinstate,
  buildLicenceRevoke,
  buildLicenceSuspend,
  type TxDraft,
} from '../builders.js'
import { disclosureToJSON, invoiceFingerprint, type Disclosure } from '../commitments.js'
import { commitValues, readKeyFile, type GovchainClient } from '../client/index.js'
import { encodePayload, payloadFromJson } from '../payloads/index.js'
import type { MemberRole } from '@govchain/ledger'
import type { AccountRole } from '../permissions.js'
import { TX_TYPES, type TxType } from '../tx-types.js'
import type { ProposalAction } from '../types.js'
import { clientFor, CliError, CliErrorCode, collectField, intArg, printJson, readJsonArg } from './common.js'

type CommonOpts = { key: string; node?: string; wait: boolean; timeout?: number }

async function send(
  opts: CommonOpts,
  build: (client: GovchainClient, key: KeyPair) => Promise<TxDraft> | TxDraft,
  extra: () => Record<string, unknown> = () => ({}),
): Promise<void> {
  const key = readKeyFile(opts.key)
  const client = clientFor(opts)
  const draft = await build(client, key)
  const result = await client.sendTx({ key, ...draft }, { wait: opts.wait })
  const { tx: _tx, ...shown } = result
  printJson({ type: draft.type, sender: toHex(key.publicKey), ...shown, ...extra() })
}

function withCommon(cmd: Command, waitByDefault: boolean): Command {
  cmd
    .requiredOption('--key <file>', 'sender key file (Ed25519 JSON, as `keys new` writes)')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .option('--timeout <ms>', 'longest wait for the commit', intArg('--timeout', 1, 3_600_000))
  if (waitByDefault) cmd.option('--no-wait', 'return once the node admitted the transaction')
  else cmd.option('--wait', 'wait until committed (exit 0 only then)', false)
  return cmd
}

function disclosuresOut(disclosures: Disclosure[]): () => Record<string, unknown> {
  return () => (disclosures.length === 0 ? {} : { disclosures: disclosures.map(disclosureToJSON) })
}

function fieldsOf(recordId: string, values: Record<string, string> | undefined) {
  return commitValues(recordId, values ?? {})
}

export function registerTxCommands(program: Command): void {
  const tx = program.command('tx').description('build, sign and submit transactions')
  withCommon(
    tx
      .command('send')
      .description('send a transaction of any type with a JSON payload (bytes as lowercase hex)')
      .requiredOption('--type <type>', `transaction type (${TX_TYPES.length} types; see README)`)
      .requiredOption('--payload <json>', 'payload JSON, @file, or - for stdin'),
    false,
  ).action((opts: CommonOpts & { type: string; payload: string }) =>
    send(opts, () => {
      const json = readJsonArg(opts.payload, '--payload')
      const payload = payloadFromJson(opts.type as TxType, json)
      return { type: opts.type as TxType, payload: encodePayload(opts.type as TxType, payload) }
    }),
  )
  tx.command('status')
    .description("a transaction's status")
    .argument('<hash>', 'transaction hash (hex)')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .action(async (hash: string, opts: { node?: string }) => printJson(await clientFor(opts).getTx(hash)))
  tx.command('wait')
    .description('wait (through events) until a transaction is committed; exit 1 if rejected')
    .argument('<hash>', 'transaction hash (hex)')
    .option('--node <url>', 'node API URL (default $GOVCHAIN_NODE)')
    .option('--timeout <ms>', 'longest wait', intArg('--timeout', 1, 3_600_000))
    .action(async (hash: string, opts: { node?: string; timeout?: number }) =>
      printJson(
        await clientFor(opts).waitForCommit(
          hash,
          opts.timeout === undefined ? {} : { timeoutMs: opts.timeout },
        ),
      ),
    )

  // ---- accounts ----
  const account = program.command('account').description("an organisation's accounts (admin)")
  /** An account by the hex of its public key, or by a key file (only its public key is used). */
  const accountKey = (v: string) =>
    /^[0-9a-f]{64}$/i.test(v) ? fromHex(v.toLowerCase()) : readKeyFile(v).publicKey
  const rolesOf = (v: string) => v.split(',').map((r) => r.trim()) as AccountRole[]
  const accountOption = '--account <key>'
  const accountHelp = 'the account: its public key (hex) or its key file'
  withCommon(
    account
      .command('register')
      .description('register an account of your organisation')
      .requiredOption('--member <id>', 'your organisation (member id)')
      .requiredOption('--name <name>', 'account name')
      .requiredOption('--roles <roles>', 'comma-separated account roles (README: Permissions)')
      .requiredOption(accountOption, accountHelp),
    true,
  ).action((o: CommonOpts & { member: string; name: string; roles: string; account: string }) =>
    send(o, () =>
      buildAccountRegister({
        member: o.member,
        name: o.name,
        publicKey: accountKey(o.account),
        roles: rolesOf(o.roles),
      }),
    ),
  )
  withCommon(
    account
      .command('set-roles')
      .description("replace an account's roles (the key stays)")
      .requiredOption(accountOption, accountHelp)
      .requiredOption('--roles <roles>', 'comma-separated account roles'),
    true,
  ).action((o: CommonOpts & { account: string; roles: string }) =>
    send(o, () => buildAccountSetRoles({ publicKey: accountKey(o.account), roles: rolesOf(o.roles) })),
  )
  withCommon(
    account
      .command('rotate-key')
      .description("replace an account's key (name, organisation and roles stay)")
      .requiredOption(accountOption, accountHelp)
      .requiredOption('--new-key <key>', 'the new key: public key (hex) or key file'),
    true,
  ).action((o: CommonOpts & { account: string; newKey: string }) =>
    send(o, () =>
      buildAccountRotateKey({ publicKey: accountKey(o.account), newPublicKey: accountKey(o.newKey) }),
    ),
  )
  withCommon(
    account
      .command('revoke')
      .description('revoke an account for good')
      .requiredOption(accountOption, accountHelp)
      .requiredOption('--reason <code>', 'reason code, e.g. left-office'),
    true,
  ).action((o: CommonOpts & { account: string; reason: string }) =>
    send(o, () => buildAccountRevoke({ publicKey: accountKey(o.account), reason: o.reason })),
  )

  // ---- licences ----
  const licence = program.command('licence').description('licences and permits (licence officer)')
  type LicenceOpts = CommonOpts & { id: string }
  withCommon(
    licence
      .command('apply')
      .description('file an application with an agency')
      .requiredOption('--id <recordId>', 'new licence record id')
      .requiredOption('--agency <member>', 'issuing agency (member id)')
      .requiredOption('--kind <kind>', 'licence kind the agency defines')
      .requiredOption(
        '--field <name=value>',
        "applicant's data (repeatable; committed, never on chain)",
        collectField,
      ),
    true,
  ).action((o: LicenceOpts & { agency: string; kind: string; field: Record<string, string> }) => {
    const { fields, disclosures } = fieldsOf(o.id, o.field)
    return send(
      o,
      () => buildLicenceApply({ recordId: o.id, agency: o.agency, kind: o.kind, fields }),
      disclosuresOut(disclosures),
    )
  })
  withCommon(
    licence
      .command('approve')
      .description('approve an application')
      .requiredOption('--id <recordId>', 'licence id'),
    true,
  ).action((o: LicenceOpts) => send(o, () => buildLicenceApprove({ recordId: o.id })))
  withCommon(
    licence
      .command('issue')
      .description('issue an approved licence')
      .requiredOption('--id <recordId>', 'licence id')
      .option(
        '--valid-from <height>',
        'first valid height (default: the current height)',
        intArg('--valid-from', 1),
      )
      .option('--valid-for <blocks>', 'validity in blocks', intArg('--valid-for', 1), 10_000_000),
    true,
  ).action((o: LicenceOpts & { validFrom?: number; validFor: number }) =>
    send(o, async (client) => {
      const from = o.validFrom ?? Math.max(1, (await client.status()).height)
      return buildLicenceIssue({ recordId: o.id, validFromHeight: from, validUntilHeight: from + o.validFor })
    }),
  )
  for (const [name, build] of [
    ['suspend', buildLicenceSuspend],
    ['revoke', buildLicenceRevoke],
  ] as const) {
    withCommon(
      licence
        .command(name)
        .description(`${name} an issued licence`)
        .requiredOption('--id <recordId>', 'licence id')
        .requiredOption('--reason <code>', 'reason code (a-z 0-9 -)'),
      true,
    ).action((o: LicenceOpts & { reason: string }) =>
      send(o, () => build({ recordId: o.id, reason: o.reason })),
    )
  }
  withCommon(
    licence
      .command('reinstate')
      .description('reinstate a suspended licence')
      .requiredOption('--id <recordId>', 'licence id'),
    true,
  ).action((o: LicenceOpts) => send(o, () => buildLicenceReinstate({ recordId: o.id })))

  // ---- certificates ----
  const certificate = program.command('certificate').description('certificates (certificate officer)')
  withCommon(
    certificate
      .command('issue')
      .description('issue a certificate of a kind your agency defines')
      .requiredOption('--id <recordId>', 'new certificate record id')
      .requiredOption('--kind <kind>', 'certificate kind')
      .requiredOption(
        '--field <name=value>',
        "holder's data (repeatable; committed, never on chain)",
        collectField,
      )
      .option('--valid-until <height>', 'last valid height (default: no end)', intArg('--valid-until', 1)),
    true,
  ).action(
    (o: CommonOpts & { id: string; kind: string; field: Record<string, string>; validUntil?: number }) => {
      const { fields, disclosures } = fieldsOf(o.id, o.field)
      return send(
        o,
        () =>
          buildCertificateIssue({
            recordId: o.id,
            kind: o.kind,
            fields,
            validUntilHeight: o.validUntil ?? null,
          }),
        disclosuresOut(disclosures),
      )
    },
  )
  withCommon(
    certificate
      .command('revoke')
      .description('revoke a certificate your agency issued')
      .requiredOption('--id <recordId>', 'certificate id')
      .requiredOption('--reason <code>', 'reason code (a-z 0-9 -)'),
    true,
  ).action((o: CommonOpts & { id: string; reason: string }) =>
    send(o, () => buildCertificateRevoke({ recordId: o.id, reason: o.reason })),
  )

  // ---- invoices ----
  const invoice = program.command('invoice').description('supply-chain finance (finance officer)')
  const identity = (cmd: Command) =>
    cmd
      .requiredOption('--seller <id>', "seller's business registration number")
      .requiredOption('--buyer <id>', "buyer's business registration number")
      .requiredOption('--number <n>', "the seller's invoice number")
  type InvoiceOpts = CommonOpts & {
    id: string
    seller: string
    buyer: string
    number: string
    amount: number
  }
  const fingerprintOf = (o: InvoiceOpts) =>
    invoiceFingerprint({ sellerId: o.seller, buyerId: o.buyer, invoiceNumber: o.number })
  withCommon(
    identity(
      invoice
        .command('register')
        .description('register an invoice (its fingerprint makes double financing detectable)')
        .requiredOption('--id <recordId>', 'new invoice record id'),
    )
      .requiredOption('--amount <minor>', 'amount in minor units (cents)', intArg('--amount', 1))
      .requiredOption('--currency <code>', 'ISO 4217 currency'),
    true,
  ).action((o: InvoiceOpts & { currency: string }) =>
    send(
      o,
      () =>
        buildInvoiceRegister({
          recordId: o.id,
          fingerprint: fingerprintOf(o),
          amount: o.amount,
          currency: o.currency,
          fields: {},
        }),
      () => ({ fingerprint: toHex(fingerprintOf(o)) }),
    ),
  )
  withCommon(
    identity(
      invoice
        .command('finance')
        .description('finance a registered invoice (once, by any bank)')
        .requiredOption('--id <recordId>', 'invoice record id'),
    ).requiredOption('--amount <minor>', 'amount financed, minor units', intArg('--amount', 1)),
    true,
  ).action((o: InvoiceOpts) =>
    send(o, () => buildInvoiceFinance({ recordId: o.id, fingerprint: fingerprintOf(o), amount: o.amount })),
  )
  withCommon(
    invoice
      .command('settle')
      .description('mark an invoice settled')
      .requiredOption('--id <recordId>', 'invoice id'),
    true,
  ).action((o: CommonOpts & { id: string }) => send(o, () => buildInvoiceSettle({ recordId: o.id })))

  // ---- governance ----
  const gov = program.command('gov').description('governance proposals and votes (governance delegate)')
  const votingBlocks = (c: Command) =>
    c.option(
      '--voting-blocks <n>',
      'deadline: current height + n',
      intArg('--voting-blocks', 1, 1_000_000),
      100,
    )
  type ProposeOpts = CommonOpts & { id: string; votingBlocks: number }
  const propose = (o: ProposeOpts, action: () => ProposalAction) =>
    send(o, async (client) =>
      buildGovPropose({
        recordId: o.id,
        action: action(),
        deadlineHeight: (await client.status()).height + o.votingBlocks,
      }),
    )
  withCommon(
    votingBlocks(
      gov
        .command('propose-member')
        .description('propose adding a member organisation with its first admin account')
        .requiredOption('--id <recordId>', 'new proposal id')
        .requiredOption('--member-id <id>', 'the new member id')
        .requiredOption('--name <name>', "the new member's name")
        .requiredOption('--roles <roles>', 'comma-separated member roles: agency, bank, regulator, auditor')
        .requiredOption('--admin-name <name>', "the new member's first admin account name")
        .requiredOption('--admin-key <file>', "the admin's key file (only its public key is used)")
        .option('--peer-id <peerId...>', "the member's node peer ids"),
    ),
    true,
  ).action(
    (
      o: ProposeOpts & {
        memberId: string
        name: string
        roles: string
        adminName: string
        adminKey: string
        peerId?: string[]
      },
    ) =>
      propose(o, () => ({
        type: 'add-member',
        member: {
          id: o.memberId,
          name: o.name,
          roles: o.roles.split(',').map((r) => r.trim()) as MemberRole[],
          peerIds: o.peerId ?? [],
        },
        admin: { name: o.adminName, publicKey: readKeyFile(o.adminKey).publicKey },
      })),
  )
  withCommon(
    votingBlocks(
      gov
        .command('propose-admin')
        .description(
          "propose a new admin account for a member (e.g. one that lost or revoked all its admins' keys)",
        )
        .requiredOption('--id <recordId>', 'new proposal id')
        .requiredOption('--member-id <id>', 'the member')
        .requiredOption('--admin-name <name>', 'the new admin account name')
        .requiredOption('--admin-key <file>', "the admin's key file (only its public key is used)"),
    ),
    true,
  ).action((o: ProposeOpts & { memberId: string; adminName: string; adminKey: string }) =>
    propose(o, () => ({
      type: 'add-admin',
      memberId: o.memberId,
      admin: { name: o.adminName, publicKey: readKeyFile(o.adminKey).publicKey },
    })),
  )
  withCommon(
    gov
      .command('vote')
      .description('vote on a proposal for your organisation')
      .requiredOption('--id <recordId>', 'proposal id')
      .requiredOption('--vote <vote>', 'yes | no'),
    true,
  ).action((o: CommonOpts & { id: string; vote: string }) => {
    if (o.vote !== 'yes' && o.vote !== 'no')
      throw new CliError(CliErrorCode.USAGE, '--vote must be yes or no')
    return send(o, () => buildGovVote({ recordId: o.id, vote: o.vote as 'yes' | 'no' }))
  })
}
