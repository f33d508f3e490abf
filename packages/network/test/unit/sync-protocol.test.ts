/** The sync protocol between real in-process libp2p hosts on loopback. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import {
  Block,
  BlockHeader,
  createCommitCertificate,
  createSignedTx,
  encode,
  evidenceRootOf,
  keyPairFromSeed,
  signVote,
  txRootOf,
  ValidatorSet,
  VoteType,
} from '@govchain/ledger'
import { peerIdOfSeed, type Host } from '../../src/p2p/host.js'
import { SYNC_REQUEST_DOMAIN, syncProtocolId } from '../../src/p2p/sync-protocol.js'
import { createLogger } from '../../src/logger.js'
import { memberHost } from '../helpers/member-host.js'

const CHAIN = 'sync-test'
const validator = keyPairFromSeed('sync-validator')
const vset = new ValidatorSet([{ publicKey: validator.publicKey, power: 1 }])

/** Well-formed blocks 1..n with a few transactions each and their certificates (shape only). */
function chainOf(n: number): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = []
  let prev: Uint8Array = new Uint8Array(32)
  for (let h = 1; h <= n; h++) {
    const txs = [0, 1, 2].map((i) =>
      createSignedTx(
        {
          chainId: CHAIN,
          sender: validator.publicKey,
          nonce: h * 3 + i,
          type: 'kv.put',
          payload: new Uint8Array(300),
          expiryHeight: null,
        },
        validator.secretKey,
      ),
    )
    const zero = new Uint8Array(32)
    const header = new BlockHeader({
      chainId: CHAIN,
      height: h,
      round: 0,
      timeMs: 1000 + h,
      prevHash: prev,
      proposer: validator.publicKey,
      validatorSetHash: vset.hash(),
      nextValidatorSetHash: vset.hash(),
      txRoot: txRootOf(txs),
      stateRoot: zero,
      resultRoot: zero,
      evidenceRoot: evidenceRootOf([]),
      lastCommit: null,
    })
    const block = new Block(header, txs, [])
    const vote = signVote(
      { chainId: CHAIN, type: VoteType.PRECOMMIT, height: h, round: 0, blockHash: block.hash() },
      validator.secretKey,
      validator.publicKey,
    )
    out.push([block.serialize(), createCommitCertificate(vset, [vote]).serialize()])
    prev = block.hash()
  }
  return out
}
const served = chainOf(7)
const seeds = ['server', 'client', 'stranger'].map((s) => keyPairFromSeed(`sync-${s}`).secretKey)

const host = (seed: Uint8Array, members: string[]): Promise<Host> =>
  memberHost(seed, members, {
    chainId: CHAIN,
    logger: process.env.SYNC_DEBUG ? createLogger({ level: 'debug' }) : undefined,
    source: {
      height: () => 7,
      headHash: () => new Uint8Array(32).fill(7),
      blockWithCertificate: async (h: number) => served[h - 1],
    },
  })

describe('sync protocol', () => {
  let server: Host
  let client: Host
  let stranger: Host
  let ids: string[]
  beforeAll(async () => {
    ids = await Promise.all(seeds.map((s) => peerIdOfSeed(s)))
    server = await host(seeds[0]!, [ids[1]!])
    client = await host(seeds[1]!, [ids[0]!])
    stranger = await host(seeds[2]!, [ids[0]!])
    await client.dial(server.getMultiaddrs()[0]!)
  })
  afterAll(async () => {
    await Promise.all([server, client, stranger].map((h) => h?.stop()))
  })

  it('answers a member status request', async () => {
    const s = await client.services.sync.status(peerIdFromString(ids[0]!))
    expect(s.height).toBe(7)
    expect(s.headHash[0]).toBe(7)
  })

  it('serves blocks with certificates in several frames, capped at the served height', async () => {
    const got = await client.services.sync.blocks(peerIdFromString(ids[0]!), 2, 10)
    expect(got.map((b) => b.block.height)).toEqual([2, 3, 4, 5, 6, 7])
    expect(got.every((b) => b.certificate.height === b.block.height)).toBe(true)
  })

  it('answers a candidate request (none held here)', async () => {
    expect(
      await client.services.sync.candidate(peerIdFromString(ids[0]!), new Uint8Array(32)),
    ).toBeUndefined()
  })

  it('serves nothing to a peer that is not a member', async () => {
    await stranger.dial(server.getMultiaddrs()[0]!).catch(() => undefined)
    await expect(
      stranger.services.sync.status(peerIdFromString(ids[0]!), AbortSignal.timeout(2000)),
    ).rejects.toThrow()
    expect(server.getConnections().some((c) => c.remotePeer.toString() === ids[2])).toBe(false)
  })

  it.each([
    ['an oversized frame', (lp: ReturnType<typeof lpStream>) => lp.write(new Uint8Array(4096))],
    ['malformed CBOR', (lp: ReturnType<typeof lpStream>) => lp.write(new Uint8Array([0xff, 0x00]))],
    [
      'a wrong chain id',
      (lp: ReturnType<typeof lpStream>) => lp.write(encode([SYNC_REQUEST_DOMAIN, 1, 'other', 0, 0, 0, null])),
    ],
    [
      'a bad range',
      (lp: ReturnType<typeof lpStream>) =>
        lp.write(encode([SYNC_REQUEST_DOMAIN, 1, CHAIN, 1, 0, 1000, null])),
    ],
  ])('refuses %s without an answer', async (_what, send) => {
    const stream = await client.dialProtocol(peerIdFromString(ids[0]!), syncProtocolId(CHAIN))
    const lp = lpStream(stream, { maxDataLength: 1 << 20 })
    await send(lp)
    await expect(lp.read({ signal: AbortSignal.timeout(3000) })).rejects.toThrow()
    // The server is still serving members.
    expect((await client.services.sync.status(peerIdFromString(ids[0]!))).height).toBe(7)
  })
})
