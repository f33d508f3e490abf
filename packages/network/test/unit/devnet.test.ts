import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { keyPairFromFile, parseGenesis, toHex } from '@govchain/ledger'
import { generateDevnet } from '../../src/devnet.js'
import { loadHome } from '../../src/config.js'
import { peerIdOfSeed } from '../../src/p2p/host.js'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'govchain-devnet-unit-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe('devnet generation', () => {
  it('writes homes, keys, genesis and network.json that agree with each other', async () => {
    const dir = tmp()
    const net = await generateDevnet({ nodes: 4, dir, basePort: 40_000 })
    expect(net.nodes.map((n) => n.api)).toEqual([0, 1, 2, 3].map((i) => `http://127.0.0.1:${40_000 + i}`))
    const genesis = parseGenesis(JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')))
    expect(new Set(net.nodes.map((n) => n.org)).size).toBe(4)
    for (const [i, n] of net.nodes.entries()) {
      const home = loadHome(n.home)
      expect(await peerIdOfSeed(home.nodeKey.secretKey)).toBe(n.peerId)
      expect(genesis.members.find((m) => m.id === n.org)?.peerIds).toEqual([n.peerId])
      expect(home.config.p2p.peers).toHaveLength(3)
      expect(toHex(home.validatorKey!.publicKey)).toBe(toHex(genesis.validators[i]!.publicKey))
    }
    for (const a of net.accounts) {
      const key = keyPairFromFile(JSON.parse(readFileSync(a.keyFile, 'utf8')))
      expect(genesis.accounts.some((g) => toHex(g.publicKey) === toHex(key.publicKey))).toBe(true)
    }
  })

  it('takes a whole genesis from an application hook', async () => {
    const dir = tmp()
    const net = await generateDevnet({
      nodes: 2,
      dir,
      basePort: 40_100,
      hooks: {
        accounts: () => [{ name: 'admin', org: 'alpha', roles: ['admin'] }],
        genesis: (ctx) => ({
          nodes: [
            { name: 'alpha-node', member: 'alpha' },
            { name: 'beta-node', member: 'beta' },
          ],
          genesis: {
            chainId: ctx.chainId,
            genesisTime: ctx.genesisTime,
            members: [
              { id: 'alpha', name: 'Alpha', roles: ['agency'], peerIds: [ctx.nodes[0]!.peerId] },
              { id: 'beta', name: 'Beta', roles: ['bank'], peerIds: [ctx.nodes[1]!.peerId] },
              { id: 'gamma', name: 'Gamma', roles: ['auditor'], peerIds: [] },
            ],
            validators: ctx.nodes.map((n, i) => ({
              publicKey: toHex(n.validatorPublicKey),
              power: 1,
              member: i === 0 ? 'alpha' : 'beta',
              name: `v${i}`,
            })),
            accounts: [
              { publicKey: toHex(ctx.accountKeys.admin!), member: 'alpha', roles: ['admin'], name: 'admin' },
            ],
            appState: { custom: true },
          },
        }),
      },
    })
    expect(net.nodes.map((n) => [n.name, n.org])).toEqual([
      ['alpha-node', 'alpha'],
      ['beta-node', 'beta'],
    ])
    const genesis = parseGenesis(JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8')))
    expect(genesis.members.map((m) => m.id)).toEqual(['alpha', 'beta', 'gamma'])
    expect(genesis.appState).toEqual({ custom: true })
  })
})
