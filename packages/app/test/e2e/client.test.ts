/**
 * The SDK and the CLI against a real member node: a one-validator devnet of the application
 * (demo alliance genesis, real LevelDB, HTTP API, consensus) running in this process. The
 * four-node, multi-process runs are in test/ at the repository root.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createTxFromBytes, toHex } from '@govchain/ledger'
import { generateDevnet, GovchainNode, loadHome, openStateTree } from '@govchain/network'
import {
  appErrorStatus,
  buildCertificateIssue,
  buildInvoiceFinance,
  buildInvoiceRegister,
  buildLicenceApprove,
  ClientError,
  commitValues,
  createGovApplication,
  GovchainClient,
  invoiceFingerprint,
  LocalNetwork,
  readKeyFile,
  verifyRecordProof,
} from '../../src/index.js'
import { demoDevnetHooks } from '../../src/cli/devnet.js'
import { runCli } from '../../src/cli/main.js'

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

let dir: string
let node: GovchainNode
let net: LocalNetwork
let client: GovchainClient

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'govchain-client-'))
  const basePort = await freePort()
  const network = await generateDevnet({ nodes: 1, dir, basePort, hooks: demoDevnetHooks, logLevel: 'warn' })
  const home = loadHome(network.nodes[0]!.home)
  // A gossip batch delay longer than a test's timeout: submissions must not wait for it.
  const config = { ...home.config, p2p: { ...home.config.p2p, txBatchDelayMs: 10_000 } }
  node = new GovchainNode(
    { home: { ...home, config } },
    { app: createGovApplication(), openStateTree, appStatusOf: appErrorStatus },
  )
  await node.start()
  net = LocalNetwork.load(dir)
  client = net.client(0)
}, 60_000)

afterAll(async () => {
  await node?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const cert = (id: string) =>
  buildCertificateIssue({ recordId: id, kind: 'residence', fields: commitValues(id, { name: 'X' }).fields })

describe('GovchainClient against a node', () => {
  it('sends, waits for the commit through events, and reads the transaction back', async () => {
    const officer = net.account('registry-officer')
    const sent = await client.sendTx({ key: officer.key, ...cert('C-1') })
    expect(sent).toMatchObject({ status: 'committed', index: 0 })
    expect(sent.height).toBeGreaterThan(0)
    expect(sent.receipt?.events[0]?.type).toBe('certificate.issue')
    expect(await client.getTx(sent.hash)).toMatchObject({ status: 'committed', height: sent.height })
    // Already committed: the status read after subscribing answers at once.
    expect(await client.waitForCommit(sent.hash, { timeoutMs: 2000 })).toMatchObject({ height: sent.height })
    const block = await client.getBlock(sent.height)
    expect(block.txs).toContain(sent.hash)
  })

  it('sends typed payload objects too, and several from one key at once in nonce order', async () => {
    const officer = net.account('registry-officer')
    const ids = ['C-2', 'C-3', 'C-4', 'C-5']
    const sent = await Promise.all(
      ids.map((id) =>
        client.sendTx({
          key: officer.key,
          type: 'certificate.issue',
          payload: { recordId: id, kind: 'birth', fields: commitValues(id, { name: 'Y' }).fields },
        }),
      ),
    )
    expect(sent.map((s) => s.tx.nonce)).toEqual([1, 2, 3, 4])
    expect((await client.getAccountNonce(officer.key.publicKey)).nonce).toBe(5)
  })

  it('answers a submission at admission, not when its gossip batch leaves (10 s here)', async () => {
    const officer = net.account('registry-officer')
    const submitted = await client.sendTx({ key: officer.key, ...cert('C-7') }, { wait: false })
    expect(submitted.status).toBe('submitted')
    expect((await client.waitForCommit(submitted.hash, { timeoutMs: 4000 })).status).toBe('committed')
  }, 5000)

  it('returns after admission without waiting, then waits by hash', async () => {
    const officer = net.account('registry-officer')
    const submitted = await client.sendTx({ key: officer.key, ...cert('C-6') }, { wait: false })
    expect(submitted.status).toBe('submitted')
    expect((await client.waitForCommit(submitted.hash)).status).toBe('committed')
  })

  it('submits a batch in order: each entry admitted or refused with its own code and status', async () => {
    const officer = net.account('registry-officer')
    const north = net.account('north-officer')
    const preverified = async () => (await node.metrics.txsPreverified.get()).values[0]?.value ?? 0
    const before = await preverified()
    const { pendingNonce } = await client.getAccountNonce(officer.key.publicKey)
    const txs = await Promise.all(
      ['C-B1', 'C-B2', 'C-B3'].map((id, i) =>
        client.sign({ key: officer.key, ...cert(id), nonce: pendingNonce + i }),
      ),
    )
    const forbidden = await client.sign({ key: north.key, ...buildLicenceApprove({ recordId: 'NOPE' }) })
    const results = await client.submitBatch([...txs, txs[0]!, forbidden])
    expect(results.slice(0, 3)).toEqual(txs.map((t) => ({ hash: t.hashHex() })))
    expect(
      results.slice(3).map((r) => ['error' in r && r.error.code, 'error' in r && r.error.httpStatus]),
    ).toEqual([
      ['MEMPOOL_DUPLICATE', 409],
      ['APP_FORBIDDEN', 403],
    ])
    for (const t of txs) expect((await client.waitForCommit(t.hashHex())).status).toBe('committed')
    // The batch's signatures were verified together, off the node's thread, before admission.
    expect((await preverified()) - before).toBeGreaterThanOrEqual(3)
    await expect(client.submitBatch([])).rejects.toMatchObject({ code: 'CLIENT_BAD_INPUT' })
  })

  it('admits a batch whose signature batch failed: each signature is then checked at admission', async () => {
    const officer = net.account('registry-officer')
    const chain = node.chain
    const preverify = chain.preverifySignatures.bind(chain)
    chain.preverifySignatures = () => Promise.reject(new Error('verifier down'))
    try {
      const { pendingNonce } = await client.getAccountNonce(officer.key.publicKey)
      const txs = await Promise.all(
        ['C-F1', 'C-F2'].map((id, i) =>
          client.sign({ key: officer.key, ...cert(id), nonce: pendingNonce + i }),
        ),
      )
      const bad = new Uint8Array(txs[1]!.serialize())
      bad[bad.length - 2]! ^= 1
      const results = await client.submitBatch([txs[0]!, createTxFromBytes(bad)])
      expect(results[0]).toEqual({ hash: txs[0]!.hashHex() })
      expect(results[1]).toMatchObject({ error: { code: 'TX_BAD_SIGNATURE', httpStatus: 403 } })
      expect((await client.waitForCommit(txs[0]!.hashHex())).status).toBe('committed')
    } finally {
      chain.preverifySignatures = preverify
    }
  })

  it("maps the node's refusals to ClientErrors with its code and HTTP status", async () => {
    const north = net.account('north-officer')
    const err = await client
      .sendTx({ key: north.key, ...buildLicenceApprove({ recordId: 'NOPE' }) })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClientError)
    expect(err).toMatchObject({
      code: 'APP_FORBIDDEN',
      httpStatus: 403,
      nodeError: { code: 'APP_FORBIDDEN' },
    })
    // The application's codes keep their status class: a state conflict is 409.
    await expect(
      client.sendTx({ key: net.account('registry-officer').key, ...cert('C-1') }),
    ).rejects.toMatchObject({
      code: 'APP_ALREADY_EXISTS',
      httpStatus: 409,
    })
    await expect(client.getTx('ab'.repeat(32))).rejects.toMatchObject({
      code: 'API_NOT_FOUND',
      httpStatus: 404,
    })
    await expect(client.getRecord('NO-SUCH-RECORD')).rejects.toMatchObject({ code: 'API_NOT_FOUND' })
    await expect(client.query('no-such-path')).rejects.toMatchObject({ code: 'APP_UNKNOWN_QUERY' })
  })

  it('reports a financing the chain dropped after admission with the refusing code', async () => {
    const north = net.account('north-officer')
    const south = net.account('south-officer')
    const fingerprint = invoiceFingerprint({ sellerId: 'S', buyerId: 'B', invoiceNumber: 'RACE-1' })
    await client.sendTx({
      key: north.key,
      ...buildInvoiceRegister({ recordId: 'INV-R', fingerprint, amount: 100, currency: 'EUR', fields: {} }),
    })
    const outcomes = await Promise.allSettled(
      [north, south].map((bank) =>
        client.sendTx({
          key: bank.key,
          ...buildInvoiceFinance({ recordId: 'INV-R', fingerprint, amount: 100 }),
        }),
      ),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult
    expect(lost.reason).toMatchObject({ code: 'APP_ALREADY_FINANCED' })
  })

  it('proves a record the node serves, offline against the genesis', async () => {
    const answer = await client.getRecord('C-1', { prove: true })
    expect(verifyRecordProof(answer, net.genesis())).toMatchObject({ verdict: 'valid', id: 'C-1' })
  })

  it('streams block events', async () => {
    const controller = new AbortController()
    const seen: number[] = []
    for await (const e of client.events({ types: ['block'], signal: controller.signal })) {
      if (e.type === 'block') seen.push(e.data.height)
      if (seen.length === 2) controller.abort()
    }
    expect(seen[1]).toBe(seen[0]! + 1)
  })

  it('gives coded errors for bad input, an unknown transaction, an unreachable node', async () => {
    expect(() => new GovchainClient('not a url')).toThrowError(
      expect.objectContaining({ code: 'CLIENT_BAD_INPUT' }),
    )
    await expect(client.waitForCommit('cd'.repeat(32), { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'CLIENT_TIMEOUT',
    })
    const port = await freePort()
    const down = new GovchainClient(`http://127.0.0.1:${port}`, { connectAttempts: 2, connectBackoffMs: 10 })
    await expect(down.status()).rejects.toMatchObject({ code: 'CLIENT_NETWORK', details: { attempts: 2 } })
    expect(() => net.account('nobody')).toThrowError(
      expect.objectContaining({ code: 'CLIENT_BAD_NETWORK_FILE' }),
    )
  })
})

describe('govchain CLI against a node', () => {
  const run = async (...args: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true))
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true))
    process.exitCode = undefined
    try {
      // `@name` stands for the key file of demo account `name`.
      const code = await runCli(args.map((a) => (a.startsWith('@') ? keyFile(a.slice(1)) : a)))
      return { code, out: out.join(''), err: err.join('') }
    } finally {
      o.mockRestore()
      e.mockRestore()
      process.exitCode = undefined
    }
  }
  const keyFile = (name: string) => net.accounts.find((a) => a.name === name)!.keyFile

  const send = ['tx', 'send', '--node', 'http://127.0.0.1:1', '--type', 'licence.approve']
  it.each<[string, string[], RegExp]>([
    ['a missing option', ['tx', 'send', '--type', 'licence.approve'], /CLI_USAGE/],
    ['an unknown command', ['frobnicate'], /CLI_USAGE/],
    ['a bad integer', ['licence', 'issue', '--key', 'K', '--id', 'L', '--valid-for', '-3'], /CLI_USAGE/],
    ['malformed JSON', [...send, '--key', '@registry-officer', '--payload', '{'], /CLI_BAD_JSON/],
    [
      'a payload of the wrong shape',
      [...send, '--key', '@registry-officer', '--payload', '[]'],
      /APP_BAD_PAYLOAD/,
    ],
    [
      'an unknown type',
      [...send.slice(0, 4), '--type', 'x.y', '--key', '@registry-officer', '--payload', '{}'],
      /APP_UNKNOWN_TX_TYPE/,
    ],
    ['a missing key file', [...send, '--key', '/nonexistent', '--payload', '{}'], /CLIENT_BAD_KEY_FILE/],
    [
      'a --field without =',
      ['certificate', 'issue', '--key', 'K', '--id', 'X', '--kind', 'k', '--field', 'novalue'],
      /CLI_USAGE/,
    ],
  ])('exits 2 with a code on %s', async (_what, args, message) => {
    const r = await run(...args)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
  })

  it('sends with --wait (exit 0 once committed), refuses a bad payload (2) and a forbidden one (1)', async () => {
    const node = client.baseUrl
    const ok = await run(
      'tx',
      'send',
      '--key',
      keyFile('registry-officer'),
      '--node',
      node,
      '--type',
      'certificate.issue',
      '--payload',
      JSON.stringify({ recordId: 'C-CLI', kind: 'residence', fields: { name: 'ab'.repeat(32) } }),
      '--wait',
    )
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.out)).toMatchObject({ status: 'committed', type: 'certificate.issue' })
    const bad = await run(
      'tx',
      'send',
      '--key',
      keyFile('registry-officer'),
      '--node',
      node,
      '--type',
      'certificate.issue',
      '--payload',
      '{"recordId":"C-X"}',
    )
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/APP_BAD_PAYLOAD/)])
    const forbidden = await run(
      'certificate',
      'revoke',
      '--key',
      keyFile('north-officer'),
      '--node',
      node,
      '--id',
      'C-CLI',
      '--reason',
      'x',
    )
    expect([forbidden.code, forbidden.err]).toEqual([1, expect.stringMatching(/APP_FORBIDDEN/)])
  })

  it('writes a proof with query --prove --out and verifies it: valid 0, revoked 3, tampered 1', async () => {
    const node = client.baseUrl
    const file = join(dir, 'c-cli.json')
    const genesis = join(dir, 'genesis.json')
    expect((await run('query', 'record', 'C-CLI', '--node', node, '--prove', '--out', file)).code).toBe(0)
    const valid = await run('verify', file, '--genesis', genesis)
    expect([valid.code, valid.out.split('\n')[0]]).toEqual([0, 'valid'])
    expect(
      (
        await run(
          'certificate',
          'revoke',
          '--key',
          keyFile('registry-officer'),
          '--node',
          node,
          '--id',
          'C-CLI',
          '--reason',
          'error',
        )
      ).code,
    ).toBe(0)
    expect(
      (await run('query', 'record', 'C-CLI', '--node', node, '--prove', '--out', file, '--force')).code,
    ).toBe(0)
    const revoked = await run('verify', file, '--genesis', genesis)
    expect([revoked.code, revoked.out.split('\n')[0]]).toEqual([3, 'revoked'])
    const answer = JSON.parse((await run('query', 'record', 'C-CLI', '--node', node, '--prove')).out)
    answer.record.effectiveStatus = 'valid'
    writeFileSync(file, JSON.stringify(answer))
    const tampered = await run('verify', file, '--genesis', genesis)
    expect([tampered.code, tampered.out.trim()]).toEqual([1, 'invalid'])
    expect(tampered.err).toMatch(/PROOF_MISMATCH/)
  })

  it('proposes a member and an admin for an existing member with the gov shortcuts, then votes', async () => {
    const node = client.baseUrl
    const keyOut = (name: string) => join(dir, `${name}.json`)
    for (const name of ['transport-admin', 'socsec-admin-2']) {
      expect((await run('keys', 'new', '--out', keyOut(name))).code).toBe(0)
    }
    const delegate = ['--key', keyFile('regulator-admin'), '--node', node]
    const member = await run(
      'gov',
      'propose-member',
      ...delegate,
      '--id',
      'PROP-CLI-1',
      '--member-id',
      'city-transport',
      '--name',
      'City Transport Authority',
      '--roles',
      'agency',
      '--admin-name',
      'transport-admin',
      '--admin-key',
      keyOut('transport-admin'),
      '--voting-blocks',
      '20',
    )
    const admin = await run(
      'gov',
      'propose-admin',
      ...delegate,
      '--id',
      'PROP-CLI-2',
      '--member-id',
      'social-security',
      '--admin-name',
      'socsec-admin-2',
      '--admin-key',
      keyOut('socsec-admin-2'),
    )
    expect([member.code, admin.code, member.err, admin.err]).toEqual([0, 0, '', ''])
    const status = (await client.status()).height
    const records = await Promise.all(['PROP-CLI-1', 'PROP-CLI-2'].map((id) => client.getRecord(id)))
    expect(records.map((r) => r.record.record)).toMatchObject([
      { status: 'open', action: { type: 'add-member', member: { id: 'city-transport', roles: ['agency'] } } },
      {
        status: 'open',
        action: { type: 'add-admin', memberId: 'social-security', admin: { name: 'socsec-admin-2' } },
      },
    ])
    const deadlines = records.map((r) => r.record.record['deadlineHeight'] as number)
    expect(deadlines[0]).toBeLessThanOrEqual(status + 20)
    expect(deadlines[1]).toBeGreaterThan(status + 20)
    const vote = await run(
      'gov',
      'vote',
      '--key',
      keyFile('north-admin'),
      '--node',
      node,
      '--id',
      'PROP-CLI-2',
      '--vote',
      'yes',
    )
    expect([vote.code, vote.err]).toEqual([0, ''])
    const unknown = await run(
      'gov',
      'propose-admin',
      ...delegate,
      '--id',
      'PROP-CLI-3',
      '--member-id',
      'nobody',
      '--admin-name',
      'x-admin',
      '--admin-key',
      keyOut('transport-admin'),
    )
    expect([unknown.code, unknown.err]).toEqual([1, expect.stringMatching(/APP_INVALID_PROPOSAL/)])
  })

  it('manages an account with the account shortcuts: register, set roles, rotate its key, revoke', async () => {
    const node = client.baseUrl
    const keyOut = (name: string) => join(dir, `${name}.json`)
    for (const name of ['clerk', 'clerk-new'])
      expect((await run('keys', 'new', '--out', keyOut(name))).code).toBe(0)
    const admin = ['--key', keyFile('registry-admin'), '--node', node]
    /** `status:role+role` of the account with the key in `file`, or null. */
    const accountOf = async (file: string) => {
      const a = (await client.query('account', { publicKey: toHex(readKeyFile(file).publicKey) })).value as {
        roles: string[]
        status: string
      } | null
      return a === null ? null : `${a.status}:${a.roles.join('+')}`
    }
    const steps = [
      [
        'account',
        'register',
        ...admin,
        '--member',
        'civil-registry',
        '--name',
        'clerk',
        '--roles',
        'subsidy-officer',
        '--account',
        keyOut('clerk'),
      ],
      [
        'account',
        'set-roles',
        ...admin,
        '--account',
        keyOut('clerk'),
        '--roles',
        'certificate-officer,subsidy-officer',
      ],
      [
        'account',
        'rotate-key',
        '--key',
        keyOut('clerk'),
        '--node',
        node,
        '--account',
        keyOut('clerk'),
        '--new-key',
        keyOut('clerk-new'),
      ],
      [
        'account',
        'revoke',
        ...admin,
        '--account',
        toHex(readKeyFile(keyOut('clerk-new')).publicKey).toUpperCase(),
        '--reason',
        'left-office',
      ],
    ]
    const seen: (string | null)[] = []
    for (const step of steps) {
      const r = await run(...step)
      expect([step[1], r.code, r.err]).toEqual([step[1], 0, ''])
      seen.push(await accountOf(keyOut('clerk')), await accountOf(keyOut('clerk-new')))
    }
    expect(seen).toEqual([
      'active:subsidy-officer',
      null,
      'active:certificate-officer+subsidy-officer',
      null,
      'rotated:certificate-officer+subsidy-officer',
      'active:certificate-officer+subsidy-officer',
      'rotated:certificate-officer+subsidy-officer',
      'revoked:certificate-officer+subsidy-officer',
    ])
    const badRole = await run(
      'account',
      'set-roles',
      ...admin,
      '--account',
      keyOut('clerk'),
      '--roles',
      'pilot',
    )
    expect([badRole.code, badRole.err]).toEqual([2, expect.stringMatching(/APP_BAD_PAYLOAD/)])
    const notAdmin = await run(
      'account',
      'set-roles',
      '--key',
      keyFile('registry-officer'),
      '--node',
      node,
      '--account',
      keyOut('clerk'),
      '--roles',
      'subsidy-officer',
    )
    expect([notAdmin.code, notAdmin.err]).toEqual([1, expect.stringMatching(/APP_FORBIDDEN/)])
  })

  it('verify keeps a checkpoint and follows later proofs from it; a proof from before it is refused', async () => {
    const node = client.baseUrl
    const genesis = join(dir, 'genesis.json')
    const at = (name: string) => join(dir, name)
    await client.sendTx({ key: net.account('registry-officer').key, ...cert('C-CP') })
    expect(
      (await run('query', 'record', 'C-CP', '--node', node, '--prove', '--out', at('cp-old.json'))).code,
    ).toBe(0)
    const first = await run(
      'verify',
      at('cp-old.json'),
      '--genesis',
      genesis,
      '--save-checkpoint',
      at('cp.json'),
    )
    expect([first.code, first.out.split('\n')[0]]).toEqual([0, 'valid'])
    const saved = JSON.parse(readFileSync(at('cp.json'), 'utf8')) as { height: number; blockHash: string }
    const old = JSON.parse(readFileSync(at('cp-old.json'), 'utf8')) as { height: number }
    expect(saved.height).toBe(old.height)

    // A later proof of the same record, followed from the checkpoint.
    await client.sendTx({ key: net.account('registry-officer').key, ...cert('C-CP-2') })
    expect(
      (await run('query', 'record', 'C-CP', '--node', node, '--prove', '--out', at('cp-new.json'))).code,
    ).toBe(0)
    const later = await run(
      'verify',
      at('cp-new.json'),
      '--genesis',
      genesis,
      '--checkpoint',
      at('cp.json'),
      '--json',
    )
    expect(later.code).toBe(0)
    const shown = JSON.parse(later.out) as { height: number; checkpoint: { height: number } }
    expect(shown.height).toBeGreaterThan(saved.height)
    expect(shown.checkpoint.height).toBe(shown.height)

    // The checkpoint's own proof passes; anything from before it cannot be vouched for.
    const same = await run('verify', at('cp-old.json'), '--genesis', genesis, '--checkpoint', at('cp.json'))
    expect([same.code, same.out]).toEqual([
      0,
      expect.stringContaining(`followed from the checkpoint at height ${saved.height}`),
    ])
    expect(first.out).toContain('followed from the genesis')
    expect(
      (await run('verify', at('cp-new.json'), '--genesis', genesis, '--save-checkpoint', at('cp.json'))).code,
    ).toBe(2)
    expect(
      (
        await run(
          'verify',
          at('cp-new.json'),
          '--genesis',
          genesis,
          '--save-checkpoint',
          at('cp.json'),
          '--force',
        )
      ).code,
    ).toBe(0)
    const refused = await run(
      'verify',
      at('cp-old.json'),
      '--genesis',
      genesis,
      '--checkpoint',
      at('cp.json'),
    )
    expect([refused.code, refused.out.trim()]).toEqual([1, 'invalid'])
    expect(refused.err).toMatch(/LIGHT_BEFORE_CHECKPOINT/)

    writeFileSync(at('cp-bad.json'), JSON.stringify({ ...saved, height: 0 }))
    const bad = await run(
      'verify',
      at('cp-new.json'),
      '--genesis',
      genesis,
      '--checkpoint',
      at('cp-bad.json'),
    )
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/PROOF_BAD_CHECKPOINT/)])
  })
})
