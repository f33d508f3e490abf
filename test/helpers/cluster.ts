/**
 * A local network of real node processes for the multi-process tests: generated with the devnet
 * generator into a temp dir, each node a separate OS process (tsx), real LevelDB, loopback only.
 */
import '@govchain/network/polyfill'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeBasePort } from './ports.js'
import {
  generateDevnet,
  HomeFile,
  nodeCommand,
  parseConfig,
  parseMetricsText,
  writeJsonFile,
  type DevnetGenesisHooks,
  type NetworkJson,
  type NodeConfig,
} from '@govchain/network'
import {
  createSignedTx,
  encode,
  keyPairFromFile,
  toBase64,
  type KeyPair,
  type Transaction,
} from '@govchain/ledger'

/** A JSON response body, read loosely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ApiBody = any

export type Status = {
  height: number
  blockHash: string
  stateRoot: string
  peers: number
  syncing: boolean
  consensus: { height: number; round: number; step: string }
  mempool: { txs: number }
}

export class Cluster {
  readonly dir: string
  network!: NetworkJson
  readonly procs = new Map<number, ChildProcess>()
  readonly accounts: { key: KeyPair; nonce: number; name: string }[] = []

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'govchain-e2e-'))
  }

  /** Runs node i's command through this (e.g. `ip netns exec NS`). */
  wrap: (i: number) => string[] = () => []
  /** The command that runs one node (default: the network's `govchain node start`). */
  command: (home: string) => ReturnType<typeof nodeCommand> = nodeCommand

  static async start(
    nodes = 4,
    opts: {
      hosts?: string[]
      wrap?: (i: number) => string[]
      /** The application's genesis (e.g. a demo alliance); with `command` running that application. */
      hooks?: DevnetGenesisHooks
      command?: (home: string) => ReturnType<typeof nodeCommand>
      /** Changes node i's generated config.json before it starts (e.g. to inject a fault). */
      configure?: (i: number, config: NodeConfig) => NodeConfig
    } = {},
  ): Promise<Cluster> {
    const c = new Cluster()
    if (opts.wrap) c.wrap = opts.wrap
    if (opts.command) c.command = opts.command
    const basePort = await freeBasePort(nodes)
    c.network = await generateDevnet({
      nodes,
      dir: c.dir,
      basePort,
      logLevel: 'info',
      ...(opts.hosts ? { hosts: opts.hosts } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    })
    if (opts.configure)
      c.network.nodes.forEach((n, i) => {
        const path = join(n.home, HomeFile.config)
        writeJsonFile(path, opts.configure!(i, parseConfig(JSON.parse(readFileSync(path, 'utf8')))))
      })
    for (const a of c.network.accounts)
      c.accounts.push({
        key: keyPairFromFile(JSON.parse(readFileSync(a.keyFile, 'utf8'))),
        nonce: 0,
        name: a.name,
      })
    await Promise.all(c.network.nodes.map((_, i) => c.startNode(i)))
    return c
  }

  api(i: number): string {
    return this.network.nodes[i]!.api
  }

  /** Starts node i and resolves once it prints its `started` line. */
  startNode(i: number): Promise<void> {
    const n = this.network.nodes[i]!
    const { command, args, env } = this.command(n.home)
    const err = openSync(join(n.home, 'stderr.log'), 'a')
    const [cmd, ...rest] = [...this.wrap(i), command, ...args]
    const child = spawn(cmd!, rest, { env, stdio: ['ignore', 'pipe', err, 'ipc'] })
    closeSync(err)
    this.procs.set(i, child)
    return new Promise((resolve, reject) => {
      let buf = ''
      const timer = setTimeout(() => reject(new Error(`node ${i} did not start`)), 60_000)
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString()
        if (buf.includes('"event":"started"')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        if (!buf.includes('"event":"started"')) reject(new Error(`node ${i} exited with ${code}`))
      })
    })
  }

  /** kill -9 (or another signal) and wait for the process to be gone. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.procs.get(i)
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill(signal)
    })
    this.procs.delete(i)
  }

  wipe(i: number): void {
    rmSync(join(this.network.nodes[i]!.home, 'data'), { recursive: true, force: true })
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((i) => this.kill(i, 'SIGTERM')))
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((i) => this.kill(i, 'SIGKILL')))
    rmSync(this.dir, { recursive: true, force: true })
  }

  async status(i: number): Promise<Status | undefined> {
    try {
      const r = await fetch(`${this.api(i)}/v1/status`, { signal: AbortSignal.timeout(2000) })
      return (await r.json()) as Status
    } catch {
      return undefined
    }
  }

  async waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs
    while (Date.now() < end) {
      if (await cond()) return
      await new Promise((r) => setTimeout(r, 200))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  async waitForHeight(nodes: number[], height: number, timeoutMs = 60_000): Promise<void> {
    await this.waitFor(
      async () => {
        const s = await Promise.all(nodes.map((i) => this.status(i)))
        return s.every((x) => x !== undefined && x.height >= height)
      },
      timeoutMs,
      `nodes ${nodes.join(',')} to reach height ${height}`,
    )
  }

  async height(i: number): Promise<number> {
    return (await this.status(i))?.height ?? -1
  }

  /** A signed kv.put from account `a` with its next nonce. */
  tx(a: number, key: string, value: string): Transaction {
    const acct = this.accounts[a]!
    return createSignedTx(
      {
        chainId: this.network.chainId,
        sender: acct.key.publicKey,
        nonce: acct.nonce++,
        type: 'kv.put',
        payload: encode({ key, value }),
        expiryHeight: null,
      },
      acct.key.secretKey,
    )
  }

  async submit(i: number, tx: Transaction | Uint8Array | string): Promise<{ status: number; body: ApiBody }> {
    const b64 = typeof tx === 'string' ? tx : toBase64(tx instanceof Uint8Array ? tx : tx.serialize())
    return this.post(i, '/v1/txs', JSON.stringify({ tx: b64 }))
  }

  async post(
    i: number,
    path: string,
    body: string,
    contentType = 'application/json',
  ): Promise<{ status: number; body: ApiBody }> {
    const r = await fetch(`${this.api(i)}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    })
    const text = await r.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON
    }
    return { status: r.status, body: parsed }
  }

  /** One series of node i's `/metrics` (`name` or `name{labels}`); 0 while it is not exported. */
  async metric(i: number, series: string): Promise<number> {
    const text = await (await fetch(`${this.api(i)}/metrics`)).text()
    return parseMetricsText(text).get(series) ?? 0
  }

  async get(i: number, path: string): Promise<{ status: number; body: ApiBody }> {
    const r = await fetch(`${this.api(i)}${path}`)
    return { status: r.status, body: await r.json() }
  }

  /**
   * Follows node i's `block` events over SSE; calls `onBlock` for each. Returns a stop function.
   */
  followBlocks(i: number, onBlock: (b: { height: number; hash: string; txs: string[] }) => void): () => void {
    const controller = new AbortController()
    void (async () => {
      const r = await fetch(`${this.api(i)}/v1/events?types=block`, { signal: controller.signal })
      const decoder = new TextDecoder()
      let buf = ''
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true })
        let end
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const event = buf.slice(0, end)
          buf = buf.slice(end + 2)
          const data = event.split('\n').find((l) => l.startsWith('data: '))
          if (event.includes('event: block') && data !== undefined) onBlock(JSON.parse(data.slice(6)))
        }
      }
    })().catch(() => {})
    return () => controller.abort()
  }

  /** Block hash and state root per height 1..upTo on node i. */
  async chainOf(i: number, upTo: number): Promise<string[]> {
    const out: string[] = []
    for (let h = 1; h <= upTo; h++) {
      const b = await this.get(i, `/v1/blocks/${h}`)
      if (b.status !== 200) throw new Error(`node ${i} has no block ${h}`)
      out.push(`${b.body.hash}:${b.body.header.stateRoot}`)
    }
    return out
  }
}
