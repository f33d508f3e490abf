/**
 * The consensus write-ahead log (consensus.md rule 15), in the ledger's `Bucket.wal`: one record
 * per signed message — the state machine's snapshot (h, r, step, lock, valid value), the signed
 * step and, for an own proposal, the block's bytes — appended with `sync: true` BEFORE the
 * message leaves the node. On restart the records of the height in progress rebuild the state
 * machine and the signer's last step (so it never signs a conflicting message). Records of
 * heights below the last committed one are pruned.
 *
 * Key: `Bucket.wal ‖ u64 sequence`. Value: canonical CBOR
 * `["govchain/wal", 1, snapshot | null, signedStep, blockBytes | null]`.
 */
import {
  Bucket,
  bucketEnd,
  decode,
  encode,
  heightKey,
  readEnvelope,
  readHeightKey,
  readOptional,
  readSignedStep,
  readSnapshot,
  readVarBytes,
  signedStepEncodable,
  snapshotEncodable,
  type ConsensusSnapshot,
  type KvStore,
  type SignedStep,
} from '@govchain/ledger'

export const WAL_DOMAIN = 'govchain/wal'
export const WAL_VERSION = 1
const MAX_WAL_RECORD = 256 * 1024 * 1024

export type WalRecord = {
  readonly snapshot: ConsensusSnapshot | null
  readonly step: SignedStep
  readonly block: Uint8Array | null
}

export class Wal {
  readonly #store: KvStore
  #next = 0

  constructor(store: KvStore) {
    this.#store = store
  }

  /**
   * All records in order. A record that does not decode (a torn write; LevelDB batches are
   * atomic, so only a damaged disk could make one) ends the log: it and anything after it is
   * deleted, which is safe because such a message never left the node.
   */
  async load(): Promise<WalRecord[]> {
    const out: WalRecord[] = []
    const bad: Uint8Array[] = []
    for await (const [key, value] of this.#store.range({
      gte: heightKey(Bucket.wal, 0),
      lt: bucketEnd(Bucket.wal),
    })) {
      this.#next = readHeightKey(key) + 1
      if (bad.length > 0) {
        bad.push(key)
        continue
      }
      try {
        const [snap, step, block] = readEnvelope(
          decode(value, MAX_WAL_RECORD, 'wal record'),
          WAL_DOMAIN,
          WAL_VERSION,
          3,
        )
        out.push({
          snapshot: readOptional(snap, readSnapshot),
          step: readSignedStep(step),
          block: readOptional(block, (b) => readVarBytes(b, 'wal.block', MAX_WAL_RECORD)),
        })
      } catch {
        bad.push(key)
      }
    }
    if (bad.length > 0)
      await this.#store.write(
        bad.map((key) => ({ type: 'del' as const, key })),
        { sync: true },
      )
    return out
  }

  /** Appends and fsyncs one record. */
  async append(record: WalRecord): Promise<void> {
    const value = encode([
      WAL_DOMAIN,
      WAL_VERSION,
      record.snapshot === null ? null : snapshotEncodable(record.snapshot),
      signedStepEncodable(record.step),
      record.block,
    ])
    await this.#store.write([{ type: 'put', key: heightKey(Bucket.wal, this.#next++), value }], {
      sync: true,
    })
  }

  /** Deletes records of heights below `height` (not synced: losing a prune is harmless). */
  async prune(height: number): Promise<void> {
    const dels: Uint8Array[] = []
    for await (const [key, value] of this.#store.range({
      gte: heightKey(Bucket.wal, 0),
      lt: bucketEnd(Bucket.wal),
    })) {
      let h: number
      try {
        const [, step] = readEnvelope(decode(value, MAX_WAL_RECORD, 'wal record'), WAL_DOMAIN, WAL_VERSION, 3)
        h = readSignedStep(step).height
      } catch {
        h = 0
      }
      if (h >= height) break
      dels.push(key)
    }
    if (dels.length > 0) await this.#store.write(dels.map((key) => ({ type: 'del' as const, key })))
  }
}
