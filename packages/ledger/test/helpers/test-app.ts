/**
 * A tiny Application for ledger tests: a key-value store writable by genesis accounts.
 *   test.put     payload [key, value]     sets key (text) to value (bytes)
 *   test.fail    payload anything         always rejected with TEST_REJECTED
 *   test.valset  payload [[pk, power]…]   orders a new validator set (applies at h + 2)
 *   test.members payload [id…]            replaces the member list with members of these ids
 */
import {
  decode,
  encode,
  GovchainError,
  readArray,
  readBytes,
  readText,
  readTuple,
  readUint,
  readVarBytes,
  toHex,
  utf8,
  type Application,
  type EndBlockResult,
  type Member,
  type Validator,
} from '../../src/index.js'

const accountKey = (pk: Uint8Array) => utf8.encode(`acct/${toHex(pk)}`)
const dataKey = (k: string) => utf8.encode(`data/${k}`)
const pendingKey = utf8.encode('pending/valset')
const pendingMembersKey = utf8.encode('pending/members')

export function createTestApp(): Application {
  let members: readonly Member[] = []
  return {
    name: 'test-kv',
    async initGenesis(genesis, state) {
      members = genesis.members
      for (const a of genesis.accounts) state.set(accountKey(a.publicKey), encode(a.member))
      state.set(utf8.encode('members'), encode(genesis.members.map((m) => m.id)))
    },
    async checkTx(tx, state) {
      if ((await state.get(accountKey(tx.sender))) === undefined)
        throw new GovchainError('TEST_FORBIDDEN', 'sender is not a genesis account')
    },
    async deliverTx(tx, _ctx, state) {
      if ((await state.get(accountKey(tx.sender))) === undefined)
        throw new GovchainError('TEST_FORBIDDEN', 'sender is not a genesis account')
      switch (tx.type) {
        case 'test.put': {
          const [k, v] = readTuple(decode(tx.payload, 4096, 'payload'), 'payload', 2)
          const key = readText(k, 'key', 64)
          state.set(dataKey(key), readVarBytes(v, 'value', 4096))
          return { events: [{ type: 'put', attributes: { key } }] }
        }
        case 'test.valset': {
          readArray(decode(tx.payload, 4096, 'payload'), 'validators', 16).forEach((v) => {
            const [pk, power] = readTuple(v, 'validator', 2)
            readBytes(pk, 'pk', 32)
            readUint(power, 'power')
          })
          state.set(pendingKey, tx.payload)
          return { events: [] }
        }
        case 'test.members':
          state.set(pendingMembersKey, tx.payload)
          return { events: [] }
        default:
          throw new GovchainError('TEST_REJECTED', `rejected ${tx.type}`)
      }
    },
    async endBlock(_ctx, state): Promise<EndBlockResult> {
      const out: { validators?: Validator[]; members?: Member[] } = {}
      const pending = await state.get(pendingKey)
      if (pending !== undefined) {
        state.delete(pendingKey)
        out.validators = (decode(pending, 4096) as [Uint8Array, number][]).map(([publicKey, power]) => ({
          publicKey,
          power,
        }))
      }
      const pendingMembers = await state.get(pendingMembersKey)
      if (pendingMembers !== undefined) {
        state.delete(pendingMembersKey)
        const ids = decode(pendingMembers, 4096) as string[]
        out.members = members.filter((m) => ids.includes(m.id))
      }
      return out
    },
    async query(path, params, state) {
      if (path !== 'get' || params.key === undefined)
        throw new GovchainError('TEST_BAD_QUERY', 'only get?key=… is supported')
      const value = await state.get(dataKey(params.key))
      return { value: value ?? null, proveKeys: [dataKey(params.key)] }
    },
  }
}

export const testDataKey = dataKey
