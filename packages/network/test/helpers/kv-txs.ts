/** Signed `kv.put` transactions from one fixed sender, and reading the code a call throws (unit tests). */
import { createSignedTx, encode, isGovchainError, keyPairFromSeed, type Transaction } from '@govchain/ledger'

const alice = keyPairFromSeed('alice')

/** The sender of `kvPutTx`'s transactions. */
export const kvTxSender: Uint8Array = alice.publicKey

/** Alice's `kv.put` of `k<nonce>` = `value`, with that nonce. */
export function kvPutTx(nonce: number, chainId: string, value = 'v'): Transaction {
  return createSignedTx(
    {
      chainId,
      sender: alice.publicKey,
      nonce,
      type: 'kv.put',
      payload: encode({ key: `k${nonce}`, value }),
      expiryHeight: null,
    },
    alice.secretKey,
  )
}

/** The coded error `f` throws, `uncoded: …` for another error, or `no error`. */
export function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return isGovchainError(e) ? e.code : `uncoded: ${String(e)}`
  }
  return 'no error'
}
