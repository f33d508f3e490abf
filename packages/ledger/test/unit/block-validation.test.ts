/**
 * Block validation (consensus.md rules 17 and 18): one invalid block per rule, each rejected
 * with its own code. Every case starts from a valid block for height 2 and breaks one thing.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  createSignedTx,
  DuplicateVoteEvidence,
  evidenceRootOf,
  signVote,
  txRootOf,
  ValidatorSet,
  VoteType,
  type Chain,
  type Transaction,
  txFields,
} from '../../src/index.js'
import { alice, bob, certify, CHAIN_ID, testKey, validatorKeys, validatorSet } from '../helpers/fixtures.js'
import { buildNext, commitNext, openTestChain, putTx, appTx } from '../helpers/chain.js'

let chain: Chain
let valid: Block

function withHeader(block: Block, overrides: Partial<ConstructorParameters<typeof BlockHeader>[0]>): Block {
  return new Block(new BlockHeader({ ...block.header, ...overrides }), block.txs, block.evidence)
}

/** Replaces the transactions and fixes the tx root, so only the transaction rule under test fails. */
function withTxs(block: Block, txs: Transaction[]): Block {
  return new Block(new BlockHeader({ ...block.header, txRoot: txRootOf(txs) }), txs, block.evidence)
}

function withEvidence(block: Block, evidence: DuplicateVoteEvidence[]): Block {
  return new Block(
    new BlockHeader({ ...block.header, evidenceRoot: evidenceRootOf(evidence) }),
    block.txs,
    evidence,
  )
}

function equivocation(
  signer = validatorKeys[1]!,
  height = 2,
  round = 0,
  chainId = CHAIN_ID,
): DuplicateVoteEvidence {
  const a = signVote(
    { chainId, type: VoteType.PREVOTE, height, round, blockHash: new Uint8Array(32).fill(1) },
    signer.secretKey,
    signer.publicKey,
  )
  const b = signVote(
    { chainId, type: VoteType.PREVOTE, height, round, blockHash: new Uint8Array(32).fill(2) },
    signer.secretKey,
    signer.publicKey,
  )
  return new DuplicateVoteEvidence(a, b)
}

beforeAll(async () => {
  chain = await openTestChain()
  await commitNext([chain], [putTx(0, 'a', '1')])
  valid = (await buildNext(chain, [putTx(1, 'b', '2'), putTx(0, 'c', '3', bob)])).block
})

describe('a valid block', () => {
  it('validates', async () => {
    const executed = await chain.validateBlock(valid)
    expect(executed.execution.txs).toHaveLength(2)
  })
})

type Case = [
  name: string,
  make: () => Block | Promise<Block>,
  code: string,
  opts?: { nowMs?: number; round?: number },
]

const cases: Case[] = [
  // rule 18: header against its parent
  ['wrong chain id', () => withHeader(valid, { chainId: 'other-chain' }), 'BLOCK_WRONG_CHAIN'],
  ['wrong height', () => withHeader(valid, { height: 3 }), 'BLOCK_WRONG_HEIGHT'],
  ['wrong previous hash', () => withHeader(valid, { prevHash: new Uint8Array(32) }), 'BLOCK_WRONG_PREV_HASH'],
  [
    'time not after parent',
    () => withHeader(valid, { timeMs: chain.head.timeMs }),
    'BLOCK_TIME_NOT_MONOTONIC',
  ],
  ['time too far ahead of the local clock', () => valid, 'BLOCK_TIME_TOO_FAR_AHEAD', { nowMs: 0 }],
  // validator sets and proposer
  [
    'wrong validator set hash',
    () => withHeader(valid, { validatorSetHash: new Uint8Array(32) }),
    'BLOCK_WRONG_VALIDATOR_SET',
  ],
  [
    'wrong next validator set hash',
    () => withHeader(valid, { nextValidatorSetHash: new Uint8Array(32) }),
    'BLOCK_WRONG_NEXT_VALIDATOR_SET',
  ],
  [
    'made in a later round than consensus is at',
    () => withHeader(valid, { round: 2, proposer: validatorSet.proposer(2, 2).publicKey }),
    'BLOCK_ROUND_AHEAD',
    { round: 1 },
  ],
  [
    'not the scheduled proposer',
    () => withHeader(valid, { proposer: validatorSet.proposer(2, 1).publicKey }),
    'BLOCK_WRONG_PROPOSER',
  ],
  // size and roots
  ['wrong tx root', () => withHeader(valid, { txRoot: new Uint8Array(32) }), 'BLOCK_WRONG_TX_ROOT'],
  [
    'wrong evidence root',
    () => withHeader(valid, { evidenceRoot: new Uint8Array(32) }),
    'BLOCK_WRONG_EVIDENCE_ROOT',
  ],
  ['wrong state root', () => withHeader(valid, { stateRoot: new Uint8Array(32) }), 'BLOCK_WRONG_STATE_ROOT'],
  [
    'wrong result root',
    () => withHeader(valid, { resultRoot: new Uint8Array(32) }),
    'BLOCK_WRONG_RESULT_ROOT',
  ],
  // rule 17: the previous block's certificate
  [
    'missing previous certificate',
    () => withHeader(valid, { lastCommit: null }),
    'BLOCK_MISSING_LAST_COMMIT',
  ],
  [
    'certificate for another block',
    () => withHeader(valid, { lastCommit: certify(validatorSet, 1, new Uint8Array(32).fill(9)) }),
    'CERT_WRONG_BLOCK',
  ],
  [
    'certificate for another height',
    () => withHeader(valid, { lastCommit: certify(validatorSet, 2, valid.header.prevHash) }),
    'CERT_WRONG_HEIGHT',
  ],
  [
    'certificate below quorum (2 of 4)',
    () =>
      withHeader(valid, {
        lastCommit: certify(validatorSet, 1, valid.header.prevHash, validatorKeys.slice(0, 2)),
      }),
    'CERT_INSUFFICIENT_POWER',
  ],
  [
    'certificate with a bad signature',
    () => {
      const c = valid.header.lastCommit!
      const signatures = c.signatures.map((s, i) =>
        i === 1 ? { ...s, signature: s.signature.map((b, j) => (j === 0 ? b ^ 1 : b)) } : s,
      )
      return withHeader(valid, { lastCommit: new CommitCertificate({ ...c, signatures }) })
    },
    'CERT_BAD_SIGNATURE',
  ],
  [
    'certificate signed twice by one validator',
    () => {
      const c = valid.header.lastCommit!
      return withHeader(valid, {
        lastCommit: new CommitCertificate({
          ...c,
          signatures: [c.signatures[0]!, c.signatures[0]!, c.signatures[1]!],
        }),
      })
    },
    'CERT_DUPLICATE_SIGNER',
  ],
  [
    'certificate with an unknown signer index',
    () => {
      const c = valid.header.lastCommit!
      return withHeader(valid, {
        lastCommit: new CommitCertificate({
          ...c,
          signatures: [...c.signatures, { validatorIndex: 9, signature: c.signatures[0]!.signature }],
        }),
      })
    },
    'CERT_UNKNOWN_SIGNER',
  ],
  [
    'certificate from another chain',
    () =>
      withHeader(valid, {
        lastCommit: new CommitCertificate({ ...valid.header.lastCommit!, chainId: 'other-chain' }),
      }),
    'CERT_WRONG_CHAIN',
  ],
  // evidence
  [
    'the same evidence twice',
    () => withEvidence(valid, [equivocation(), equivocation()]),
    'BLOCK_DUPLICATE_EVIDENCE',
  ],
  [
    'evidence whose votes do not conflict',
    () => {
      const e = equivocation()
      return withEvidence(valid, [
        new DuplicateVoteEvidence(
          e.voteA,
          signVote({ ...e.voteA, round: 1 }, validatorKeys[1]!.secretKey, validatorKeys[1]!.publicKey),
        ),
      ])
    },
    'EVIDENCE_NOT_CONFLICTING',
  ],
  [
    'evidence with a forged vote',
    () => {
      const e = equivocation()
      const forged = signVote({ ...e.voteB }, validatorKeys[2]!.secretKey, validatorKeys[1]!.publicKey)
      return withEvidence(valid, [new DuplicateVoteEvidence(e.voteA, forged)])
    },
    'EVIDENCE_BAD_SIGNATURE',
  ],
  [
    'evidence against a non-validator',
    () => withEvidence(valid, [equivocation(alice)]),
    'EVIDENCE_UNKNOWN_VALIDATOR',
  ],
  [
    'evidence from a future height',
    () => withEvidence(valid, [equivocation(validatorKeys[1], 5)]),
    'EVIDENCE_FROM_FUTURE',
  ],
  [
    'evidence from another chain',
    () => withEvidence(valid, [equivocation(validatorKeys[1], 2, 0, 'other-chain')]),
    'EVIDENCE_WRONG_CHAIN',
  ],
  // transactions
  [
    'a transaction for another chain',
    () => withTxs(valid, [putTx(1, 'b', '2', alice, 'other-chain')]),
    'TX_WRONG_CHAIN',
  ],
  ['the same transaction twice', () => withTxs(valid, [valid.txs[0]!, valid.txs[0]!]), 'TX_DUPLICATE'],
  [
    'a transaction with a bad signature',
    () => {
      const t = valid.txs[1]!
      const bad = createSignedTx(txFields(t), alice.secretKey) // bob's transaction signed by alice
      return withTxs(valid, [valid.txs[0]!, bad])
    },
    'TX_BAD_SIGNATURE',
  ],
  ['a replayed nonce', () => withTxs(valid, [putTx(0, 'again', 'x')]), 'TX_BAD_NONCE'],
  ['a nonce gap', () => withTxs(valid, [putTx(2, 'gap', 'x')]), 'TX_BAD_NONCE'],
  [
    'an expired transaction',
    () =>
      withTxs(valid, [createSignedTx({ ...txFields(putTx(1, 'e', 'x')), expiryHeight: 1 }, alice.secretKey)]),
    'TX_EXPIRED',
  ],
  [
    'a transaction the application rejects',
    () => withTxs(valid, [appTx('test.fail', new Uint8Array(0), 1)]),
    'TEST_REJECTED',
  ],
  [
    'a transaction from an unauthorised sender',
    () => withTxs(valid, [putTx(0, 'x', 'y', testKey('mallory'))]),
    'TEST_FORBIDDEN',
  ],
]

describe('invalid blocks, one per rule', () => {
  it.each(cases)('%s → %s', async (_name, make, code, opts) => {
    const block = await make()
    await expect(chain.validateBlock(block, opts ?? {})).rejects.toMatchObject({ code })
  })

  it('the table covers every block error code', async () => {
    const { BlockErrorCode } = await import('../../src/validation.js')
    const covered = new Set(cases.map((c) => c[2]))
    const untestable = new Set(['BLOCK_TOO_LARGE', 'BLOCK_TOO_MANY_TXS', 'BLOCK_UNEXPECTED_LAST_COMMIT'])
    for (const c of Object.values(BlockErrorCode)) if (!untestable.has(c)) expect(covered, c).toContain(c)
  })
})

describe('limits and height-1 rules (own chains)', () => {
  it('rejects a block over the byte limit and one over the tx-count limit', async () => {
    const { parseGenesis } = await import('../../src/index.js')
    const { testGenesisJson } = await import('../helpers/chain.js')
    const limited = (params: Record<string, number>) =>
      openTestChain({ genesis: parseGenesis(testGenesisJson({ params })) })
    const twoTxs = [putTx(0, 'a', '1'), putTx(0, 'b', '1', bob)]
    // Each chain builds its own (valid) block; the extra transactions are then put in by hand.
    const fewTxs = await limited({ maxBlockTxs: 1 })
    const oneTx = (await buildNext(fewTxs, twoTxs)).block
    expect(oneTx.txs).toHaveLength(1)
    await expect(fewTxs.validateBlock(withTxs(oneTx, twoTxs))).rejects.toMatchObject({
      code: 'BLOCK_TOO_MANY_TXS',
    })
    const small = await limited({ maxBlockBytes: 500 })
    const tooBig = withTxs((await buildNext(small, [])).block, twoTxs)
    expect(tooBig.serialize().length).toBeGreaterThan(500)
    await expect(small.validateBlock(tooBig)).rejects.toMatchObject({ code: 'BLOCK_TOO_LARGE' })
  })

  it('rejects a certificate in block 1', async () => {
    const fresh = await openTestChain()
    const { block } = await buildNext(fresh, [])
    const withCert = withHeader(block, { lastCommit: certify(validatorSet, 0, fresh.head.hash) })
    await expect(fresh.validateBlock(withCert)).rejects.toMatchObject({
      code: 'BLOCK_UNEXPECTED_LAST_COMMIT',
    })
  })

  it('rejects evidence that is too old or already committed', async () => {
    const { parseGenesis } = await import('../../src/index.js')
    const { testGenesisJson } = await import('../helpers/chain.js')
    const c = await openTestChain({
      genesis: parseGenesis(testGenesisJson({ params: { maxEvidenceAgeBlocks: 1 } })),
    })
    await commitNext([c], [])
    await commitNext([c], [])
    const { block } = await buildNext(c, [])
    await expect(
      c.validateBlock(withEvidence(block, [equivocation(validatorKeys[1], 1)])),
    ).rejects.toMatchObject({ code: 'EVIDENCE_TOO_OLD' })
    const ev = equivocation(validatorKeys[1], 3)
    const { executed } = await c.buildBlock({
      candidates: [],
      proposer: validatorSet.proposer(3, 0).publicKey,
      round: 0,
      timeMs: c.head.timeMs + 1,
      evidence: [ev],
    })
    await c.commitBlock(executed, certify(validatorSet, 3, executed.block.hash()))
    const next = (await buildNext(c, [])).block
    await expect(c.validateBlock(withEvidence(next, [ev]))).rejects.toMatchObject({
      code: 'EVIDENCE_ALREADY_COMMITTED',
    })
  })
})

void ValidatorSet
