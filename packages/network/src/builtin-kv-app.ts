/**
 * A minimal built-in application so the network can be tried before the government-services
 * application is plugged in: a key-value record store.
 *
 *   tx type `kv.put`, payload canonical CBOR `{ key, value }` (key: identifier ≤ 64 chars,
 *   value: text ≤ 4 KiB). Any genesis account may write (others get 403 KV_UNAUTHORISED).
 *   Records keep their last 16 versions. Query `record` with `{ id }` returns
 *   `{ id, value, version, height, history }` and proves the record's state key.
 */
import {
  decode,
  encode,
  GovchainError,
  readIdent,
  readMap,
  readText,
  toHex,
  utf8,
  type Application,
  type BlockContext,
  type Encodable,
  type Genesis,
  type QueryResult,
  type QueryState,
  type Receipt,
  type StateReader,
  type StateWriter,
  type Transaction,
} from '@govchain/ledger'

export const KV_PUT = 'kv.put'
export const MAX_KV_VALUE = 4096
const HISTORY = 16

export const KvAppErrorCode = {
  UNKNOWN_TYPE: 'KV_UNKNOWN_TYPE',
  BAD_PAYLOAD: 'KV_BAD_PAYLOAD',
  UNAUTHORISED: 'KV_UNAUTHORISED',
  UNKNOWN_QUERY: 'KV_UNKNOWN_QUERY',
  BAD_GENESIS: 'KV_BAD_GENESIS',
} as const
export type KvAppErrorCode = (typeof KvAppErrorCode)[keyof typeof KvAppErrorCode]
export class KvAppError extends GovchainError<KvAppErrorCode> {}

const accountKey = (pk: Uint8Array) => utf8.encode(`acct/${toHex(pk)}`)
const recordKey = (id: string) => utf8.encode(`rec/${id}`)

export type KvRecord = {
  id: string
  value: string
  version: number
  height: number
  history: { value: string; height: number }[]
}

/** Builds the payload of a `kv.put` transaction. */
export function kvPutPayload(key: string, value: string): Uint8Array {
  return encode({ key, value })
}

function readPut(tx: Transaction): { key: string; value: string } {
  if (tx.type !== KV_PUT)
    throw new KvAppError(KvAppErrorCode.UNKNOWN_TYPE, `unknown transaction type ${tx.type}`)
  try {
    const m = readMap(decode(tx.payload, MAX_KV_VALUE + 256, 'kv.put payload'), 'kv.put payload')
    const keys = Object.keys(m)
    if (keys.length !== 2 || !('key' in m) || !('value' in m))
      throw new KvAppError(KvAppErrorCode.BAD_PAYLOAD, 'payload must be { key, value }')
    return { key: readIdent(m.key, 'key', 64), value: readText(m.value, 'value', MAX_KV_VALUE) }
  } catch (e) {
    if (e instanceof KvAppError) throw e
    throw new KvAppError(KvAppErrorCode.BAD_PAYLOAD, (e as Error).message)
  }
}

async function authorise(tx: Transaction, state: StateReader): Promise<void> {
  if ((await state.get(accountKey(tx.sender))) === undefined)
    throw new KvAppError(KvAppErrorCode.UNAUTHORISED, 'sender is not an authorised account')
}

function decodeRecord(bytes: Uint8Array): KvRecord {
  return decode(bytes, 1 << 20, 'kv record') as KvRecord
}

export function createBuiltinKvApp(): Application {
  return {
    name: 'builtin-kv',
    async initGenesis(genesis: Genesis, state: StateWriter): Promise<void> {
      const app = genesis.appState
      if (app === null || typeof app !== 'object' || Array.isArray(app) || app instanceof Uint8Array)
        throw new KvAppError(KvAppErrorCode.BAD_GENESIS, 'appState must be an object')
      for (const k of Object.keys(app))
        if (k !== 'records')
          throw new KvAppError(KvAppErrorCode.BAD_GENESIS, `appState has an unknown field ${k}`)
      for (const a of genesis.accounts) state.set(accountKey(a.publicKey), encode([...a.roles]))
      const records = (app as { records?: Encodable }).records
      if (records !== undefined) {
        const m = readMap(records, 'appState.records')
        for (const [id, value] of Object.entries(m)) {
          const rec: KvRecord = {
            id: readIdent(id, 'record id', 64),
            value: readText(value, 'record value', MAX_KV_VALUE),
            version: 1,
            height: 0,
            history: [],
          }
          state.set(recordKey(id), encode(rec))
        }
      }
    },
    async checkTx(tx: Transaction, state: StateReader): Promise<void> {
      readPut(tx)
      await authorise(tx, state)
    },
    async deliverTx(tx: Transaction, ctx: BlockContext, state: StateWriter): Promise<Receipt> {
      const { key, value } = readPut(tx)
      await authorise(tx, state)
      const old = await state.get(recordKey(key))
      const prev = old === undefined ? undefined : decodeRecord(old)
      const history = prev === undefined ? [] : [{ value: prev.value, height: prev.height }, ...prev.history]
      const rec: KvRecord = {
        id: key,
        value,
        version: (prev?.version ?? 0) + 1,
        height: ctx.height,
        history: history.slice(0, HISTORY),
      }
      state.set(recordKey(key), encode(rec as unknown as Encodable))
      return { events: [{ type: 'kv.put', attributes: { key, version: String(rec.version) } }] }
    },
    async query(
      path: string,
      params: Readonly<Record<string, string>>,
      state: QueryState,
    ): Promise<QueryResult> {
      if (path !== 'record') throw new KvAppError(KvAppErrorCode.UNKNOWN_QUERY, `unknown query ${path}`)
      const id = readIdent(params.id, 'id', 64)
      const bytes = await state.get(recordKey(id))
      return {
        value: bytes === undefined ? null : (decodeRecord(bytes) as unknown as Encodable),
        proveKeys: [recordKey(id)],
      }
    },
  }
}
