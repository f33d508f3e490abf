/**
 * An organisation's private store of the personal data behind its on-chain commitments: for
 * each record field, the value and its salt. It lives on a `KvStore` beside the member's node
 * (its own LevelDB, or the node database's `app` bucket) and is NEVER part of the chain state.
 *
 *   key   = prefix ‖ recordId ‖ 0x00 ‖ fieldName       value = encode([value, salt])
 *
 * `erase(recordId)` deletes every value and salt of a record; what remains on chain is
 * commitments that, without the salts, reveal nothing. It then compacts the record's key range
 * (`KvStore.compactRange`): LevelDB would otherwise keep the deleted values in its log and table
 * files until some later compaction merged them with their deletions. The matching `record.erase`
 * transaction records on chain that it happened.
 */
import {
  Bucket,
  bucketKey,
  concatBytes,
  decode,
  encode,
  readBytes,
  readText,
  readTuple,
  utf8,
  type KvStore,
} from '@govchain/ledger'
import {
  checkCommitmentInput,
  commitField,
  randomSalt,
  SALT_LENGTH,
  MAX_FIELD_VALUE_LENGTH,
  type Disclosure,
} from './commitments.js'
import { AppError, AppErrorCode } from './errors.js'
import type { Commitments } from './types.js'

export const DEFAULT_OFFCHAIN_PREFIX: Uint8Array = bucketKey(Bucket.app, utf8.encode('personal-data:'))

export type StoredField = { readonly value: string; readonly salt: Uint8Array }

export class OffchainStore {
  readonly #kv: KvStore
  readonly #prefix: Uint8Array
  readonly #randomSalt: () => Uint8Array

  constructor(kv: KvStore, opts: { prefix?: Uint8Array; randomSalt?: () => Uint8Array } = {}) {
    this.#kv = kv
    this.#prefix = opts.prefix ?? DEFAULT_OFFCHAIN_PREFIX
    this.#randomSalt = opts.randomSalt ?? randomSalt
  }

  #recordPrefix(recordId: string): Uint8Array {
    return concatBytes(this.#prefix, utf8.encode(recordId), new Uint8Array([0]))
  }

  #fieldKey(recordId: string, field: string): Uint8Array {
    return concatBytes(this.#recordPrefix(recordId), utf8.encode(field))
  }

  /**
   * Stores the values with fresh salts (replacing earlier values of the same fields, e.g. for an
   * amendment) and returns their commitments, ready for a transaction payload's `fields`.
   */
  async commit(recordId: string, values: Readonly<Record<string, string>>): Promise<Commitments> {
    const commitments: Record<string, Uint8Array> = {}
    const writes = Object.entries(values).map(([field, value]) => {
      checkCommitmentInput(recordId, field, value)
      const salt = this.#randomSalt()
      commitments[field] = commitField(recordId, field, salt, value)
      return { type: 'put' as const, key: this.#fieldKey(recordId, field), value: encode([value, salt]) }
    })
    await this.#kv.write(writes, { sync: true })
    return commitments
  }

  /** Every field held for the record (empty after erasure). */
  async fields(recordId: string): Promise<Record<string, StoredField>> {
    const prefix = this.#recordPrefix(recordId)
    const out: Record<string, StoredField> = {}
    for await (const [key, value] of this.#kv.range({ gte: prefix, lt: prefixEnd(prefix) })) {
      out[utf8.decode(key.subarray(prefix.length))] = readStoredField(value)
    }
    return out
  }

  /** A disclosure of one field, verifiable against the record's on-chain commitment. */
  async disclose(recordId: string, field: string): Promise<Disclosure> {
    const bytes = await this.#kv.get(this.#fieldKey(recordId, field))
    if (bytes === undefined) {
      throw new AppError(AppErrorCode.OFFCHAIN_MISSING, `no value held for ${recordId}.${field}`, {
        recordId,
        field,
      })
    }
    const { value, salt } = readStoredField(bytes)
    return { recordId, field, value, salt }
  }

  /**
   * Deletes every value and salt of the record, from the store's files too (see above); returns
   * how many fields were deleted.
   */
  async erase(recordId: string): Promise<number> {
    const prefix = this.#recordPrefix(recordId)
    const end = prefixEnd(prefix)
    const keys: Uint8Array[] = []
    for await (const [key] of this.#kv.range({ gte: prefix, lt: end })) keys.push(key)
    // Twice, around the deletions. A compaction drops a deleted value only when it merges the
    // value with its deletion, and LevelDB's CompactRange never compacts the deepest level that
    // holds the range. Were a value and its deletion still in the memtable together, its flush
    // could place both at such a level and nothing would merge them. Flushed first, the values
    // sit in table files; the deletions, flushed by the second call, land above those files,
    // and the second call compacts every level above the deepest one down into it.
    await this.#kv.compactRange?.(prefix, end)
    await this.#kv.write(
      keys.map((key) => ({ type: 'del' as const, key })),
      { sync: true },
    )
    await this.#kv.compactRange?.(prefix, end)
    return keys.length
  }
}

function readStoredField(bytes: Uint8Array): StoredField {
  try {
    const [value, salt] = readTuple(
      decode(bytes, 4 * MAX_FIELD_VALUE_LENGTH + 64, 'stored field'),
      'stored field',
      2,
    )
    return {
      value: readText(value, 'stored value', MAX_FIELD_VALUE_LENGTH),
      salt: readBytes(salt, 'stored salt', SALT_LENGTH),
    }
  } catch (e) {
    throw new AppError(AppErrorCode.CORRUPT_STATE, `off-chain store: ${(e as Error).message}`)
  }
}

/** The first key after every key starting with `prefix` (prefix ends in 0x00 here, never 0xff). */
function prefixEnd(prefix: Uint8Array): Uint8Array {
  const end = prefix.slice()
  end[end.length - 1]! += 1
  return end
}
