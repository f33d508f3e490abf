/**
 * Every key prefix of a node's database, in one place. A key is `[bucket byte] ‖ rest`.
 * Heights in keys are 8-byte big-endian so that keys sort by height.
 *
 * | bucket          | key after the prefix          | value                                   |
 * |-----------------|-------------------------------|-----------------------------------------|
 * | meta            | utf-8 name                    | see `MetaKey`                           |
 * | blockByHeight   | height                        | canonical block bytes                   |
 * | heightByHash    | block hash                    | height                                  |
 * | certByHeight    | height                        | commit certificate of that block        |
 * | txIndex         | tx hash                       | encoded [height, index]                 |
 * | receipts        | height ‖ u32 index            | encoded receipt                         |
 * | stateNode       | hash of a page's top node     | state tree page below the frontier      |
 * |                 |                               | (state/node-codec.ts)                   |
 * | stateFrontier   | depth ‖ path prefix           | the subtree at that position: a leaf or |
 * |                 |                               | a page's hash (state/frontier.ts)       |
 * | stateValue      | raw state key                 | value bytes (flat copy for fast reads)  |
 * | validatorSets   | height                        | validator set in force at that height   |
 * | validatorSetChanges | height h                  | empty: V_{h+1} differs from V_h         |
 * | wal             | u64 sequence                  | consensus WAL record (network driver)   |
 * | evidencePool    | evidence hash                 | pending equivocation evidence           |
 * | app             | application-defined           | an application's own off-chain data     |
 */
import type { Slab } from '../bytes.js'

export const Bucket = {
  meta: 0x00,
  blockByHeight: 0x01,
  heightByHash: 0x02,
  certByHeight: 0x03,
  txIndex: 0x04,
  receipts: 0x05,
  stateNode: 0x06,
  stateValue: 0x07,
  validatorSets: 0x08,
  wal: 0x09,
  evidencePool: 0x0a,
  app: 0x0b,
  validatorSetChanges: 0x0c,
  stateFrontier: 0x0d,
} as const
export type Bucket = (typeof Bucket)[keyof typeof Bucket]

export const MetaKey = {
  /** Height of the last committed block (u64). */
  latestHeight: 'latestHeight',
  /** Hash of the genesis document this database was created from. */
  genesisHash: 'genesisHash',
  /** Root of the committed state (32 bytes). */
  stateRoot: 'stateRoot',
} as const

export function bucketKey(bucket: Bucket, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + rest.length)
  out[0] = bucket
  out.set(rest, 1)
  return out
}

/** `bucketKey(bucket, rest)` as a view into `slab` (keys of one batch, see `Slab`). */
export function bucketKeyIn(slab: Slab, bucket: Bucket, rest: Uint8Array): Uint8Array {
  const out = slab.take(1 + rest.length)
  out[0] = bucket
  out.set(rest, 1)
  return out
}

export function heightKey(bucket: Bucket, height: number): Uint8Array {
  const out = new Uint8Array(9)
  out[0] = bucket
  new DataView(out.buffer).setBigUint64(1, BigInt(height))
  return out
}

export function readHeightKey(key: Uint8Array): number {
  return Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1))
}

export function metaKey(name: (typeof MetaKey)[keyof typeof MetaKey]): Uint8Array {
  return bucketKey(Bucket.meta, new TextEncoder().encode(name))
}

/** The first key after every key of the bucket (exclusive upper bound for range reads). */
export function bucketEnd(bucket: Bucket): Uint8Array {
  return new Uint8Array([bucket + 1])
}
