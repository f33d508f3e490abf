/**
 * The network across Linux network namespaces (one per node, veth pairs on a bridge), with
 * partitions made by taking a node's link down — closer to separate machines than loopback.
 * Runs only where `ip netns` works (root on Linux); skipped elsewhere.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Cluster } from './helpers/cluster.js'

const ID = String(process.pid % 1000)
const SUBNET = `10.77.${process.pid % 250}`
const BRIDGE = `gcbr${ID}`
const ns = (i: number) => `gc${ID}-${i}`
const veth = (i: number) => `gcv${ID}x${i}`
const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' })

function netnsAvailable(): boolean {
  try {
    ip('netns', 'add', `gc${ID}-probe`)
    ip('netns', 'del', `gc${ID}-probe`)
    return true
  } catch {
    return false
  }
}

function setUp(n: number): void {
  ip('link', 'add', BRIDGE, 'type', 'bridge')
  ip('addr', 'add', `${SUBNET}.254/24`, 'dev', BRIDGE)
  ip('link', 'set', BRIDGE, 'up')
  for (let i = 0; i < n; i++) {
    ip('netns', 'add', ns(i))
    ip('link', 'add', veth(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns(i))
    ip('link', 'set', veth(i), 'master', BRIDGE)
    ip('link', 'set', veth(i), 'up')
    ip('-n', ns(i), 'addr', 'add', `${SUBNET}.${i + 1}/24`, 'dev', 'eth0')
    ip('-n', ns(i), 'link', 'set', 'eth0', 'up')
    ip('-n', ns(i), 'link', 'set', 'lo', 'up')
  }
}

function tearDown(n: number): void {
  for (let i = 0; i < n; i++) {
    try {
      ip('netns', 'del', ns(i))
    } catch {
      // already gone
    }
  }
  try {
    ip('link', 'del', BRIDGE)
  } catch {
    // already gone
  }
}

const link = (i: number, state: 'up' | 'down') => ip('link', 'set', veth(i), state)
const ALL = [0, 1, 2, 3]
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.skipIf(!netnsAvailable())('network namespaces and partitions', () => {
  let c: Cluster
  beforeAll(async () => {
    setUp(4)
    c = await Cluster.start(4, {
      hosts: ALL.map((i) => `${SUBNET}.${i + 1}`),
      wrap: (i) => ['ip', 'netns', 'exec', ns(i)],
    })
    await c.waitForHeight(ALL, 2, 60_000)
  })
  afterAll(async () => {
    await c?.cleanup()
    tearDown(4)
  })

  it('keeps committing with one node cut off; the node catches up when its link returns', async () => {
    link(3, 'down')
    const h0 = await c.height(0)
    await c.waitForHeight([0, 1, 2], h0 + 3, 60_000)
    link(3, 'up')
    const target = await c.height(0)
    await c.waitForHeight([3], target, 90_000)
    const chains = await Promise.all(ALL.map((i) => c.chainOf(i, target)))
    for (const ch of chains.slice(1)) expect(ch).toEqual(chains[0])
  })

  it('stops with two of four cut off (no fork on either side), resumes when the partition heals', async () => {
    link(2, 'down')
    link(3, 'down')
    await sleep(1500)
    const stuck = Math.max(await c.height(0), await c.height(1))
    await sleep(5000)
    expect(Math.max(await c.height(0), await c.height(1))).toBeLessThanOrEqual(stuck + 1)
    link(2, 'up')
    link(3, 'up')
    await c.waitForHeight(ALL, stuck + 3, 90_000)
    const h = Math.min(...(await Promise.all(ALL.map((i) => c.height(i)))))
    const chains = await Promise.all(ALL.map((i) => c.chainOf(i, h)))
    for (const ch of chains.slice(1)) expect(ch).toEqual(chains[0])
  })
})
