import { keyPairFromFile, keyPairToFile, parseGenesis, toHex } from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildDemoGenesis,
  createGovApplication,
  DEMO_ACCOUNTS,
  DEMO_MEMBERS,
  demoGenesisAppState,
  generateDemoAccountKeys,
} from '../../src/index.js'
import { demoGenesisJson, key, MemState, TestChain } from '../harness.js'

async function init(json: Record<string, unknown>): Promise<MemState> {
  const state = new MemState()
  await createGovApplication().initGenesis(parseGenesis(json), state)
  return state
}

describe('genesis', () => {
  it('the demo alliance: 7 organisations, every demo account, catalogues and programmes', async () => {
    const chain = await TestChain.create(demoGenesisJson(4))
    const members = (await chain.query('members')).value as {
      id: string
      roles: string[]
      peerIds: string[]
    }[]
    expect(members.map((m) => m.id).sort()).toEqual(DEMO_MEMBERS.map((m) => m.id).sort())
    const withNodes = members.filter((m) => m.peerIds.length > 0).map((m) => m.id)
    expect(withNodes.sort()).toEqual(['bank-north', 'bank-south', 'city-licensing', 'civil-registry'])
    expect((await chain.query('validators')).value).toHaveLength(4)
    for (const a of DEMO_ACCOUNTS) {
      const acct = (await chain.query('account', { publicKey: toHex(key(a.name).publicKey) })).value
      expect(acct).toMatchObject({ name: a.name, member: a.org, roles: a.roles, status: 'active' })
    }
    const config = (await chain.query('config')).value
    expect(config).toEqual({
      licenceKinds: demoGenesisAppState().licenceKinds,
      certificateKinds: demoGenesisAppState().certificateKinds,
      maxVotingPeriod: 1000,
    })
    expect((await chain.record('SUB-CHILDCARE-2025')).history[0]).toMatchObject({
      action: 'genesis',
      height: 0,
      to: 'open',
    })
  })

  it('nodes beyond seven go to members again; node names are unique; account key files work', () => {
    const accounts = generateDemoAccountKeys()
    const {
      genesis,
      accounts: out,
      nodes,
    } = buildDemoGenesis({
      chainId: 'govchain-devnet',
      genesisTime: '2025-01-01T00:00:00.000Z',
      nodes: Array.from({ length: 8 }, (_, i) => ({
        peerId: `peer-${i}`,
        validatorPublicKey: key(`v${i}`).publicKey,
      })),
      accountKeys: Object.fromEntries(accounts.map((a) => [a.spec.name, a.keyPair.publicKey])),
    })
    expect(nodes.map((n) => n.name)).toContain('city-licensing-node-2')
    expect(new Set(nodes.map((n) => n.name)).size).toBe(8)
    expect(parseGenesis(genesis).validators).toHaveLength(8)
    expect(out).toHaveLength(DEMO_ACCOUNTS.length)
    const file = keyPairToFile(accounts[0]!.keyPair)
    expect(toHex(keyPairFromFile(JSON.parse(JSON.stringify(file))).publicKey)).toBe(out[0]!.publicKey)
  })

  it('buildDemoGenesis refuses unknown account names and members', () => {
    const base = {
      chainId: 'c',
      genesisTime: '2025-01-01T00:00:00.000Z',
      nodes: [{ peerId: 'p', validatorPublicKey: key('v').publicKey }],
    }
    expect(() => buildDemoGenesis({ ...base, accountKeys: { mallory: key('m').publicKey } })).toThrow(
      expect.objectContaining({ code: AppErrorCode.BAD_GENESIS }),
    )
    expect(() =>
      buildDemoGenesis({ ...base, nodes: [{ ...base.nodes[0]!, member: 'nobody' }], accountKeys: {} }),
    ).toThrow(expect.objectContaining({ code: AppErrorCode.BAD_GENESIS }))
  })

  it('initGenesis is deterministic', async () => {
    expect((await init(demoGenesisJson())).snapshot()).toEqual((await init(demoGenesisJson())).snapshot())
  })

  it('an empty appState is fine', async () => {
    const json = { ...demoGenesisJson(), appState: {} }
    const chain = await TestChain.create(json)
    expect((await chain.query('config')).value).toEqual({
      licenceKinds: {},
      certificateKinds: {},
      maxVotingPeriod: 10_000,
    })
  })

  const app = demoGenesisAppState()
  const programme = app.subsidyProgrammes[0]!
  it.each([
    ['an unknown appState field', { ...app, fees: 1 }],
    ['kinds for a bank', { ...app, licenceKinds: { 'bank-north': ['x'] } }],
    ['kinds for an unknown member', { ...app, certificateKinds: { nobody: ['x'] } }],
    ['a malformed kind', { ...app, licenceKinds: { 'city-licensing': ['Bad Kind'] } }],
    ['a repeated kind', { ...app, licenceKinds: { 'city-licensing': ['a', 'a'] } }],
    ['kinds not a list', { ...app, licenceKinds: { 'city-licensing': 'a' } }],
    ['a programme of a bank', { ...app, subsidyProgrammes: [{ ...programme, agency: 'bank-north' }] }],
    ['a programme with budget 0', { ...app, subsidyProgrammes: [{ ...programme, budget: 0 }] }],
    ['a programme with a bad currency', { ...app, subsidyProgrammes: [{ ...programme, currency: 'euro' }] }],
    ['a programme with an extra field', { ...app, subsidyProgrammes: [{ ...programme, owner: 'x' }] }],
    ['a programme listed twice', { ...app, subsidyProgrammes: [programme, programme] }],
    ['maxVotingPeriod 0', { ...app, maxVotingPeriod: 0 }],
  ])('refuses %s with APP_BAD_GENESIS', async (_what, appState) => {
    await expect(init({ ...demoGenesisJson(), appState })).rejects.toMatchObject({
      code: AppErrorCode.BAD_GENESIS,
    })
  })

  it.each([
    ['an unknown account role', ['superuser']],
    ['a role that does not fit the organisation', ['loan-officer']],
    ['a repeated role', ['admin', 'admin']],
  ])('refuses a genesis account with %s', async (_what, roles) => {
    const json = demoGenesisJson() as { accounts: { name: string; roles: string[] }[] }
    const accounts = json.accounts.map((a) => (a.name === 'licensing-officer' ? { ...a, roles } : a))
    await expect(init({ ...json, accounts })).rejects.toMatchObject({ code: AppErrorCode.BAD_GENESIS })
  })
})
