/**
 * The devnet as a user runs it, on the government-services application: the real
 * `npm run devnet -- --nodes 4 --dir <tmp> --base-port <free> --fresh` command as a child
 * process (npm → bootstrap → pnpm → tsx → 4 node processes, real LevelDB, loopback). Checks
 * network.json and the demo alliance, blocks on all four nodes with the same hash and state root
 * per height, the example scripts (child processes, SDK only) passing against it, record proofs
 * verified offline by the SDK and by `govchain verify` (child process) — tampered ones refused
 * with their code, a revoked certificate proven revoked — then SIGTERM to the process group (as
 * Ctrl-C does) with every node exiting 0, and a restart without --fresh resuming from disk.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  buildCertificateIssue,
  buildCertificateRevoke,
  commitValues,
  DEMO_NODE_ORDER,
  LocalNetwork,
  verifyRecordProof,
  type GovchainClient,
  type RecordResponse,
} from '@govchain/app'
import { GOVCHAIN_CLI_ENTRY } from '@govchain/app/devnet'
import { freeBasePort } from './helpers/ports.js'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

type Devnet = { proc: ChildProcess; out: string[]; closed: Promise<void> }

function startDevnet(dir: string, basePort: number, fresh: boolean): Devnet {
  const args = ['run', 'devnet', '--', '--nodes', '4', '--dir', dir, '--base-port', String(basePort)]
  // Its own process group: SIGTERM to the group is what a terminal's Ctrl-C does.
  const proc = spawn('npm', fresh ? [...args, '--fresh'] : args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out: string[] = []
  proc.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
  proc.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
  // Every process of the group writes into these pipes: 'close' = all of them are gone.
  const closed = new Promise<void>((done) => proc.once('close', () => done()))
  return { proc, out, closed }
}

async function waitForOutput(d: Devnet, pattern: RegExp, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const m = d.out.join('').match(pattern)
    if (m) return m[0]
    if (d.proc.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`devnet output never matched ${pattern}:\n${d.out.join('').slice(-3000)}`)
}

/** Resolves at the first block event at or above `height` (through the SDK's event stream). */
async function reachHeight(client: GovchainClient, height: number): Promise<void> {
  if ((await client.status()).height >= height) return
  const controller = new AbortController()
  for await (const e of client.events({ types: ['block'], signal: controller.signal })) {
    if (e.type === 'block' && e.data.height >= height) {
      controller.abort()
      return
    }
  }
}

async function chainOf(client: GovchainClient, upTo: number): Promise<string[]> {
  const out: string[] = []
  for (let h = 1; h <= upTo; h++) {
    const b = await client.getBlock(h)
    out.push(`${b.hash}:${String(b.header.stateRoot)}`)
  }
  return out
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function stopDevnet(d: Devnet): Promise<string> {
  process.kill(-d.proc.pid!, 'SIGTERM')
  await d.closed
  return waitForOutput(d, /devnet: all nodes stopped \(.*\)/, 1000)
}

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', GOVCHAIN_CLI_ENTRY, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** Splits a command line as a POSIX shell does for plain words and '…' / "…" quoting. */
function shellWords(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: string | undefined
  for (const ch of line) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined
      else word += ch
    } else if (ch === "'" || ch === '"') {
      quote = ch
      word ??= ''
    } else if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else {
      word = (word ?? '') + ch
    }
  }
  if (word !== undefined) words.push(word)
  return words
}

const timings: Record<string, number> = {}
async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  try {
    return await f()
  } finally {
    timings[what] = Math.round(performance.now() - t0)
  }
}

describe('npm run devnet on the government-services application', () => {
  let dir: string
  let basePort: number
  let devnet: Devnet | undefined
  let net: LocalNetwork
  let before: { height: number; chain: string[] }
  let nodePids: number[]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'govchain-devnet-'))
    basePort = await freeBasePort()
  })
  afterAll(async () => {
    if (devnet !== undefined && devnet.proc.exitCode === null) {
      try {
        process.kill(-devnet.proc.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    for (const pid of nodePids ?? []) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    rmSync(dir, { recursive: true, force: true })
    console.log(`[figures] devnet e2e timings (ms): ${JSON.stringify(timings)}`)
  })

  it('starts 4 node processes of the demo alliance that commit identical blocks', async () => {
    devnet = startDevnet(dir, basePort, true)
    await timed('start', () => waitForOutput(devnet!, /devnet: 4 nodes up in [0-9.]+ s/, 90_000))
    net = LocalNetwork.load(dir)
    expect(net.nodes.map((n) => n.org)).toEqual(DEMO_NODE_ORDER.slice(0, 4))
    expect(new Set(net.accounts.map((a) => a.org))).toEqual(
      new Set([
        'city-licensing',
        'civil-registry',
        'social-security',
        'bank-north',
        'bank-south',
        'regulator',
        'auditor',
      ]),
    )
    for (const a of net.accounts) expect(existsSync(a.keyFile)).toBe(true)
    nodePids = net.nodes.map((n) => n.pid!)
    expect(nodePids.every((p) => typeof p === 'number' && isAlive(p))).toBe(true)
    expect(new Set(nodePids).size).toBe(4)
    const clients = net.nodes.map((_, i) => net.client(i))
    await timed('first 3 blocks', () => Promise.all(clients.map((c) => reachHeight(c, 3))))
    const chains = await Promise.all(clients.map((c) => chainOf(c, 3)))
    for (const c of chains) expect(c).toEqual(chains[0])
    const statuses = await Promise.all(clients.map((c) => c.status()))
    expect(statuses.map((s) => s.peers)).toEqual([3, 3, 3, 3])
    expect(statuses[0]!.validators.map((v) => v.member).sort()).toEqual(DEMO_NODE_ORDER.slice(0, 4).sort())
  })

  it.each([
    'issue-licence.ts',
    'finance-invoice.ts',
    'governance-add-member.ts',
    'verify-certificate-offline.ts',
    'bulk-certificates.ts',
  ])('example %s passes against it', async (script) => {
    const r = await timed(script, async () =>
      spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'scripts', 'examples', script),
          '--network',
          join(dir, 'network.json'),
        ],
        { cwd: root, encoding: 'utf8', timeout: 90_000 },
      ),
    )
    if (r.status !== 0) console.log(r.stdout, r.stderr)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^ok: /m)
  })

  it('proofs verify offline with the SDK and `govchain verify`; tampered ones fail with their code', async () => {
    const registry = net.client(2)
    const verifier = net.client(1)
    const officer = net.account('registry-officer')
    const genesisFile = join(dir, 'genesis.json')
    const genesis = net.genesis()
    const id = `CERT-E2E-${Date.now().toString(36)}`
    const issued = await registry.sendTx({
      key: officer.key,
      ...buildCertificateIssue({
        recordId: id,
        kind: 'residence',
        fields: commitValues(id, { name: 'E2E' }).fields,
      }),
    })
    await verifier.waitForCommit(issued.hash)

    // The CLI fetches the proof itself too.
    const file = join(dir, 'valid.json')
    const q = cli('query', 'record', id, '--node', net.nodes[1]!.api, '--prove', '--out', file)
    expect(q.status).toBe(0)
    const answer = JSON.parse(readFileSync(file, 'utf8')) as RecordResponse
    expect(verifyRecordProof(answer, genesis).verdict).toBe('valid')
    const ok = cli('verify', file, '--genesis', genesisFile)
    expect([ok.status, ok.stdout.split('\n')[0]]).toEqual([0, 'valid'])

    type P = { header: string; certificate: string; entries: { proof: { siblings: string[] } }[] }
    const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0')
    const root = verifyRecordProof(answer, genesis).stateRoot
    const cases: [string, (a: RecordResponse & { proof: P }) => void, string][] = [
      [
        'sibling',
        (a) => (a.proof.entries[0]!.proof.siblings[0] = flip(a.proof.entries[0]!.proof.siblings[0]!)),
        'LIGHT_BAD_STATE_PROOF',
      ],
      ['header', (a) => (a.proof.header = a.proof.header.replace(root, flip(root))), 'LIGHT_BAD_CERTIFICATE'],
      ['certificate', (a) => (a.proof.certificate = flip(a.proof.certificate)), 'LIGHT_BAD_CERTIFICATE'],
      ['record', (a) => ((a.record.record as Record<string, unknown>).kind = 'birth'), 'PROOF_MISMATCH'],
    ]
    for (const [what, change, code] of cases) {
      const bad = JSON.parse(JSON.stringify(answer)) as RecordResponse & { proof: P }
      change(bad)
      expect(JSON.stringify(bad), what).not.toBe(JSON.stringify(answer))
      expect(() => verifyRecordProof(bad, genesis), what).toThrowError(expect.objectContaining({ code }))
      const badFile = join(dir, `tampered-${what}.json`)
      writeFileSync(badFile, JSON.stringify(bad))
      const r = cli('verify', badFile, '--genesis', genesisFile)
      expect([what, r.status, r.stdout.trim()]).toEqual([what, 1, 'invalid'])
      expect(r.stderr).toContain(code)
    }

    const revoked = await registry.sendTx({
      key: officer.key,
      ...buildCertificateRevoke({ recordId: id, reason: 'test' }),
    })
    await verifier.waitForCommit(revoked.hash)
    const revokedAnswer = await verifier.getRecord(id, { prove: true })
    expect(verifyRecordProof(revokedAnswer, genesis)).toMatchObject({
      verdict: 'revoked',
      effectiveStatus: 'revoked',
    })
    const revokedFile = join(dir, 'revoked.json')
    writeFileSync(revokedFile, JSON.stringify(revokedAnswer))
    const r = cli('verify', revokedFile, '--genesis', genesisFile)
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([3, 'revoked'])
  })

  it("runs the README's command-line examples as written (paths and ports mapped to this devnet)", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const block = readme.slice(readme.indexOf('From the command line'))
    const code = block.slice(block.indexOf('```sh') + 5, block.indexOf('```', block.indexOf('```sh') + 5))
    const commands = code
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.startsWith('pnpm govchain '))
    expect(commands.length).toBeGreaterThanOrEqual(5)
    const ports = [26650, 26651, 26652, 26653]
    const mapArg = (a: string) => {
      for (const [i, p] of ports.entries()) a = a.replace(`http://127.0.0.1:${p}`, net.nodes[i]!.api)
      a = a.replace(/^\.devnet\//, `${dir}/`)
      return a.endsWith('.json') && !a.includes('/') ? join(dir, a) : a
    }
    for (const command of commands) {
      const args = shellWords(command.slice('pnpm govchain '.length)).map(mapArg)
      const r = await timed(`readme: ${args.slice(0, 2).join(' ')}`, async () => cli(...args))
      if (r.status !== 0) console.log(command, r.stdout, r.stderr)
      expect([command, r.status]).toEqual([command, 0])
    }
  })

  it('stops every node process cleanly on SIGTERM', async () => {
    const height = Math.min(
      ...(await Promise.all(net.nodes.map((_, i) => net.client(i).status()))).map((s) => s.height),
    )
    before = { height, chain: await chainOf(net.client(0), height) }
    const line = await timed('stop', () => stopDevnet(devnet!))
    expect(line.match(/exit 0/g)).toHaveLength(4)
    for (const pid of nodePids) expect(isAlive(pid)).toBe(false)
    for (const n of net.nodes)
      expect(readFileSync(join(n.home, 'node.log'), 'utf8')).toContain('"msg":"node stopped"')
  })

  it('resumes the same chain from disk without --fresh', async () => {
    devnet = startDevnet(dir, basePort, false)
    await waitForOutput(devnet, /devnet: resuming govchain-devnet/, 60_000)
    await timed('restart', () => waitForOutput(devnet!, /devnet: 4 nodes up in [0-9.]+ s/, 90_000))
    net = LocalNetwork.load(dir)
    nodePids = net.nodes.map((n) => n.pid!)
    const clients = net.nodes.map((_, i) => net.client(i))
    await timed('resume +2 blocks', () => Promise.all(clients.map((c) => reachHeight(c, before.height + 2))))
    for (const c of clients) expect(await chainOf(c, before.height)).toEqual(before.chain)
    const line = await stopDevnet(devnet)
    expect(line.match(/exit 0/g)).toHaveLength(4)
    for (const pid of nodePids) expect(isAlive(pid)).toBe(false)
  })
})
