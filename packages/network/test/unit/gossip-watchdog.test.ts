import { afterAll, describe, expect, it } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { keyPairFromSeed } from '@govchain/ledger'
import { silentLogger } from '../../src/logger.js'
import { GossipWatchdog, gossipPeersOf } from '../../src/p2p/gossip-watchdog.js'
import { peerIdOfSeed, type Host } from '../../src/p2p/host.js'
import { memberHost } from '../helpers/member-host.js'

function setup() {
  const state = { now: 0, connected: ['a', 'b', 'c'], gossip: ['a', 'b', 'c'], hungUp: [] as string[] }
  const resets: string[] = []
  const w = new GossipWatchdog({
    connected: () => state.connected,
    gossipPeers: () => state.gossip,
    hangUp: async (p) => {
      state.hungUp.push(p)
      state.connected = state.connected.filter((x) => x !== p)
    },
    graceMs: 10_000,
    now: () => state.now,
    logger: silentLogger(),
    onReset: (p) => resets.push(p),
  })
  return { state, w, resets }
}

describe('gossip watchdog', () => {
  it('hangs up a connected member that dropped out of gossip after the grace period', () => {
    const { state, w, resets } = setup()
    expect(w.tick()).toEqual([])
    // gossipsub removed peer b (stream error) while the connection stays open
    state.gossip = ['a', 'c']
    state.now = 2_000
    expect(w.tick()).toEqual([])
    state.now = 11_999
    expect(w.tick()).toEqual([])
    state.now = 12_000
    expect(w.tick()).toEqual(['b'])
    expect(state.hungUp).toEqual(['b'])
    expect(resets).toEqual(['b'])
    // reconnected: gossip works again, nothing more happens
    state.connected = ['a', 'b', 'c']
    state.gossip = ['a', 'b', 'c']
    state.now = 60_000
    expect(w.tick()).toEqual([])
    expect(state.hungUp).toEqual(['b'])
  })

  it('leaves a peer alone that recovers within the grace period or disconnects by itself', () => {
    const { state, w } = setup()
    state.gossip = ['a'] // b and c missing (e.g. a fresh connection before subscriptions arrive)
    expect(w.tick()).toEqual([])
    state.now = 5_000
    state.gossip = ['a', 'b']
    state.connected = ['a', 'b']
    expect(w.tick()).toEqual([])
    // c reconnects later: a new grace period starts
    state.connected = ['a', 'b', 'c']
    state.now = 20_000
    expect(w.tick()).toEqual([])
    state.now = 29_999
    expect(w.tick()).toEqual([])
    state.gossip = ['a', 'b', 'c']
    state.now = 40_000
    expect(w.tick()).toEqual([])
    expect(state.hungUp).toEqual([])
  })
})

describe('gossip watchdog with real hosts', () => {
  const TOPIC = 'watchdog-test'
  const seeds = ['a', 'b'].map((s) => keyPairFromSeed(`watchdog-${s}`).secretKey)
  let hosts: Host[] = []
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
  })

  async function host(seed: Uint8Array, members: string[]): Promise<Host> {
    const h = await memberHost(seed, members, { chainId: 'watchdog' })
    h.services.pubsub.subscribe(TOPIC)
    return h
  }

  async function until(cond: () => boolean, ms = 5000): Promise<boolean> {
    const end = Date.now() + ms
    while (Date.now() < end) {
      if (cond()) return true
      await new Promise((r) => setTimeout(r, 50))
    }
    return cond()
  }

  it('restores gossip with a connected peer that gossipsub dropped after a stream error', async () => {
    const ids = await Promise.all(seeds.map((s) => peerIdOfSeed(s)))
    const a = await host(seeds[0]!, [ids[1]!])
    const b = await host(seeds[1]!, [ids[0]!])
    hosts = [a, b]
    await a.dial(b.getMultiaddrs()[0]!)
    expect(await until(() => gossipPeersOf(a, TOPIC).includes(ids[1]!))).toBe(true)

    // What gossipsub does on a failing inbound stream (e.g. the sender aborted it on a write
    // buffer overflow): it forgets the peer, but the connection stays open.
    const pubsub = a.services.pubsub as unknown as {
      handlePeerReadStreamError(err: Error, peer: unknown): void
    }
    pubsub.handlePeerReadStreamError(new Error('stream reset'), peerIdFromString(ids[1]!))
    await new Promise((r) => setTimeout(r, 1500))
    const connected = () => a.getConnections().some((c) => c.remotePeer.toString() === ids[1])
    expect(connected()).toBe(true)
    expect(gossipPeersOf(a, TOPIC)).not.toContain(ids[1]) // gossipsub never recovers by itself

    let now = 0
    const w = new GossipWatchdog({
      connected: () => (connected() ? [ids[1]!] : []),
      gossipPeers: () => gossipPeersOf(a, TOPIC),
      hangUp: async (p) => {
        await a.hangUp(peerIdFromString(p))
      },
      graceMs: 10_000,
      now: () => now,
      logger: silentLogger(),
    })
    expect(w.tick()).toEqual([])
    now = 10_000
    expect(w.tick()).toEqual([ids[1]])
    expect(await until(() => !connected())).toBe(true)
    await a.dial(b.getMultiaddrs()[0]!) // what the member dialer does
    expect(await until(() => gossipPeersOf(a, TOPIC).includes(ids[1]!))).toBe(true)
    expect(await until(() => gossipPeersOf(b, TOPIC).includes(ids[0]!))).toBe(true)
  }, 20_000)
})
