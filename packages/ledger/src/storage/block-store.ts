/**
 * Reads and writes of committed blocks. A block commit ends with ONE atomic, synced batch that
 * makes it the head (hash → height, its commit certificate, tx index, the validator set of its
 * height, the state's flat values and page deletions, the new latest height and state root);
 * the bulk that nothing can reach before that batch (new state pages, block bytes, receipts) is
 * written just before it, in synced segments (see `commit`).
 */
import { createBlockFromBytes, txBytesInBlockRange, type Block } from '../block.js'
import { createTxFromBytes, type Transaction } from '../tx.js'
import { equalBytes, Slab } from '../bytes.js'
import { createCommitCertificateFromBytes, type CommitCertificate } from '../consensus/certificate.js'
import { decode, encode, readTuple, readUint } from '../encoding.js'
import type { ChainParams } from '../params.js'
import type { Receipt } from '../application.js'
import { decodeReceipt } from '../receipt.js'
import type { KvWrite, KvWrites } from '../state/types.js'
import { createValidatorSetFromBytes, type ValidatorSet } from '../validators.js'
import { Bucket, bucketEnd, bucketKey, heightKey, metaKey, MetaKey } from './buckets.js'
import { SegmentedWriter, StorageError, StorageErrorCode, type KvStore } from './kv.js'
import { joinWrites, KvWriteList } from './write-list.js'

export type TxLocation = { readonly height: number; readonly index: number }

export type BlockCommit = {
  readonly block: Block
  readonly certificate: CommitCertificate
  /** The receipts, encoded (`encodeReceipt`) as execution hashed them into the result root. */
  readonly receiptBytes: readonly Uint8Array[]
  readonly validators: ValidatorSet
  readonly stateRoot: Uint8Array
  readonly stateWrites: KvWrites
}

/**
 * Stages the state-tree page puts among a block's state writes (content-addressed: unreachable
 * until the commit) and returns the rest, for the final batch. The tree stages its own pages at
 * `prepare`, and its write list says so without being read through; an update prepared elsewhere
 * carries them as puts.
 */
async function stagePagePuts(writes: KvWrites, staged: SegmentedWriter): Promise<KvWrites> {
  if (writes instanceof KvWriteList && !writes.hasPutsStartingWith(Bucket.stateNode)) return writes
  const rest = new KvWriteList()
  for (const w of writes) {
    if (w.type !== 'put' || w.key[0] !== Bucket.stateNode) rest.push(w)
    else if (staged.add(w)) await staged.flush()
  }
  return rest
}

function receiptKey(
  height: number,
  index: number,
  prefix = heightKey(Bucket.receipts, height),
  key: Uint8Array = new Uint8Array(13),
): Uint8Array {
  key.set(prefix)
  key[9] = index >>> 24
  key[10] = (index >>> 16) & 0xff
  key[11] = (index >>> 8) & 0xff
  key[12] = index & 0xff
  return key
}

function u64(n: number): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, BigInt(n))
  return out
}

function readU64(b: Uint8Array): number {
  return Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0))
}

export class BlockStore {
  constructor(readonly kv: KvStore) {}

  async latestHeight(): Promise<number> {
    const b = await this.kv.get(metaKey(MetaKey.latestHeight))
    return b === undefined ? 0 : readU64(b)
  }

  async getMeta(name: (typeof MetaKey)[keyof typeof MetaKey]): Promise<Uint8Array | undefined> {
    return this.kv.get(metaKey(name))
  }

  metaWrite(name: (typeof MetaKey)[keyof typeof MetaKey], value: Uint8Array): KvWrite {
    return { type: 'put', key: metaKey(name), value }
  }

  async getBlockBytes(height: number): Promise<Uint8Array | undefined> {
    return this.kv.get(heightKey(Bucket.blockByHeight, height))
  }

  async getBlock(height: number, params: ChainParams): Promise<Block | undefined> {
    const bytes = await this.getBlockBytes(height)
    if (bytes === undefined) return undefined
    try {
      return createBlockFromBytes(bytes, params)
    } catch (e) {
      throw new StorageError(
        StorageErrorCode.CORRUPT,
        `stored block ${height} does not decode: ${(e as Error).message}`,
      )
    }
  }

  /**
   * Transactions `from` … `from + limit − 1` of block `height` and its transaction count,
   * decoding only those (a page of a large block).
   */
  async getTxs(
    height: number,
    from: number,
    limit: number,
    params: ChainParams,
  ): Promise<{ total: number; txs: Transaction[] } | undefined> {
    const bytes = await this.getBlockBytes(height)
    if (bytes === undefined) return undefined
    try {
      const { total, txs } = txBytesInBlockRange(bytes, from, limit)
      return { total, txs: txs.map((t) => createTxFromBytes(t, params.maxTxBytes)) }
    } catch (e) {
      throw new StorageError(
        StorageErrorCode.CORRUPT,
        `stored block ${height} does not decode: ${(e as Error).message}`,
      )
    }
  }

  /** Transaction `index` of block `height`, decoding only that transaction. */
  async getTx(height: number, index: number, params: ChainParams): Promise<Transaction | undefined> {
    return (await this.getTxs(height, index, 1, params))?.txs[0]
  }

  async getHeightByHash(hash: Uint8Array): Promise<number | undefined> {
    const b = await this.kv.get(bucketKey(Bucket.heightByHash, hash))
    return b === undefined ? undefined : readU64(b)
  }

  async getCertificate(height: number): Promise<CommitCertificate | undefined> {
    const b = await this.kv.get(heightKey(Bucket.certByHeight, height))
    return b === undefined ? undefined : createCommitCertificateFromBytes(b)
  }

  async getTxLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    const b = await this.kv.get(bucketKey(Bucket.txIndex, txHash))
    if (b === undefined) return undefined
    const [height, index] = readTuple(decode(b, 32, 'tx location'), 'tx location', 2)
    return { height: readUint(height, 'height'), index: readUint(index, 'index') }
  }

  async getReceipt(height: number, index: number): Promise<Receipt | undefined> {
    const b = await this.kv.get(receiptKey(height, index))
    return b === undefined ? undefined : decodeReceipt(b).receipt
  }

  async getValidatorSet(height: number): Promise<ValidatorSet | undefined> {
    const b = await this.kv.get(heightKey(Bucket.validatorSets, height))
    return b === undefined ? undefined : createValidatorSetFromBytes(b)
  }

  /** Heights h whose V_{h+1} differs from V_h, ascending (light clients need these headers). */
  async validatorSetChangeHeights(): Promise<number[]> {
    const out: number[] = []
    for await (const [key] of this.kv.range({
      gte: heightKey(Bucket.validatorSetChanges, 0),
      lt: new Uint8Array([Bucket.validatorSetChanges + 1]),
    })) {
      out.push(readU64(key.subarray(1)))
    }
    return out
  }

  /**
   * Commits a block. What no reader can reach before the commit completes is written first, in
   * synced segments of about `COMMIT_SEGMENT_BYTES`: the state tree's new pages (content-addressed:
   * the committed tree does not link them) and the block's bytes and receipts (under the new
   * height, which readers reach only through the tx index, the certificate or `latestHeight`).
   * Then ONE atomic synced batch makes the block the head: flat state values, replaced pages
   * deleted, hash → height, certificate, validator set, tx index, latest height and state root,
   * and whatever of the bulk did not fill a segment (so a block of up to a few thousand
   * transactions commits in one synced write).
   *
   * A crash between the two leaves only unreachable entries, which a commit of the same block
   * rewrites and `removeUncommitted` deletes. Segments keep LevelDB from holding the whole
   * block's writes at once (a 50,000-tx block's batch is ~70 MB; in one write LevelDB holds it
   * twice, as the batch and in the memtable); every segment is synced so that on power loss no
   * later write survives an earlier one.
   */
  async commit(c: BlockCommit, extra: readonly KvWrite[] = []): Promise<void> {
    const { block } = c
    const height = block.height
    const staged = new SegmentedWriter(this.kv)
    const stateWrites = await stagePagePuts(c.stateWrites, staged)
    staged.add({ type: 'put', key: heightKey(Bucket.blockByHeight, height), value: block.serialize() })
    const receiptPrefix = heightKey(Bucket.receipts, height)
    // The receipt keys as views into shared buffers: one allocation per 64 KB rather than an
    // array per transaction. The tx index goes compactly in the final batch (write-list.ts).
    const slab = new Slab()
    const final = new KvWriteList()
    for (let index = 0; index < block.txs.length; index++) {
      const tx = block.txs[index]!
      const receipt = c.receiptBytes[index]!
      const key = receiptKey(height, index, receiptPrefix, slab.take(13))
      if (staged.add({ type: 'put', key, value: receipt })) await staged.flush()
      final.putCopy(tx.hash(), encode([height, index]), Bucket.txIndex)
    }
    // What did not fill a segment goes in the final batch: a block of up to a few thousand
    // transactions commits in one synced write.
    final.add(staged.take())

    final.put(block.hash(), u64(height), Bucket.heightByHash)
    final.put(heightKey(Bucket.certByHeight, height), c.certificate.serialize())
    final.put(heightKey(Bucket.validatorSets, height), c.validators.serialize())
    if (!equalBytes(block.header.validatorSetHash, block.header.nextValidatorSetHash)) {
      final.put(heightKey(Bucket.validatorSetChanges, height), new Uint8Array(0))
    }
    final.push(this.metaWrite(MetaKey.latestHeight, u64(height)))
    final.push(this.metaWrite(MetaKey.stateRoot, c.stateRoot))
    final.add(extra)
    await this.kv.write(joinWrites(stateWrites, final), { sync: true })
  }

  /**
   * Deletes the block bytes and receipts above the latest height: what a commit that crashed
   * before its final batch left behind (Chain.open calls this). Returns how many were deleted.
   */
  async removeUncommitted(): Promise<number> {
    const above = (await this.latestHeight()) + 1
    const dels: KvWrite[] = []
    for (const bucket of [Bucket.blockByHeight, Bucket.receipts]) {
      for await (const [key] of this.kv.range({ gte: heightKey(bucket, above), lt: bucketEnd(bucket) })) {
        dels.push({ type: 'del', key })
      }
    }
    await this.kv.write(dels, { sync: true })
    return dels.length
  }
}
