/**
 * Block validation: consensus.md rule 18 (and rule 17 for the embedded certificate), checked in
 * a fixed order so that the first failure is reported, as a coded error:
 *   1. header against parent: chain id, height, previous hash, time (monotonic, bounded)
 *   2. validator sets: this height's and the next height's hashes, the scheduled proposer
 *   3. size limits, tx root, evidence root
 *   4. the previous block's commit certificate (rule 17, against V_{h−1})
 *   5. evidence (conflicting, signed, by a validator of its height, not too old, not committed)
 *   6. every transaction: chain id, no duplicates, then all signatures as one batch
 *   7. execution (nonces, expiry, application rules) and the recomputed state and result roots
 */
import { equalBytes, toHex } from './bytes.js'
import { txRootOf, evidenceRootOf, type Block } from './block.js'
import { verifyCommitCertificate } from './consensus/certificate.js'
import { checkEvidenceShape, EvidenceError, EvidenceErrorCode } from './consensus/evidence.js'
import { GovchainError } from './errors.js'
import type { ChainParams } from './params.js'
import { TxError, TxErrorCode, type Transaction } from './tx.js'
import type { ValidatorSet } from './validators.js'

export const BlockErrorCode = {
  WRONG_CHAIN: 'BLOCK_WRONG_CHAIN',
  WRONG_HEIGHT: 'BLOCK_WRONG_HEIGHT',
  WRONG_PREV_HASH: 'BLOCK_WRONG_PREV_HASH',
  TIME_NOT_MONOTONIC: 'BLOCK_TIME_NOT_MONOTONIC',
  TIME_TOO_FAR_AHEAD: 'BLOCK_TIME_TOO_FAR_AHEAD',
  WRONG_VALIDATOR_SET: 'BLOCK_WRONG_VALIDATOR_SET',
  WRONG_NEXT_VALIDATOR_SET: 'BLOCK_WRONG_NEXT_VALIDATOR_SET',
  WRONG_PROPOSER: 'BLOCK_WRONG_PROPOSER',
  ROUND_AHEAD: 'BLOCK_ROUND_AHEAD',
  TOO_LARGE: 'BLOCK_TOO_LARGE',
  TOO_MANY_TXS: 'BLOCK_TOO_MANY_TXS',
  WRONG_TX_ROOT: 'BLOCK_WRONG_TX_ROOT',
  WRONG_EVIDENCE_ROOT: 'BLOCK_WRONG_EVIDENCE_ROOT',
  MISSING_LAST_COMMIT: 'BLOCK_MISSING_LAST_COMMIT',
  UNEXPECTED_LAST_COMMIT: 'BLOCK_UNEXPECTED_LAST_COMMIT',
  DUPLICATE_EVIDENCE: 'BLOCK_DUPLICATE_EVIDENCE',
  WRONG_STATE_ROOT: 'BLOCK_WRONG_STATE_ROOT',
  WRONG_RESULT_ROOT: 'BLOCK_WRONG_RESULT_ROOT',
} as const
export type BlockErrorCode = (typeof BlockErrorCode)[keyof typeof BlockErrorCode]
export class BlockError extends GovchainError<BlockErrorCode> {}

/** What a block is checked against: its parent and the validator sets around it. */
export type BlockValidationContext = {
  readonly chainId: string
  readonly params: ChainParams
  readonly parent: { readonly height: number; readonly hash: Uint8Array; readonly timeMs: number }
  /** V_{h−1}, to check the previous block's certificate (absent at height 1). */
  readonly lastValidators: ValidatorSet | null
  /** V_h */
  readonly validators: ValidatorSet
  /** V_{h+1} */
  readonly nextValidators: ValidatorSet
  /** Local clock, when validating a proposal (not when replaying committed blocks). */
  readonly nowMs?: number
  /** The consensus round in which the block is being considered: the header's round must not exceed it. */
  readonly round?: number
  /** Validator set at an earlier height (for evidence). */
  readonly validatorSetAt: (height: number) => Promise<ValidatorSet | undefined>
  /** Whether evidence with this hash is already committed. */
  readonly isEvidenceCommitted: (hash: Uint8Array) => Promise<boolean>
}

function fail(code: BlockErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new BlockError(code, message, details)
}

/** The parts of steps 1–5, as reported to `validateBlockStructure`'s `step` callback. */
export type StructureStep = 'header' | 'txRoot' | 'certificate' | 'evidence'

/**
 * Steps 1–5: everything that needs no signature batch and no execution. `step` is called after
 * each part (for timing): header and sizes, tx and evidence roots, certificate, evidence.
 */
export async function validateBlockStructure(
  block: Block,
  ctx: BlockValidationContext,
  step: (done: StructureStep) => void = () => {},
): Promise<void> {
  const h = block.header
  if (h.chainId !== ctx.chainId) fail(BlockErrorCode.WRONG_CHAIN, `block is for chain ${h.chainId}`)
  if (h.height !== ctx.parent.height + 1)
    fail(BlockErrorCode.WRONG_HEIGHT, `block height ${h.height}, expected ${ctx.parent.height + 1}`)
  if (!equalBytes(h.prevHash, ctx.parent.hash))
    fail(BlockErrorCode.WRONG_PREV_HASH, 'previous block hash does not match')
  if (h.timeMs <= ctx.parent.timeMs)
    fail(
      BlockErrorCode.TIME_NOT_MONOTONIC,
      `block time ${h.timeMs} is not after its parent's ${ctx.parent.timeMs}`,
    )
  if (ctx.nowMs !== undefined && h.timeMs > ctx.nowMs + ctx.params.maxClockDriftMs) {
    fail(
      BlockErrorCode.TIME_TOO_FAR_AHEAD,
      `block time is ${h.timeMs - ctx.nowMs} ms ahead of the local clock`,
    )
  }

  if (!equalBytes(h.validatorSetHash, ctx.validators.hash()))
    fail(BlockErrorCode.WRONG_VALIDATOR_SET, 'validator set hash does not match V_h')
  if (!equalBytes(h.nextValidatorSetHash, ctx.nextValidators.hash())) {
    fail(BlockErrorCode.WRONG_NEXT_VALIDATOR_SET, 'next validator set hash does not match V_{h+1}')
  }
  if (ctx.round !== undefined && h.round > ctx.round)
    fail(BlockErrorCode.ROUND_AHEAD, `block made in round ${h.round}, consensus is at ${ctx.round}`)
  if (!equalBytes(h.proposer, ctx.validators.proposer(h.height, h.round).publicKey)) {
    fail(
      BlockErrorCode.WRONG_PROPOSER,
      `proposer is not the one scheduled for height ${h.height} round ${h.round}`,
    )
  }

  const size = block.serialize().length
  if (size > ctx.params.maxBlockBytes)
    fail(BlockErrorCode.TOO_LARGE, `block is ${size} bytes; limit ${ctx.params.maxBlockBytes}`)
  if (block.txs.length > ctx.params.maxBlockTxs)
    fail(BlockErrorCode.TOO_MANY_TXS, `block has ${block.txs.length} transactions`)
  step('header')
  if (!equalBytes(h.txRoot, txRootOf(block.txs)))
    fail(BlockErrorCode.WRONG_TX_ROOT, 'tx root does not match the transactions')
  if (!equalBytes(h.evidenceRoot, evidenceRootOf(block.evidence)))
    fail(BlockErrorCode.WRONG_EVIDENCE_ROOT, 'evidence root does not match')
  step('txRoot')

  if (h.height === 1) {
    if (h.lastCommit !== null)
      fail(BlockErrorCode.UNEXPECTED_LAST_COMMIT, 'block 1 carries no previous certificate')
  } else {
    if (h.lastCommit === null || ctx.lastValidators === null)
      fail(BlockErrorCode.MISSING_LAST_COMMIT, 'previous block certificate missing')
    verifyCommitCertificate(h.lastCommit, ctx.lastValidators, {
      chainId: ctx.chainId,
      height: h.height - 1,
      blockHash: ctx.parent.hash,
    })
  }
  step('certificate')

  const seen = new Set<string>()
  for (const ev of block.evidence) {
    const id = toHex(ev.hash())
    if (seen.has(id)) fail(BlockErrorCode.DUPLICATE_EVIDENCE, 'evidence listed twice')
    seen.add(id)
    await validateEvidence(ev, h.height, ctx)
  }
  step('evidence')
}

async function validateEvidence(
  ev: Block['evidence'][number],
  height: number,
  ctx: BlockValidationContext,
): Promise<void> {
  if (ev.voteA.chainId !== ctx.chainId)
    throw new EvidenceError(EvidenceErrorCode.WRONG_CHAIN, 'evidence is for another chain')
  if (ev.height > height)
    throw new EvidenceError(EvidenceErrorCode.FROM_FUTURE, `evidence from future height ${ev.height}`)
  if (height - ev.height > ctx.params.maxEvidenceAgeBlocks)
    throw new EvidenceError(EvidenceErrorCode.TOO_OLD, `evidence from height ${ev.height} is too old`)
  const set = ev.height === height ? ctx.validators : await ctx.validatorSetAt(ev.height)
  if (set === undefined || !set.has(ev.validator)) {
    throw new EvidenceError(
      EvidenceErrorCode.UNKNOWN_VALIDATOR,
      'evidence signer was not a validator at that height',
    )
  }
  checkEvidenceShape(ev)
  if (await ctx.isEvidenceCommitted(ev.hash()))
    throw new EvidenceError(EvidenceErrorCode.ALREADY_COMMITTED, 'evidence already committed')
}

/** Stateless transaction checks of step 6 (before the signature batch): chain id and duplicates. */
export function validateBlockTxs(txs: readonly Transaction[], chainId: string): void {
  const seen = new Set<string>()
  txs.forEach((tx, i) => {
    if (tx.chainId !== chainId)
      throw new TxError(TxErrorCode.WRONG_CHAIN, `tx ${i} is for chain ${tx.chainId}`, { txIndex: i })
    const id = tx.hashHex()
    if (seen.has(id))
      throw new TxError(TxErrorCode.DUPLICATE, `tx ${i} appears twice in the block`, { txIndex: i })
    seen.add(id)
  })
}
