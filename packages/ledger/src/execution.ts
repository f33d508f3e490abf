/**
 * Generic block execution: runs an `Application` over a block's transactions on top of the
 * committed state and returns the state changes, receipts and result root. The ledger's envelope
 * rules run here too (chain id, expiry, per-sender nonce), as do the system-state updates
 * (committed evidence, validator-set rotation, members). Signatures are checked before, in batch
 * (validation.ts) or at mempool admission.
 */
import type { Application, BlockContext, TxRejection } from './application.js'
import { equalBytes } from './bytes.js'
import { APP_NAMESPACE, decodeNonce, encodeMembers, readNonce, SystemKey } from './chain-state.js'
import type { DuplicateVoteEvidence } from './consensus/evidence.js'
import { encode } from './encoding.js'
import { GovchainError, isGovchainError } from './errors.js'
import { encodeReceipt, resultRootOfEncoded } from './receipt.js'
import { StateOverlay, prefixedWriter } from './state/overlay.js'
import { isPending, type StateChange, type StateReader } from './state/types.js'
import { TxError, TxErrorCode, type Transaction } from './tx.js'
import { ValidatorSet } from './validators.js'

export const APP_INTERNAL_ERROR = 'APP_INTERNAL_ERROR'

export type BlockExecution = {
  /** Transactions executed, in order (all of them when validating; the accepted ones when building). */
  readonly txs: readonly Transaction[]
  /**
   * The receipts' canonical encodings (`encodeReceipt`), in the order of `txs`: hashed into the
   * result root and stored (`decodeReceipt` gives a receipt back). A receipt is encoded as soon
   * as its transaction succeeds, so a block's receipt objects die young instead of living through
   * the whole block (a 50,000-transaction block's were ~15 MB of old-generation heap).
   */
  readonly receiptBytes: readonly Uint8Array[]
  /** Only when building: transactions dropped with their errors (indices into the candidates). */
  readonly rejected: readonly TxRejection[]
  readonly changes: readonly StateChange[]
  readonly resultRoot: Uint8Array
}

export type ExecuteBlockInput = {
  readonly app: Application
  /** The committed state before this block (full key space). */
  readonly state: StateReader
  readonly ctx: BlockContext
  readonly txs: readonly Transaction[]
  readonly evidence: readonly DuplicateVoteEvidence[]
  /** `validate`: the first failing transaction fails the block; `build`: it is dropped and reported. */
  readonly mode: 'validate' | 'build'
}

/** Ledger envelope rules that depend on state: chain id, expiry, nonce. */
export async function checkTxEnvelope(
  tx: Transaction,
  state: StateReader,
  chainId: string,
  height: number,
): Promise<void> {
  checkChainAndExpiry(tx, chainId, height)
  checkNonce(tx, await readNonce(state, tx.sender))
}

function checkChainAndExpiry(tx: Transaction, chainId: string, height: number): void {
  if (tx.chainId !== chainId)
    throw new TxError(TxErrorCode.WRONG_CHAIN, `transaction is for chain ${tx.chainId}, not ${chainId}`)
  if (tx.expiryHeight !== null && height > tx.expiryHeight) {
    throw new TxError(TxErrorCode.EXPIRED, `transaction expired at height ${tx.expiryHeight}`)
  }
}

function checkNonce(tx: Transaction, expected: number): void {
  if (tx.nonce !== expected)
    throw new TxError(TxErrorCode.BAD_NONCE, `nonce ${tx.nonce}, expected ${expected}`, { expected })
}

function asCoded(e: unknown): GovchainError {
  return isGovchainError(e)
    ? e
    : new GovchainError(APP_INTERNAL_ERROR, `application failed: ${(e as Error)?.message ?? String(e)}`)
}

function withTxIndex(e: GovchainError, index: number): GovchainError {
  return new GovchainError(e.code, `tx ${index}: ${e.message}`, { ...e.details, txIndex: index })
}

export async function executeBlock(input: ExecuteBlockInput): Promise<BlockExecution> {
  const { app, ctx, mode } = input
  const block = new StateOverlay(input.state, { cacheReads: true })
  const appView = prefixedWriter(block, APP_NAMESPACE)
  if (app.beginBlock) await app.beginBlock(ctx, appView)

  const txs: Transaction[] = []
  const receiptBytes: Uint8Array[] = []
  const rejected: TxRejection[] = []
  const seen = new Set<string>()
  for (let i = 0; i < input.txs.length; i++) {
    const tx = input.txs[i]!
    // The transaction's writes go to the block overlay as one unit: kept if it succeeds,
    // undone if it throws (as a child overlay merged on success, without the copying).
    block.begin()
    try {
      const id = tx.hashHex()
      if (seen.has(id)) throw new TxError(TxErrorCode.DUPLICATE, 'transaction appears twice in the block')
      // checkTxEnvelope, reading the nonce without waiting when it is at hand (most are).
      checkChainAndExpiry(tx, ctx.chainId, ctx.height)
      const nonceKey = SystemKey.nonce(tx.sender)
      const stored = block.getNow(nonceKey)
      checkNonce(tx, decodeNonce(isPending(stored) ? await stored : stored))
      const receipt = await app.deliverTx(tx, ctx, appView)
      block.set(nonceKey, encode(tx.nonce + 1))
      block.keep()
      seen.add(id)
      txs.push(tx)
      receiptBytes.push(encodeReceipt(tx.hash(), receipt))
    } catch (e) {
      block.rollback()
      const error = withTxIndex(asCoded(e), i)
      if (mode === 'validate') throw error
      rejected.push({ index: i, error })
    }
  }

  for (const ev of input.evidence) block.set(SystemKey.evidence(ev.hash()), encode(ctx.height))

  const end = app.endBlock ? await app.endBlock(ctx, appView) : {}
  await rotateValidatorSets(block, end.validators ? new ValidatorSet(end.validators) : undefined)
  if (end.members) block.set(SystemKey.members, encodeMembers(end.members))

  return {
    txs,
    receiptBytes,
    rejected,
    changes: block.changes(),
    resultRoot: resultRootOfEncoded(receiptBytes),
  }
}

/** current ← next ← after-next ← (update ?? after-next); writes only what changes. */
async function rotateValidatorSets(state: StateOverlay, update: ValidatorSet | undefined): Promise<void> {
  const [current, next, afterNext] = await Promise.all([
    state.get(SystemKey.validatorsCurrent),
    state.get(SystemKey.validatorsNext),
    state.get(SystemKey.validatorsAfterNext),
  ])
  const setIfChanged = (key: Uint8Array, old: Uint8Array | undefined, value: Uint8Array | undefined) => {
    if (value !== undefined && (old === undefined || !equalBytes(old, value))) state.set(key, value)
  }
  setIfChanged(SystemKey.validatorsCurrent, current, next)
  setIfChanged(SystemKey.validatorsNext, next, afterNext)
  if (update) setIfChanged(SystemKey.validatorsAfterNext, afterNext, update.serialize())
}
