/**
 * Faults and bad inputs against four real node processes (one cluster, tests in order):
 * - bad HTTP inputs get coded 400/403/404/409/413/415 errors and change nothing;
 * - kill -9 of the current proposer under load: the other three keep committing; restarted, it
 *   catches up by sync and rejoins; per-height hashes agree everywhere (nothing lost);
 * - kill -9 of two of four: commits stop with no fork; one restarted: commits resume;
 * - a node wiped and restarted from genesis syncs the whole chain (every certificate checked);
 * - a peer with a valid libp2p identity that is not a member is refused, nothing served;
 * - a member identity sending malformed / oversized / wrong-chain / badly signed / future-round
 *   messages is refused with codes and finally disconnected, while the network keeps committing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createHost,
  MemberGater,
  nodePrivateKey,
  PeerScores,
  silentLogger,
  gossipTopic,
  encodeTxBatch,
  type Host,
} from '@govchain/network'
import {
  createSignedTx,
  encode,
  generateKeyPair,
  keyPairFromFile,
  signVote,
  toBase64,
  VoteType,
  Vote,
  fromHex,
  DEFAULT_CHAIN_PARAMS,
  parseGenesis,
} from '@govchain/ledger'
import { Cluster } from './helpers/cluster.js'

const ALL = [0, 1, 2, 3]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('faults and bad inputs', () => {
  let c: Cluster
  beforeAll(async () => {
    c = await Cluster.start(4)
    await c.waitForHeight(ALL, 2, 60_000)
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('refuses bad HTTP inputs with coded errors and changes nothing', async () => {
    const before = await c.status(0)
    const outsider = generateKeyPair()
    const foreign = createSignedTx(
      {
        chainId: c.network.chainId,
        sender: outsider.publicKey,
        nonce: 0,
        type: 'kv.put',
        payload: encode({ key: 'x', value: 'y' }),
        expiryHeight: null,
      },
      outsider.secretKey,
    )
    const good = c.tx(0, 'http-ok', 'v')
    const wrongChain = createSignedTx(
      {
        chainId: 'other-chain',
        sender: c.accounts[1]!.key.publicKey,
        nonce: 0,
        type: 'kv.put',
        payload: encode({ key: 'x', value: 'y' }),
        expiryHeight: null,
      },
      c.accounts[1]!.key.secretKey,
    )
    const badSig = new Uint8Array(good.serialize()) // a copy: serialize() may return a Buffer, whose slice() is a view
    badSig[badSig.length - 5]! ^= 1
    const cases: [
      string,
      () => Promise<{ status: number; body: { error?: { code: string } } }>,
      number,
      string,
    ][] = [
      ['not JSON', () => c.post(0, '/v1/txs', '{"tx":', 'application/json'), 400, 'API_BAD_REQUEST'],
      [
        'wrong media type',
        () => c.post(0, '/v1/txs', 'tx=1', 'text/plain'),
        415,
        'API_UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'extra field',
        () => c.post(0, '/v1/txs', JSON.stringify({ tx: 'AAAA', more: 1 })),
        400,
        'API_BAD_REQUEST',
      ],
      ['not base64', () => c.submit(0, '!!!'), 400, 'DECODE_BAD_SHAPE'],
      [
        'malformed bytes',
        () => c.submit(0, toBase64(new Uint8Array([1, 2, 3]))),
        400,
        'DECODE_MALFORMED_CBOR',
      ],
      ['oversized', () => c.submit(0, 'A'.repeat(120_000)), 413, 'API_TOO_LARGE'],
      ['wrong chain', () => c.submit(0, wrongChain), 400, 'TX_WRONG_CHAIN'],
      ['bad signature', () => c.submit(0, badSig), 403, 'TX_BAD_SIGNATURE'],
      ['unauthorised sender', () => c.submit(0, foreign), 403, 'KV_UNAUTHORISED'],
      ['unknown route', () => c.get(0, '/v1/nothing') as never, 404, 'API_NOT_FOUND'],
      ['bad hash', () => c.get(0, '/v1/txs/xyz') as never, 400, 'API_BAD_REQUEST'],
      ['unknown tx', () => c.get(0, `/v1/txs/${'0'.repeat(64)}`) as never, 404, 'API_NOT_FOUND'],
      ['bad height', () => c.get(0, '/v1/blocks/-1') as never, 400, 'API_BAD_REQUEST'],
    ]
    for (const [what, call, status, code] of cases) {
      const r = await call()
      expect([what, r.status, r.body.error?.code]).toEqual([what, status, code])
    }
    expect((await c.submit(0, good)).status).toBe(202)
    // Node 1 learns of it by gossip: submit it there once it has.
    await c.waitFor(
      async () => (await c.get(1, `/v1/txs/${good.hashHex()}`)).status === 200,
      10_000,
      'gossip',
    )
    const dup = await c.submit(1, good)
    expect([dup.status, dup.body.error.code]).toEqual([
      409,
      expect.stringMatching(/MEMPOOL_DUPLICATE|MEMPOOL_ALREADY_COMMITTED/),
    ])
    const after = await c.status(0)
    expect(after!.height).toBeGreaterThanOrEqual(before!.height)
  })

  it('keeps committing when the proposer is killed (-9) under load; the restarted node catches up', async () => {
    const load = startLoad(c, [0, 1, 2])
    await sleep(1500)
    const s = (await c.status(0))!
    // The proposer of the round in progress: validators sorted by key, (h + r) mod n (rule 4).
    const victim = await proposerNode(c, s.consensus.height, s.consensus.round)
    await c.kill(victim)
    const alive = ALL.filter((i) => i !== victim)
    const h0 = Math.max(...(await Promise.all(alive.map((i) => c.height(i)))))
    await c.waitForHeight(alive, h0 + 3, 60_000)
    await c.startNode(victim)
    const target = Math.max(...(await Promise.all(alive.map((i) => c.height(i)))))
    await c.waitForHeight([victim], target, 90_000)
    await load.stop()
    await c.waitForHeight(ALL, target + 1, 60_000)
    const h = Math.min(...(await Promise.all(ALL.map((i) => c.height(i)))))
    const chains = await Promise.all(ALL.map((i) => c.chainOf(i, h)))
    for (const ch of chains.slice(1)) expect(ch).toEqual(chains[0])
    // Everything acknowledged as committed anywhere is on every node.
    for (const hash of load.committed)
      expect((await c.get(victim, `/v1/txs/${hash}`)).body.status).toBe('committed')
  })

  it('stops committing with two of four killed, without a fork, and resumes when one returns', async () => {
    await c.kill(2)
    await c.kill(3)
    await sleep(1500)
    const stuck = await c.height(0)
    await sleep(5000)
    expect(await c.height(0)).toBeLessThanOrEqual(stuck + 1)
    expect(await c.height(1)).toBeLessThanOrEqual(stuck + 1)
    await c.startNode(2)
    await c.waitForHeight([0, 1, 2], stuck + 3, 90_000)
    await c.startNode(3)
    await c.waitForHeight(ALL, stuck + 4, 90_000)
    const h = Math.min(...(await Promise.all(ALL.map((i) => c.height(i)))))
    const chains = await Promise.all(ALL.map((i) => c.chainOf(i, h)))
    for (const ch of chains.slice(1)) expect(ch).toEqual(chains[0])
  })

  it('syncs a wiped node from genesis, verifying every certificate', async () => {
    await c.kill(3)
    c.wipe(3)
    const target = await c.height(0)
    const t0 = performance.now()
    await c.startNode(3)
    await c.waitForHeight([3], target, 120_000)
    const secs = (performance.now() - t0) / 1000
    console.log(
      `[figures] wiped node synced ${target} blocks in ${secs.toFixed(1)} s (${(target / secs).toFixed(1)} blocks/s incl. process start)`,
    )
    const chains = await Promise.all([0, 3].map((i) => c.chainOf(i, target)))
    expect(chains[1]).toEqual(chains[0])
    const metrics = await (await fetch(`${c.api(3)}/metrics`)).text()
    expect(metrics).toMatch(/govchain_sync_blocks_applied_total [1-9]/)
  })

  it('refuses a peer that is not a member: nothing is served', async () => {
    const stranger = await testHost(generateKeyPair().secretKey, c, [c.network.nodes[0]!.peerId])
    try {
      const target = c.network.nodes[0]!
      const addr = multiaddr(target.p2p)
      await stranger.dial(addr).catch(() => undefined)
      await sleep(500)
      await expect(
        stranger.services.sync.status(peerIdFromString(target.peerId), AbortSignal.timeout(3000)),
      ).rejects.toThrow()
      const metrics = await (await fetch(`${c.api(0)}/metrics`)).text()
      expect(Number(/govchain_p2p_refused_total (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0)
    } finally {
      await stranger.stop()
    }
  })

  it('refuses malformed, oversized, forged and future-round messages from a member, and keeps committing', async () => {
    // Impersonate node 3 (a member identity) after stopping it.
    await c.kill(3)
    const key = keyPairFromFile(
      JSON.parse(readFileSync(join(c.network.nodes[3]!.home, 'node-key.json'), 'utf8')),
    )
    const genesis = parseGenesis(JSON.parse(readFileSync(join(c.dir, 'genesis.json'), 'utf8')))
    const bad = await testHost(
      key.secretKey,
      c,
      [0, 1, 2].map((i) => c.network.nodes[i]!.peerId),
    )
    try {
      for (const i of [0, 1, 2]) await bad.dial(multiaddr(c.network.nodes[i]!.p2p)).catch(() => undefined)
      await sleep(1500)
      const h0 = await c.height(0)
      const pubsub = bad.services.pubsub
      const chainId = c.network.chainId
      const vkey = keyPairFromFile(
        JSON.parse(readFileSync(join(c.network.nodes[3]!.home, 'validator-key.json'), 'utf8')),
      )
      const forger = generateKeyPair()
      // Replays: a vote from a committed height, and a committed transaction.
      const cert = (await c.get(0, `/v1/blocks/${h0 - 1}`)).body.certificate
      const idx = cert.signatures[0].validatorIndex as number
      const sorted = [...genesis.validators].sort((a, b) =>
        Buffer.compare(Buffer.from(a.publicKey), Buffer.from(b.publicKey)),
      )
      const replayed = new Vote(
        {
          chainId,
          type: VoteType.PRECOMMIT,
          height: h0 - 1,
          round: cert.round,
          blockHash: fromHex(cert.blockHash, 32),
        },
        sorted[idx]!.publicKey,
        fromHex(cert.signatures[0].signature, 64),
      )
      expect(replayed.verifySignature()).toBe(true)
      await pubsub.publish(gossipTopic(chainId, 'vote'), replayed.serialize()).catch(() => undefined)
      const old = c.tx(3, 'replayed', 'v') // account 3 carried no load: its nonces have no gap
      expect((await c.submit(0, old)).status).toBe(202)
      await c.waitFor(
        async () => (await c.get(1, `/v1/txs/${old.hashHex()}`)).body.status === 'committed',
        30_000,
        'tx commit',
      )
      await pubsub
        .publish(gossipTopic(chainId, 'tx'), encodeTxBatch([old.serialize()]))
        .catch(() => undefined)
      // Forged and future-round votes for the height being decided now (for an older height they
      // would be refused as old before their signature or round is looked at).
      const hNow = (await c.height(0)) + 1
      for (let k = 0; k < 60; k++) {
        await pubsub.publish(gossipTopic(chainId, 'tx'), new Uint8Array([0xff, k])).catch(() => undefined)
        const forged = signVote(
          { chainId, type: VoteType.PREVOTE, height: hNow, round: 0, blockHash: null },
          forger.secretKey,
          vkey.publicKey,
        )
        await pubsub.publish(gossipTopic(chainId, 'vote'), forged.serialize()).catch(() => undefined)
        const other = signVote(
          { chainId: 'other', type: VoteType.PREVOTE, height: hNow, round: k, blockHash: null },
          vkey.secretKey,
          vkey.publicKey,
        )
        await pubsub.publish(gossipTopic(chainId, 'vote'), other.serialize()).catch(() => undefined)
        const future = signVote(
          { chainId, type: VoteType.PREVOTE, height: hNow, round: 1000 + k, blockHash: null },
          vkey.secretKey,
          vkey.publicKey,
        )
        await pubsub.publish(gossipTopic(chainId, 'vote'), future.serialize()).catch(() => undefined)
      }
      // Oversized and malformed sync frames.
      const stream = await bad
        .dialProtocol(peerIdFromString(c.network.nodes[1]!.peerId), `/govchain/${chainId}/sync/1`)
        .catch(() => undefined)
      if (stream) {
        stream.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))
        await stream.close().catch(() => undefined)
      }
      await c.waitForHeight([0, 1, 2], h0 + 3, 60_000)
      const metrics = await (await fetch(`${c.api(0)}/metrics`)).text()
      expect(metrics).toMatch(/govchain_gossip_messages_total\{topic="tx",verdict="DECODE_[A-Z_]+"\} [1-9]/)
      expect(metrics).toMatch(
        /govchain_gossip_messages_total\{topic="vote",verdict="CONSENSUS_MSG_BAD_SIGNATURE"\} [1-9]/,
      )
      expect(metrics).toMatch(
        /govchain_gossip_messages_total\{topic="vote",verdict="P2P_WRONG_CHAIN"\} [1-9]/,
      )
      expect(metrics).toMatch(
        /govchain_gossip_messages_total\{topic="vote",verdict="CONSENSUS_MSG_FAR_ROUND"\} [1-9]/,
      )
      expect(metrics).toMatch(
        /govchain_gossip_messages_total\{topic="vote",verdict="CONSENSUS_MSG_OLD_HEIGHT"\} [1-9]/,
      )
      expect(metrics).toMatch(
        /govchain_gossip_messages_total\{topic="tx",verdict="MEMPOOL_ALREADY_COMMITTED"\} [1-9]/,
      )
      expect(metrics).toMatch(/govchain_p2p_penalty_disconnects_total [1-9]/)
      expect(genesis.chainId).toBe(chainId)
    } finally {
      await bad.stop()
    }
    await c.startNode(3)
    const h = await c.height(0)
    await c.waitForHeight(ALL, h + 1, 60_000)
  })
})

async function proposerNode(c: Cluster, height: number, round: number): Promise<number> {
  const genesis = parseGenesis(JSON.parse(readFileSync(join(c.dir, 'genesis.json'), 'utf8')))
  const sorted = [...genesis.validators].sort((a, b) =>
    Buffer.compare(Buffer.from(a.publicKey), Buffer.from(b.publicKey)),
  )
  const v = sorted[(height + round) % sorted.length]!
  return c.network.nodes.findIndex((n) => n.name === v.name)
}

/** A libp2p host outside the cluster (its gater lets it dial the given peers). */
async function testHost(seed: Uint8Array, c: Cluster, allow: string[]): Promise<Host> {
  const scores = new PeerScores(() => {})
  const privateKey = await nodePrivateKey(seed)
  const gater = new MemberGater('self')
  gater.setMembers([{ id: 'x', name: 'x', roles: [], peerIds: allow }])
  const host = await createHost({
    privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    gater,
    maxGossipBytes: 1 << 20,
    sync: {
      chainId: c.network.chainId,
      params: DEFAULT_CHAIN_PARAMS,
      scores,
      logger: silentLogger(),
      source: {
        height: () => 0,
        headHash: () => new Uint8Array(32),
        blockWithCertificate: async () => undefined,
      },
    },
  })
  await host.start()
  for (const kind of ['tx', 'vote', 'proposal'] as const)
    host.services.pubsub.subscribe(gossipTopic(c.network.chainId, kind))
  return host
}

/** Submits transactions continuously to the given nodes; remembers which ones committed. */
function startLoad(c: Cluster, nodes: number[]) {
  let running = true
  const committed: string[] = []
  const pending: { hash: string; node: number }[] = []
  let k = 0
  const loops = nodes.map(async (node) => {
    while (running) {
      const tx = c.tx(node % c.accounts.length, `load-${k++}`, 'v')
      const r = await c.submit(node, tx).catch(() => undefined)
      if (r?.status === 202) pending.push({ hash: r.body.hash, node })
      else if (r !== undefined) c.accounts[node % c.accounts.length]!.nonce-- // refused: reuse the nonce
      await sleep(20)
    }
  })
  return {
    committed,
    async stop() {
      running = false
      await Promise.all(loops)
      for (const p of pending) {
        const r = await c.get(0, `/v1/txs/${p.hash}`).catch(() => undefined)
        if (r?.body.status === 'committed') committed.push(p.hash)
      }
    },
  }
}
