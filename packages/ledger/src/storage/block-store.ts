/**
 * Reads and writes of committed blocks. A block commit is ONE atomic, synced batch: block bytes,
 * hash → height, its commit certificate, tx index, receipts, the validator set of its height,
 * the state tree's writes and the new latest height and state root.
 */
import { createBlockFromBytes, type Block } from '../block.js'
import { equalBytes } from '../bytes.js'
import { createCommitCertificateFromBytes, type CommitCertificate } from '../consensus/certificate.js'
import { decode, encode, readTuple, readUint } from '../encoding.js'
import type { ChainParams } from '../params.js'
import type { Receipt } from '../application.js'
import { decodeReceipt, encodeReceipt } from '../receipt.js'
import type { KvWrite } from '../state/types.js'
import { createValidatorSetFromBytes, type ValidatorSet } from '../validators.js'
import { Bucket, bucketKey, heightKey, metaKey, MetaKey } from './buckets.js'
import { StorageError, StorageErrorCode, type KvStore } from './kv.js'

export type TxLocation = { readonly height: number; readonly index: number }

export type BlockCommit = {
  readonly block: Block
  readonly certificate: CommitCertificate
  readonly receipts: readonly Receipt[]
  /** The receipts already encoded (`encodeReceipt`), when execution kept them: not encoded again. */
  readonly receiptBytes?: readonly Uint8Array[]
  readonly validators: ValidatorSet
  readonly stateRoot: Uint8Array
  readonly stateWrites: readonly KvWrite[]
}

function receiptKey(height: number, index: number): Uint8Array {
  const key = new Uint8Array(13)
  key.set(heightKey(Bucket.receipts, height))
  new DataView(key.buffer).setUint32(9, index)
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

  /** The batch that commits a block, in one atomic synced write. */
  async commit(c: BlockCommit, extra: readonly KvWrite[] = []): Promise<void> {
    const { block } = c
    const height = block.height
    const writes: KvWrite[] = [
      ...c.stateWrites,
      { type: 'put', key: heightKey(Bucket.blockByHeight, height), value: block.serialize() },
      { type: 'put', key: bucketKey(Bucket.heightByHash, block.hash()), value: u64(height) },
      { type: 'put', key: heightKey(Bucket.certByHeight, height), value: c.certificate.serialize() },
      { type: 'put', key: heightKey(Bucket.validatorSets, height), value: c.validators.serialize() },
    ]
    block.txs.forEach((tx, index) => {
      writes.push({ type: 'put', key: bucketKey(Bucket.txIndex, tx.hash()), value: encode([height, index]) })
      writes.push({
        type: 'put',
        key: receiptKey(height, index),
        value: c.receiptBytes?.[index] ?? encodeReceipt(tx.hash(), c.receipts[index]!),
      })
    })
    if (!equalBytes(block.header.validatorSetHash, block.header.nextValidatorSetHash)) {
      writes.push({
        type: 'put',
        key: heightKey(Bucket.validatorSetChanges, height),
        value: new Uint8Array(0),
      })
    }
    writes.push(this.metaWrite(MetaKey.latestHeight, u64(height)))
    writes.push(this.metaWrite(MetaKey.stateRoot, c.stateRoot))
    writes.push(...extra)
    await this.kv.write(writes, { sync: true })
  }
}
