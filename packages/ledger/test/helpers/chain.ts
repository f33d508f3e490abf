/** Test chains: a 4-validator genesis and helpers that build, certify and commit blocks. */
import {
  Chain,
  createSignedTx,
  encode,
  openMemoryStore,
  parseGenesis,
  toHex,
  type Block,
  type CommitCertificate,
  type Genesis,
  type LargeBlockCollection,
  type KvStore,
  type SignatureBatchVerifier,
  type StateTree,
  type Transaction,
} from '../../src/index.js'
import { SparseMerkleTree } from '../../src/state/sparse-merkle-tree.js'
import { alice, bob, certify, CHAIN_ID, validatorKeys } from './fixtures.js'
import { createTestApp } from './test-app.js'

export const GENESIS_TIME = '2026-01-01T00:00:00.000Z'

export function testGenesisJson(overrides: Record<string, unknown> = {}) {
  return {
    chainId: CHAIN_ID,
    genesisTime: GENESIS_TIME,
    members: validatorKeys.map((_, i) => ({
      id: `org-${i}`,
      name: `Organisation ${i}`,
      roles: ['agency'],
      peerIds: [`peer-${i}`],
    })),
    validators: validatorKeys.map((k, i) => ({
      publicKey: toHex(k.publicKey),
      power: 1,
      member: `org-${i}`,
      name: `node-${i}`,
    })),
    accounts: [
      { publicKey: toHex(alice.publicKey), member: 'org-0', roles: ['writer'], name: 'alice' },
      { publicKey: toHex(bob.publicKey), member: 'org-1', roles: ['writer'], name: 'bob' },
    ],
    appState: {},
    ...overrides,
  }
}

export const openTree = (store: KvStore, root: Uint8Array): Promise<StateTree> =>
  SparseMerkleTree.open(store, root)

export async function openTestChain(
  opts: {
    genesis?: Genesis
    store?: KvStore
    largeBlockCollection?: LargeBlockCollection
    verifier?: SignatureBatchVerifier
  } = {},
): Promise<Chain> {
  return Chain.open({
    store: opts.store ?? (await openMemoryStore()),
    genesis: opts.genesis ?? parseGenesis(testGenesisJson()),
    app: createTestApp(),
    openStateTree: openTree,
    ...(opts.largeBlockCollection ? { largeBlockCollection: opts.largeBlockCollection } : {}),
    ...(opts.verifier ? { verifier: opts.verifier } : {}),
  })
}

export function putTx(
  nonce: number,
  key: string,
  value: string,
  signer = alice,
  chainId = CHAIN_ID,
): Transaction {
  return createSignedTx(
    {
      chainId,
      sender: signer.publicKey,
      nonce,
      type: 'test.put',
      payload: encode([key, new TextEncoder().encode(value)]),
      expiryHeight: null,
    },
    signer.secretKey,
  )
}

export function appTx(type: string, payload: Uint8Array, nonce: number, signer = alice): Transaction {
  return createSignedTx(
    { chainId: CHAIN_ID, sender: signer.publicKey, nonce, type, payload, expiryHeight: null },
    signer.secretKey,
  )
}

/** Proposer for the next height at round 0 builds; returns the block and a full certificate. */
export async function buildNext(
  chain: Chain,
  txs: readonly Transaction[],
  round = 0,
): Promise<{ block: Block; cert: CommitCertificate }> {
  const height = chain.height + 1
  const proposer = chain.nextValidators.proposer(height, round).publicKey
  const { executed } = await chain.buildBlock({
    candidates: txs,
    proposer,
    round,
    timeMs: chain.head.timeMs + 1000,
  })
  return {
    block: executed.block,
    cert: certify(chain.nextValidators, height, executed.block.hash(), undefined, round),
  }
}

/** Builds on `chains[0]` and validates + commits on every chain. */
export async function commitNext(chains: readonly Chain[], txs: readonly Transaction[]): Promise<Block> {
  const { block, cert } = await buildNext(chains[0]!, txs)
  for (const c of chains) await c.commitBlock(await c.validateBlock(block), cert)
  return block
}

export { bob }
