/**
 * `npm run devnet [-- --nodes N --dir DIR --base-port P --fresh]`: a local network of N
 * validator nodes running the government-services application, each a separate OS process on
 * 127.0.0.1 owned by a different member organisation of the demo alliance (city agencies, two
 * banks, a regulator, an auditor; @govchain/app demo.ts). Writes the demo accounts' key files
 * and lists them in network.json. Prints the node table and a live status line; Ctrl-C /
 * SIGTERM stops every node cleanly; running again without --fresh resumes the same chain.
 */
import '@govchain/network/polyfill'
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Command } from 'commander'
import { generateDevnet, readNetworkJson, writeNetworkJson, type NetworkJson } from '@govchain/network'
import { appNodeCommand, demoDevnetHooks } from '@govchain/app/devnet'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))

function withoutSeparator(argv: string[]): string[] {
  let i = 2
  while (argv[i] === '--') i++
  return [...argv.slice(0, 2), ...argv.slice(i)]
}

const program = new Command()
  .name('devnet')
  .option('--nodes <n>', 'number of validator nodes', '4')
  .option('--dir <dir>', 'data directory', '.devnet')
  .option('--base-port <port>', 'first API port (p2p ports start 100 above)', '26650')
  .option('--fresh', 'delete DIR and start a new chain', false)
  .option('--log-level <level>', 'node log level', 'info')
  // `npm run devnet -- …` / `pnpm devnet -- …` reach us through pnpm with one or two `--` in place.
  .parse(withoutSeparator(process.argv))

const opts = program.opts<{
  nodes: string
  dir: string
  basePort: string
  fresh: boolean
  logLevel: string
}>()
const nodesWanted = Number(opts.nodes)
const basePort = Number(opts.basePort)
if (!Number.isSafeInteger(nodesWanted) || nodesWanted < 1 || nodesWanted > 50) fail('--nodes must be 1–50')
if (!Number.isSafeInteger(basePort) || basePort < 1024 || basePort > 65000)
  fail('--base-port must be 1024–65000')
const dir = resolve(root, opts.dir)

function fail(message: string): never {
  process.stderr.write(`devnet: ${message}\n`)
  process.exit(2)
}

const t0 = performance.now()
if (opts.fresh) rmSync(dir, { recursive: true, force: true })
let network: NetworkJson | undefined = readNetworkJson(dir)
if (network === undefined) {
  network = await generateDevnet({
    nodes: nodesWanted,
    dir,
    basePort,
    logLevel: opts.logLevel,
    hooks: demoDevnetHooks,
  })
  process.stdout.write(`devnet: new chain ${network.chainId} with ${network.nodes.length} nodes in ${dir}\n`)
} else {
  process.stdout.write(`devnet: resuming ${network.chainId} from ${dir} (use --fresh for a new chain)\n`)
}
const net = network

const children = new Map<string, ChildProcess>()
/** How each node process ended: `exit 0` is a clean shutdown. */
const exits = new Map<string, string>()
let stopping = false

function startNode(i: number): Promise<void> {
  const n = net.nodes[i]!
  const { command, args, env } = appNodeCommand(n.home)
  const err = openSync(join(n.home, 'stderr.log'), 'a')
  // The IPC channel lets a node stop itself if this launcher dies (even by kill -9).
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', err, 'ipc'] })
  children.set(n.name, child)
  n.pid = child.pid ?? null
  return new Promise((resolveStarted, reject) => {
    let buf = ''
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      if (buf.includes('"event":"started"')) resolveStarted()
    })
    child.on('exit', (code, signal) => {
      children.delete(n.name)
      exits.set(n.name, signal ?? `exit ${code}`)
      if (!stopping) {
        process.stdout.write(
          `\ndevnet: ${n.name} exited (${signal ?? code}); see ${join(n.home, 'node.log')}\n`,
        )
        reject(new Error(`${n.name} exited`))
      }
    })
  })
}

async function stopAll(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  process.stdout.write(`\ndevnet: ${signal}: stopping ${children.size} nodes…\n`)
  await Promise.all(
    [...children.values()].map(
      (c) =>
        new Promise<void>((done) => {
          // Already gone (a terminal's Ctrl-C reaches the whole process group).
          if (c.exitCode !== null || c.signalCode !== null) return done()
          const kill = setTimeout(() => c.kill('SIGKILL'), 15_000)
          c.once('exit', () => {
            clearTimeout(kill)
            done()
          })
          c.kill('SIGTERM')
        }),
    ),
  )
  for (const n of net.nodes) n.pid = null
  writeNetworkJson(dir, net)
  const ended = net.nodes.map((n) => `${n.name}: ${exits.get(n.name) ?? 'not started'}`)
  process.stdout.write(`devnet: all nodes stopped (${ended.join(', ')})\n`)
  process.exit(0)
}
process.on('SIGINT', () => void stopAll('SIGINT'))
process.on('SIGTERM', () => void stopAll('SIGTERM'))
// Wrappers (pnpm, npm) do not forward SIGTERM: if ours goes away, stop as if told to.
const parent = process.ppid
setInterval(() => {
  if (process.ppid !== parent) void stopAll('parent exited')
}, 500).unref()

try {
  await Promise.all(net.nodes.map((_, i) => startNode(i)))
} catch (e) {
  process.stderr.write(`devnet: ${(e as Error).message}\n`)
  await stopAll('start failure')
}
writeNetworkJson(dir, net)

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length))
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((x, c) => (c === r.length - 1 ? x : pad(x, widths[c]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n') + '\n'
}
process.stdout.write(
  `devnet: ${net.nodes.length} nodes up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n\n`,
)
process.stdout.write(
  table(
    ['#', 'node', 'org', 'peer id', 'API', 'p2p'],
    net.nodes.map((n, i) => [String(i), n.name, n.org, n.peerId, n.api, n.p2p.split('/p2p/')[0]!]),
  ),
)
process.stdout.write('\ndemo accounts (key files under ' + join(dir, 'keys') + '):\n')
process.stdout.write(
  table(
    ['account', 'org', 'roles'],
    net.accounts.map((a) => [a.name, a.org, a.roles.join(', ')]),
  ),
)
process.stdout.write(
  `\nnetwork.json: ${join(dir, 'network.json')}  ·  logs: <home>/node.log  ·  Ctrl-C stops\n` +
    `try: npx tsx scripts/examples/issue-licence.ts --network ${join(dir, 'network.json')}\n\n`,
)

const tty = process.stdout.isTTY === true
let ticks = 0
setInterval(() => {
  void Promise.all(
    net.nodes.map(async (n, i) => {
      try {
        const s = (await (
          await fetch(`${n.api}/v1/status`, { signal: AbortSignal.timeout(900) })
        ).json()) as {
          height: number
          peers: number
          mempool?: { txs: number }
          syncing: boolean
        }
        return `#${i} h=${s.height} mp=${s.mempool?.txs ?? 0} peers=${s.peers}${s.syncing ? ' sync' : ''}`
      } catch {
        return `#${i} down`
      }
    }),
  ).then((parts) => {
    const line = parts.join(' │ ')
    if (tty) process.stdout.write(`\r\x1b[2K${line}`)
    else if (ticks++ % 10 === 0) process.stdout.write(`${new Date().toISOString()} ${line}\n`)
  })
}, 1000)
