/**
 * A real chain in memory for the explorer's verdict tests: 4 validators, and a small application
 * whose records look like the government app's (id, status, personal fields as commitments,
 * history entries) — the network package cannot import the real one. Blocks are built, certified
 * by all four validators and committed, so its proofs are real light-client bundles.
 */
import {
  Chain,
  createCommitCertificate,
  createSignedTx,
  decode,
  encode,
  generateKeyPair,
  genesisToJSON,
  jsonSafe,
  openMemoryStore,
  parseGenesis,
  readMap,
  readText,
  sha256,
  signVote,
  SparseMerkleTree,
  stateProofBundleToJSON,
  toHex,
  utf8,
  VoteType,
  type Application,
  type Encodable,
  type KeyPair,
  type StateWriter,
} from '@govchain/ledger'
import { createBuiltinKvApp, KV_PUT, kvPutPayload } from '../../src/builtin-kv-app.js'

const recordKey = (id: string) => utf8.encode(`rec:${id}`)
const historyKey = (id: string, n: number) => utf8.encode(`hist:${id}\0${n}`)

type StoredRecord = {
  id: string
  status: string
  fields: Record<string, Uint8Array>
  historyLength: number
}

/** `rec.set` with `{ id, status }`: creates or moves a record and appends a history entry. */
export function createRecordApp(): Application {
  const read = async (state: { get(k: Uint8Array): Promise<Uint8Array | undefined> }, id: string) => {
    const bytes = await state.get(recordKey(id))
    return bytes === undefined ? undefined : (decode(bytes, 1 << 20) as StoredRecord)
  }
  return {
    name: 'record-test-app',
    async initGenesis() {},
    async checkTx() {},
    async deliverTx(tx, ctx, state: StateWriter) {
      const m = readMap(decode(tx.payload, 4096), 'payload')
      const id = readText(m.id, 'id', 64)
      const status = readText(m.status, 'status', 32)
      const old = await read(state, id)
      const rec: StoredRecord = {
        id,
        status,
        fields: old?.fields ?? { name: sha256(utf8.encode(`salt|${id}|name`)) },
        historyLength: (old?.historyLength ?? 0) + 1,
      }
      state.set(recordKey(id), encode(rec as unknown as Encodable))
      state.set(
        historyKey(id, rec.historyLength - 1),
        encode({ seq: rec.historyLength - 1, height: ctx.height, from: old?.status ?? null, to: status }),
      )
      return { events: [{ type: 'rec.set', attributes: { id, status } }] }
    },
    async query(path, params, state) {
      const id = params.id ?? ''
      const rec = await read(state, id)
      if (rec === undefined) return { value: null, proveKeys: [recordKey(id)] }
      const history: Encodable[] = []
      const keys = [recordKey(id)]
      for (let n = 0; n < rec.historyLength; n++) {
        history.push(decode((await state.get(historyKey(id, n)))!, 4096) as Encodable)
        keys.push(historyKey(id, n))
      }
      return {
        value: {
          record: rec as unknown as Encodable,
          effectiveStatus: rec.status,
          history,
          height: state.height,
        },
        proveKeys: keys,
      }
    },
  }
}

export type RecordChain = {
  chain: Chain
  genesisJson: Record<string, unknown>
  set(id: string, status: string): Promise<void>
  /** What `GET /v1/records/:id?prove=true` answers. */
  answer(id: string): Promise<{ id: string; height: number; record: unknown; proof: unknown }>
}

/**
 * `records`: the small record application above; `kv`: the network's built-in key-value
 * application (`set(id, status)` puts the status as the value; the history is inside the record).
 */
export async function openRecordChain(
  chainId = 'verdict-test',
  flavour: 'records' | 'kv' = 'records',
): Promise<RecordChain> {
  const validators = Array.from({ length: 4 }, () => generateKeyPair())
  const writer = generateKeyPair()
  const genesis = parseGenesis({
    chainId,
    genesisTime: '2026-01-01T00:00:00.000Z',
    members: validators.map((_, i) => ({ id: `org-${i}`, name: `Org ${i}`, roles: ['agency'], peerIds: [] })),
    validators: validators.map((k, i) => ({
      publicKey: toHex(k.publicKey),
      power: 1,
      member: `org-${i}`,
      name: `node-${i}`,
    })),
    accounts: [{ publicKey: toHex(writer.publicKey), member: 'org-0', roles: ['writer'], name: 'writer' }],
    appState: {},
  })
  const chain = await Chain.open({
    store: await openMemoryStore(),
    genesis,
    app: flavour === 'kv' ? createBuiltinKvApp() : createRecordApp(),
    openStateTree: (store, root) => SparseMerkleTree.open(store, root),
  })
  const keyOf = (pk: Uint8Array): KeyPair => validators.find((k) => toHex(k.publicKey) === toHex(pk))!
  let nonce = 0
  return {
    chain,
    genesisJson: genesisToJSON(genesis),
    async set(id, status) {
      const tx = createSignedTx(
        {
          chainId,
          sender: writer.publicKey,
          nonce: nonce++,
          type: flavour === 'kv' ? KV_PUT : 'rec.set',
          payload: flavour === 'kv' ? kvPutPayload(id, status) : encode({ id, status }),
          expiryHeight: null,
        },
        writer.secretKey,
      )
      const height = chain.height + 1
      const set = chain.nextValidators
      const { executed } = await chain.buildBlock({
        candidates: [tx],
        proposer: set.proposer(height, 0).publicKey,
        round: 0,
        timeMs: chain.head.timeMs + 1000,
      })
      const hash = executed.block.hash()
      const votes = set.validators.map((v) => {
        const k = keyOf(v.publicKey)
        return signVote(
          { chainId, type: VoteType.PRECOMMIT, height, round: 0, blockHash: hash },
          k.secretKey,
          k.publicKey,
        )
      })
      await chain.commitBlock(await chain.validateBlock(executed.block), createCommitCertificate(set, votes))
    },
    async answer(id) {
      const r = await chain.query('record', { id }, { prove: true })
      return {
        id,
        height: r.height,
        record: jsonSafe(r.value as Encodable),
        proof: stateProofBundleToJSON(r.proof!),
      }
    },
  }
}
