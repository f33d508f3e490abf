/**
 * Batch signature verification for a block's transactions, and the verified-signature cache
 * that lets a transaction checked at mempool admission skip re-verification in the block.
 * The cache is keyed by tx hash, which covers the signature (tx.ts).
 */
import { verifyAsync } from './crypto/index.js'
import { Transaction, TxError, TxErrorCode } from './tx.js'

export type SignedItem = {
  readonly publicKey: Uint8Array
  readonly message: Uint8Array
  readonly signature: Uint8Array
}

/** Verifies many signatures; verdicts in input order. Implementations may spread work over cores. */
export interface SignatureBatchVerifier {
  verifyBatch(items: readonly SignedItem[]): Promise<boolean[]>
}

/** node:crypto's asynchronous verify: OpenSSL on libuv's thread pool, no worker code. */
export const threadPoolVerifier: SignatureBatchVerifier = {
  verifyBatch: (items) => Promise.all(items.map((i) => verifyAsync(i.publicKey, i.message, i.signature))),
}

export class SignatureCache {
  readonly #seen = new Set<string>()
  readonly #limit: number

  constructor(limit = 200_000) {
    this.#limit = limit
  }

  has(tx: Transaction): boolean {
    return this.#seen.has(tx.hashHex())
  }

  add(tx: Transaction): void {
    if (this.#seen.size >= this.#limit) {
      // Drop the oldest half (Sets iterate in insertion order).
      let drop = this.#limit >> 1
      for (const k of this.#seen) {
        if (drop-- <= 0) break
        this.#seen.delete(k)
      }
    }
    this.#seen.add(tx.hashHex())
  }

  get size(): number {
    return this.#seen.size
  }

  clear(): void {
    this.#seen.clear()
  }
}

/**
 * The transactions' signatures as verifier items, their signed bytes cut into one buffer
 * (`Transaction.signingBytesOfAll`) rather than an array per transaction.
 */
export function signedItemsOf(txs: readonly Transaction[]): SignedItem[] {
  const messages = Transaction.signingBytesOfAll(txs)
  return txs.map((tx, i) => ({ publicKey: tx.sender, message: messages[i]!, signature: tx.signature }))
}

/**
 * Checks every transaction's signature (those not in the cache) as one batch; throws
 * TX_BAD_SIGNATURE naming the first bad one. Verified transactions are added to the cache.
 */
export async function verifyTxSignatures(
  txs: readonly Transaction[],
  verifier: SignatureBatchVerifier = threadPoolVerifier,
  cache?: SignatureCache,
): Promise<void> {
  const pending: number[] = []
  // The cache is keyed by tx hash: compute the block's hashes together, in one buffer.
  if (cache !== undefined && txs.length > 1) Transaction.hashAll(txs)
  txs.forEach((tx, i) => {
    if (cache === undefined || !cache.has(tx)) pending.push(i)
  })
  if (pending.length === 0) return
  const verdicts = await verifier.verifyBatch(signedItemsOf(pending.map((i) => txs[i]!)))
  const bad = verdicts.indexOf(false)
  if (bad >= 0) {
    const index = pending[bad]!
    throw new TxError(TxErrorCode.BAD_SIGNATURE, `tx ${index} has an invalid signature`, { txIndex: index })
  }
  if (cache) for (const i of pending) cache.add(txs[i]!)
}

/**
 * Verifies, as one batch, the signatures of the transactions in `txs` that `cache` does not hold
 * yet, and adds the valid ones to it; an invalid one is only counted (whoever checks that
 * transaction reports it). Returns how many it verified and how many of them were invalid. For
 * admission of many transactions at once: each is then checked alone and finds its signature in
 * the cache, while the verification itself ran on the verifier's threads.
 */
export async function cacheValidSignatures(
  txs: readonly Transaction[],
  verifier: SignatureBatchVerifier,
  cache: SignatureCache,
): Promise<{ verified: number; invalid: number }> {
  const pending = txs.filter((tx) => !cache.has(tx))
  if (pending.length === 0) return { verified: 0, invalid: 0 }
  const verdicts = await verifier.verifyBatch(signedItemsOf(pending))
  let invalid = 0
  verdicts.forEach((ok, i) => {
    if (ok) cache.add(pending[i]!)
    else invalid++
  })
  return { verified: pending.length, invalid }
}
