/** Key files and network.json: every bad input is a coded ClientError. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { keyPairToFile, toHex } from '@govchain/ledger'
import { LocalNetwork, readKeyFile, writeNewKeyFile } from '../../src/index.js'

const dir = mkdtempSync(join(tmpdir(), 'govchain-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

const good = keyPairToFile(writeNewKeyFile(join(dir, 'good.json')))

describe('key files', () => {
  it('writes a fresh key (0600) that reads back, and does not overwrite one unless forced', () => {
    const p = join(dir, 'k.json')
    const key = writeNewKeyFile(p)
    expect(statSync(p).mode & 0o777).toBe(0o600)
    expect(toHex(readKeyFile(p).publicKey)).toBe(toHex(key.publicKey))
    expect(() => writeNewKeyFile(p)).toThrowError(expect.objectContaining({ code: 'CLIENT_BAD_KEY_FILE' }))
    expect(toHex(writeNewKeyFile(p, { force: true }).publicKey)).not.toBe(toHex(key.publicKey))
  })

  it.each<[string, () => string]>([
    ['a missing file', () => join(dir, 'nope.json')],
    ['not JSON', () => file('a.json', '{')],
    ['not a key file', () => file('b.json', '{"type":"rsa"}')],
    ['a short secret key', () => file('c.json', JSON.stringify({ ...good, secretKey: 'abcd' }))],
    [
      'a public key of another secret',
      () => file('d.json', JSON.stringify({ ...good, publicKey: '00'.repeat(32) })),
    ],
  ])('refuses %s with CLIENT_BAD_KEY_FILE', (_what, path) => {
    expect(() => readKeyFile(path())).toThrowError(expect.objectContaining({ code: 'CLIENT_BAD_KEY_FILE' }))
  })
})

describe('LocalNetwork', () => {
  const network = {
    chainId: 'c',
    nodes: [{ name: 'n0', org: 'o', peerId: 'p', api: 'http://127.0.0.1:1', p2p: '', pid: null, home: dir }],
    accounts: [{ name: 'alice', org: 'o', roles: ['admin'], keyFile: join(dir, 'good.json') }],
  }

  it('loads network.json from a directory and gives clients, accounts and the genesis', () => {
    const sub = mkdtempSync(join(dir, 'net-'))
    writeFileSync(join(sub, 'network.json'), JSON.stringify(network))
    writeFileSync(join(sub, 'genesis.json'), '{"chainId":"c"}')
    const net = LocalNetwork.load(sub)
    expect(net.client('n0').baseUrl).toBe('http://127.0.0.1:1')
    expect(net.account('alice').publicKey).toBe(good.publicKey)
    expect(net.genesis()).toEqual({ chainId: 'c' })
    expect(() => net.client(3)).toThrowError(expect.objectContaining({ code: 'CLIENT_BAD_NETWORK_FILE' }))
  })

  it.each<[string, () => string]>([
    ['a missing file', () => join(dir, 'none', 'network.json')],
    ['not JSON', () => file('n1.json', 'x')],
    ['no nodes', () => file('n2.json', JSON.stringify({ ...network, nodes: [] }))],
    ['a node without api', () => file('n3.json', JSON.stringify({ ...network, nodes: [{ name: 'x' }] }))],
    [
      'an account without key file',
      () => file('n4.json', JSON.stringify({ ...network, accounts: [{ name: 'a', roles: [] }] })),
    ],
  ])('refuses %s with CLIENT_BAD_NETWORK_FILE', (_what, path) => {
    expect(() => LocalNetwork.load(path())).toThrowError(
      expect.objectContaining({ code: 'CLIENT_BAD_NETWORK_FILE' }),
    )
  })
})
