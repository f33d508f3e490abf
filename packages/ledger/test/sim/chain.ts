/**
 * The simulator's application: a block is a set of simulated transaction ids taken by the
 * proposer from its mempool, plus equivocation evidence; the state root of height h is
 * hash(root of h − 1, txs, evidence). Enough to make I2 (validity, scheduled proposer, every tx
 * submitted), I3 (no tx twice), I7 (same root per height) and I9 (evidence committed)
 * meaningful. `validateBlock` is this application's valid(v) (consensus.md rule 18).
 */
import { toHex, utf8 } from '../../src/bytes.js'
import { sha256 } from '../../src/crypto/index.js'
import { encode, readArray, readTuple, readUint, type Encodable } from '../../src/encoding.js'
import type { SignatureCheck } from '../../src/consensus/certificate.js'
import {
  checkEvidenceShape,
  createEvidenceFromBytes,
  type DuplicateVoteEvidence,
} from '../../src/consensus/evidence.js'
import type { ValidatorSet } from '../../src/validators.js'

export const GENESIS_KEY = toHex(sha256(utf8.encode('govchain-sim/genesis')))
export const GENESIS_ROOT = sha256(utf8.encode('govchain-sim/genesis-root'))

export type SimBlock = {
  readonly height: number
  /** The round this block was first proposed in: fixes its scheduled proposer. */
  readonly round: number
  readonly proposer: number
  readonly parent: string
  readonly timeMs: number
  readonly txs: readonly number[]
  readonly evidence: readonly DuplicateVoteEvidence[]
  readonly hash: Uint8Array
  readonly key: string
}

type BlockFields = Omit<SimBlock, 'hash' | 'key'>

export function makeBlock(f: BlockFields): SimBlock {
  const hash = sha256(encode(blockBody(f)))
  return { ...f, hash, key: toHex(hash) }
}

function blockBody(f: BlockFields): Encodable {
  return [
    'govchain-sim/block',
    f.height,
    f.round,
    f.proposer,
    f.parent,
    f.timeMs,
    [...f.txs],
    f.evidence.map((e) => e.serialize()),
  ]
}

/** For the WAL (rule 15 keeps the locked and valid values). */
export function blockEncodable(b: SimBlock): Encodable {
  return blockBody(b)
}

export function readBlock(value: unknown): SimBlock {
  const [, height, round, proposer, parent, timeMs, txs, evidence] = readTuple(value, 'sim block', 8)
  return makeBlock({
    height: readUint(height, 'height'),
    round: readUint(round, 'round'),
    proposer: readUint(proposer, 'proposer'),
    parent: parent as string,
    timeMs: readUint(timeMs, 'timeMs'),
    txs: readArray(txs, 'txs', 10_000) as number[],
    evidence: readArray(evidence, 'evidence', 1000).map((e) => createEvidenceFromBytes(e as Uint8Array)),
  })
}

export function evidenceKey(e: DuplicateVoteEvidence): string {
  return toHex(e.hash())
}

export function nextRoot(prev: Uint8Array, b: SimBlock): Uint8Array {
  return sha256(encode(['govchain-sim/root', prev, [...b.txs], b.evidence.map(evidenceKey)]))
}

export const CHAIN_LIMITS = { maxTxs: 6, maxEvidence: 8, maxEvidenceAge: 20, maxDriftMs: 2_000 } as const

export type ChainView = {
  readonly chainId: string
  readonly height: number
  readonly parent: { readonly key: string; readonly timeMs: number }
  readonly validators: ValidatorSet
  readonly committedTxs: ReadonlySet<number>
  readonly committedEvidence: ReadonlySet<string>
  readonly submittedBefore: number
  readonly now: number
  readonly check: SignatureCheck
}

/** valid(v) of this application; null when valid, else why not. */
export function validateBlock(b: SimBlock, v: ChainView): string | null {
  if (b.height !== v.height) return `height ${b.height} ≠ ${v.height}`
  if (b.parent !== v.parent.key) return 'wrong parent'
  if (b.round > 10_000 || b.proposer !== v.validators.proposerIndex(b.height, b.round))
    return 'not the scheduled proposer'
  if (b.timeMs <= v.parent.timeMs || b.timeMs > v.now + CHAIN_LIMITS.maxDriftMs)
    return 'time not monotonic or too far ahead'
  if (b.txs.length > CHAIN_LIMITS.maxTxs || b.evidence.length > CHAIN_LIMITS.maxEvidence)
    return 'block too large'
  const txs = new Set<number>()
  for (const tx of b.txs) {
    if (!Number.isSafeInteger(tx) || tx < 0 || tx >= v.submittedBefore) return `tx ${tx} was never submitted`
    if (v.committedTxs.has(tx) || txs.has(tx)) return `tx ${tx} committed twice`
    txs.add(tx)
  }
  const seen = new Set<string>()
  for (const e of b.evidence) {
    const key = evidenceKey(e)
    if (seen.has(key) || v.committedEvidence.has(key)) return 'evidence committed twice'
    seen.add(key)
    if (e.voteA.chainId !== v.chainId || !v.validators.has(e.validator)) return 'evidence from elsewhere'
    if (e.height >= b.height || e.height < b.height - CHAIN_LIMITS.maxEvidenceAge)
      return 'evidence too old or too new'
    try {
      checkEvidenceShape(e, v.check)
    } catch {
      return 'evidence does not prove an equivocation'
    }
  }
  return null
}

/**
 * Transactions: tx k is submitted at k · interval to one node and reaches every other node's
 * mempool after a deterministic pseudo-random delay (mempool gossip is not under test).
 */
export class TxSchedule {
  readonly intervalMs: number
  readonly #seed: number

  constructor(seed: number, intervalMs: number) {
    this.#seed = seed
    this.intervalMs = intervalMs
  }

  /** Number of transactions submitted at or before `now`: ids 0 … count − 1. */
  submittedBy(now: number): number {
    return Math.floor(now / this.intervalMs) + 1
  }

  arrival(tx: number, node: number): number {
    let h = (this.#seed ^ Math.imul(tx + 1, 0x9e3779b1) ^ Math.imul(node + 7, 0x85ebca6b)) >>> 0
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0
    return tx * this.intervalMs + (h % 400)
  }
}
