/**
 * A block: header, transactions (each embedded as its own canonical bytes, so a node hashes and
 * verifies exactly what the sender signed) and equivocation evidence.
 */
import { readEvidence, type DuplicateVoteEvidence } from './consensus/evidence.js'
import { decode, encode, readArray, readEnvelope, readVarBytes, type Encodable } from './encoding.js'
import { readHeader, type BlockHeader } from './header.js'
import { merkleRoot } from './merkle.js'
import { DEFAULT_CHAIN_PARAMS, type ChainParams } from './params.js'
import { createTxFromBytes, type Transaction } from './tx.js'

export const BLOCK_DOMAIN = 'govchain/block'
export const BLOCK_VERSION = 1

export class Block {
  readonly header: BlockHeader
  readonly txs: readonly Transaction[]
  readonly evidence: readonly DuplicateVoteEvidence[]
  #bytes: Uint8Array | undefined

  constructor(
    header: BlockHeader,
    txs: readonly Transaction[],
    evidence: readonly DuplicateVoteEvidence[],
    bytes?: Uint8Array,
  ) {
    this.header = header
    this.txs = Object.freeze([...txs])
    this.evidence = Object.freeze([...evidence])
    this.#bytes = bytes
    Object.freeze(this)
  }

  get height(): number {
    return this.header.height
  }

  hash(): Uint8Array {
    return this.header.hash()
  }

  hashHex(): string {
    return this.header.hashHex()
  }

  encodable(): Encodable {
    return [
      BLOCK_DOMAIN,
      BLOCK_VERSION,
      this.header.encodable(),
      this.txs.map((t) => t.serialize()),
      this.evidence.map((e) => e.encodable()),
    ]
  }

  serialize(): Uint8Array {
    return (this.#bytes ??= encode(this.encodable()))
  }

  toJSON() {
    return {
      hash: this.hashHex(),
      header: this.header.toJSON(),
      txs: this.txs.map((t) => t.hashHex()),
      evidence: this.evidence.map((e) => e.toJSON()),
    }
  }
}

export function txRootOf(txs: readonly Transaction[]): Uint8Array {
  return merkleRoot(txs.map((t) => t.hash()))
}

export function evidenceRootOf(evidence: readonly DuplicateVoteEvidence[]): Uint8Array {
  return merkleRoot(evidence.map((e) => e.hash()))
}

/**
 * Strictly decodes a block: canonical bytes, every transaction and evidence item well formed.
 * Signatures, roots and rules are checked by `validateBlock`, not here.
 */
export function createBlockFromBytes(bytes: Uint8Array, params: ChainParams = DEFAULT_CHAIN_PARAMS): Block {
  const [header, txs, evidence] = readEnvelope(
    decode(bytes, params.maxBlockBytes, 'block'),
    BLOCK_DOMAIN,
    BLOCK_VERSION,
    3,
  )
  return new Block(
    readHeader(header),
    readArray(txs, 'block.txs', params.maxBlockTxs).map((t, i) =>
      createTxFromBytes(readVarBytes(t, `block.txs[${i}]`, params.maxTxBytes), params.maxTxBytes),
    ),
    readArray(evidence, 'block.evidence', params.maxBlockEvidence).map((e) => readEvidence(e)),
    bytes,
  )
}
