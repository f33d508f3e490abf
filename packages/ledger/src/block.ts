/**
 * A block: header, transactions (each embedded as its own canonical bytes, so a node hashes and
 * verifies exactly what the sender signed) and equivocation evidence.
 */
import { decodeFirst } from 'cborg'
import { readEvidence, type DuplicateVoteEvidence } from './consensus/evidence.js'
import {
  decode,
  DECODE_OPTIONS,
  encode,
  readArray,
  readEnvelope,
  readVarBytes,
  type Encodable,
} from './encoding.js'
import { DecodeError, DecodeErrorCode } from './errors.js'
import { readHeader, type BlockHeader } from './header.js'
import { merkleRoot, merkleRootOfPacked } from './merkle.js'
import { DEFAULT_CHAIN_PARAMS, type ChainParams } from './params.js'
import { createTxFromBytes, Transaction } from './tx.js'

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
  return merkleRootOfPacked(Transaction.hashAll(txs))
}

export function evidenceRootOf(evidence: readonly DuplicateVoteEvidence[]): Uint8Array {
  return merkleRoot(evidence.map((e) => e.hash()))
}

/**
 * Strictly decodes a block: canonical bytes, every transaction and evidence item well formed.
 * Signatures, roots and rules are checked by `validateBlock`, not here.
 */
export function createBlockFromBytes(bytes: Uint8Array, params: ChainParams = DEFAULT_CHAIN_PARAMS): Block {
  // Transactions are views into the block's bytes, which the block keeps (one allocation instead
  // of one per transaction, ~0.3 KB each). The header and evidence get bytes of their own: a
  // header outlives its block (the chain's head, certificates), and must not pin its bytes.
  const [header, txs, evidence] = readEnvelope(
    decode(bytes, params.maxBlockBytes, 'block', { byteViews: true }),
    BLOCK_DOMAIN,
    BLOCK_VERSION,
    3,
  ).map((part, i) => (i === 1 ? part : copyByteStrings(part)))
  return new Block(
    readHeader(header),
    readArray(txs, 'block.txs', params.maxBlockTxs).map((t, i) =>
      createTxFromBytes(readVarBytes(t, `block.txs[${i}]`, params.maxTxBytes), params.maxTxBytes),
    ),
    readArray(evidence, 'block.evidence', params.maxBlockEvidence).map((e) => readEvidence(e)),
    bytes,
  )
}

/** `value` with every byte string in it copied (decoded values: arrays, maps, scalars). */
function copyByteStrings(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.slice()
  if (Array.isArray(value)) return value.map(copyByteStrings)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyByteStrings(v)]))
  }
  return value
}

/**
 * The bytes of transaction `index` of a stored block (canonical, as committed), without decoding
 * the others (see `txBytesInBlockRange`). Undefined when the block has no such transaction;
 * malformed bytes fail with a coded DecodeError.
 */
export function txBytesInBlock(bytes: Uint8Array, index: number): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || index < 0) return undefined
  return txBytesInBlockRange(bytes, index, 1).txs[0]
}

/**
 * The bytes of transactions `from` … `from + limit − 1` of a stored block (fewer at its end)
 * and its transaction count, without decoding the others: the envelope's first three items are
 * read (the header with cborg's `decodeFirst`), the transactions before `from` are byte strings
 * skipped by their lengths. Malformed bytes fail with a coded DecodeError.
 */
export function txBytesInBlockRange(
  bytes: Uint8Array,
  from: number,
  limit: number,
): { total: number; txs: Uint8Array[] } {
  const fail = (why: string): never => {
    throw new DecodeError(DecodeErrorCode.MALFORMED_CBOR, `stored block: ${why}`)
  }
  let at = 0
  /** Reads a CBOR head of major type `major`: its argument (a length or count). */
  const head = (major: number): number => {
    const first = bytes[at]
    if (first === undefined || first >> 5 !== major) fail(`expected major type ${major} at byte ${at}`)
    const info = first! & 0x1f
    at++
    if (info < 24) return info
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 0
    if (size === 0 || at + size > bytes.length) fail(`unsupported head at byte ${at - 1}`)
    let value = 0
    for (let i = 0; i < size; i++) value = value * 256 + bytes[at++]!
    return value
  }
  if (head(4) !== 5) fail('envelope is not a 5-item array')
  const domainLength = head(3)
  at += domainLength
  head(0) // version
  try {
    const [, rest] = decodeFirst(bytes.subarray(at), DECODE_OPTIONS) // header
    at = bytes.length - rest.length
  } catch (e) {
    fail(`header: ${(e as Error).message}`)
  }
  const total = head(4)
  const txs: Uint8Array[] = []
  if (!Number.isSafeInteger(from) || from < 0 || from >= total) return { total, txs }
  const end = Math.min(total, from + Math.max(0, limit))
  for (let i = 0; i < end; i++) {
    const length = head(2) // read before `at` is added to: head() moves it
    if (at + length > bytes.length) fail('transaction runs past the end')
    if (i >= from) txs.push(bytes.slice(at, at + length))
    at += length
  }
  return { total, txs }
}
