/** Deterministic keys, transactions and blocks shared by ledger tests. */
import {
  Block,
  BlockHeader,
  createCommitCertificate,
  createSignedTx,
  evidenceRootOf,
  keyPairFromSeed,
  signVote,
  txRootOf,
  ValidatorSet,
  VoteType,
  type CommitCertificate,
  type KeyPair,
  type Transaction,
} from '../../src/index.js'

export const CHAIN_ID = 'govchain-test'
export const alice = keyPairFromSeed('alice')
export const bob = keyPairFromSeed('bob')
export const validatorKeys: KeyPair[] = [0, 1, 2, 3].map((i) => keyPairFromSeed(`validator-${i}`))
export const validatorSet = new ValidatorSet(validatorKeys.map((k) => ({ publicKey: k.publicKey, power: 1 })))

const registry: KeyPair[] = []

/** A deterministic key pair, remembered so that `keyOf` can find its secret key. */
export function testKey(seed: string): KeyPair {
  const k = keyPairFromSeed(seed)
  registry.push(k)
  return k
}

export function keyOf(publicKey: Uint8Array): KeyPair {
  const k = [...validatorKeys, alice, bob, ...registry].find((p) =>
    p.publicKey.every((b, i) => b === publicKey[i]),
  )
  if (k === undefined) throw new Error('unknown key')
  return k
}

export function sampleTx(nonce = 0, payload = 'hello', signer: KeyPair = alice): Transaction {
  return createSignedTx(
    {
      chainId: CHAIN_ID,
      sender: signer.publicKey,
      nonce,
      type: 'test.put',
      payload: new TextEncoder().encode(payload),
      expiryHeight: null,
    },
    signer.secretKey,
  )
}

/** A certificate for (height, round, blockHash) signed by the given validators of `set`. */
export function certify(
  set: ValidatorSet,
  height: number,
  blockHash: Uint8Array,
  signers = set.validators.map((v) => keyOf(v.publicKey)),
  round = 0,
): CommitCertificate {
  const votes = signers.map((k) =>
    signVote(
      { chainId: CHAIN_ID, type: VoteType.PRECOMMIT, height, round, blockHash },
      k.secretKey,
      k.publicKey,
    ),
  )
  return createCommitCertificate(set, votes)
}

export function sampleHeader(
  txs: Transaction[],
  overrides: Partial<ConstructorParameters<typeof BlockHeader>[0]> = {},
): BlockHeader {
  const h = new Uint8Array(32)
  return new BlockHeader({
    chainId: CHAIN_ID,
    height: 2,
    round: 0,
    timeMs: 1_780_000_000_000,
    prevHash: h.map((_, i) => i),
    proposer: validatorSet.proposer(2, 0).publicKey,
    validatorSetHash: validatorSet.hash(),
    nextValidatorSetHash: validatorSet.hash(),
    txRoot: txRootOf(txs),
    stateRoot: h.map((_, i) => 255 - i),
    resultRoot: h.map(() => 7),
    evidenceRoot: evidenceRootOf([]),
    lastCommit: certify(
      validatorSet,
      1,
      h.map((_, i) => i),
    ),
    ...overrides,
  })
}

export function sampleBlock(): Block {
  const txs = [sampleTx(0), sampleTx(1, 'world'), sampleTx(0, 'from bob', bob)]
  return new Block(sampleHeader(txs), txs, [])
}
