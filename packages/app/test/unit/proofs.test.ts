/**
 * Offline record proofs against a real chain (ledger Chain + state tree + the application, in
 * memory) whose blocks carry real commit certificates: valid and revoked certificates, a
 * validator-set change voted through governance (so proofs walk the chain of changes), and a
 * table of tampered proofs that each fail with their code.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  Chain,
  createCommitCertificate,
  genesisValidatorSet,
  jsonSafe,
  keyPairFromSeed,
  openMemoryStore,
  parseGenesis,
  signVote,
  SparseMerkleTree,
  stateProofBundleToJSON,
  toHex,
  VoteType,
  type Encodable,
  type KeyPair,
  type Transaction,
} from '@govchain/ledger'
import {
  buildCertificateIssue,
  buildCertificateRevoke,
  buildDemoGenesis,
  buildGovPropose,
  buildGovVote,
  buildLicenceApply,
  commitValues,
  createGovApplication,
  DEMO_ACCOUNTS,
  proofTrustFromGenesis,
  signTx,
  verifyQueryProof,
  verifyRecordProof,
  memberKey,
  type RecordResponse,
  type TxDraft,
} from '../../src/index.js'

const CHAIN_ID = 'proof-test'
const validatorKeys = [0, 1, 2, 3].map((i) => keyPairFromSeed(`validator-${i}`))
const replacement = keyPairFromSeed('validator-new')
const keyByPublic = new Map([...validatorKeys, replacement].map((k) => [toHex(k.publicKey), k]))
const accountKeys = Object.fromEntries(
  DEMO_ACCOUNTS.map((a) => [a.name, keyPairFromSeed(`account-${a.name}`)]),
)

const demo = buildDemoGenesis({
  chainId: CHAIN_ID,
  genesisTime: '2026-01-01T00:00:00.000Z',
  nodes: validatorKeys.map((k, i) => ({ peerId: `peer-${i}`, validatorPublicKey: k.publicKey })),
  accountKeys: Object.fromEntries(Object.entries(accountKeys).map(([n, k]) => [n, k.publicKey])),
})
const genesisJson = JSON.parse(JSON.stringify(demo.genesis)) as Record<string, unknown>

let chain: Chain
const nonces = new Map<string, number>()

function tx(account: string, draft: TxDraft): Transaction {
  const key = accountKeys[account]!
  const nonce = nonces.get(account) ?? 0
  nonces.set(account, nonce + 1)
  return signTx(draft, { chainId: CHAIN_ID, keyPair: key, nonce })
}

/** Builds, certifies (every validator of the set that signs this height) and commits a block. */
async function commit(txs: Transaction[] = []): Promise<void> {
  const height = chain.height + 1
  const set = chain.nextValidators
  const { executed, rejected } = await chain.buildBlock({
    candidates: txs,
    proposer: set.proposer(height, 0).publicKey,
    round: 0,
    timeMs: chain.head.timeMs + 1000,
  })
  expect(rejected.map((r) => r.error.code)).toEqual([])
  const votes = set.validators.map((v) => {
    const k: KeyPair = keyByPublic.get(toHex(v.publicKey))!
    return signVote(
      { chainId: CHAIN_ID, type: VoteType.PRECOMMIT, height, round: 0, blockHash: executed.block.hash() },
      k.secretKey,
      k.publicKey,
    )
  })
  await chain.commitBlock(executed, createCommitCertificate(set, votes))
}

/** The node's `GET /v1/records/:id?prove=true` answer (packages/network node.ts `record`). */
async function recordAnswer(id: string): Promise<RecordResponse> {
  const result = await chain.query('record', { id }, { prove: true })
  return JSON.parse(
    JSON.stringify({
      id,
      height: result.height,
      record: jsonSafe(result.value as Encodable),
      proof: stateProofBundleToJSON(result.proof!),
    }),
  ) as RecordResponse
}

let validAnswer: RecordResponse
let revokedAnswer: RecordResponse
let licenceAnswer: RecordResponse

beforeAll(async () => {
  chain = await Chain.open({
    store: await openMemoryStore(),
    genesis: parseGenesis(genesisJson),
    app: createGovApplication(),
    openStateTree: (store, root) => SparseMerkleTree.open(store, root),
  })
  const { fields } = commitValues('CERT-1', { name: 'A. Person', address: '1 Road' })
  await commit([
    tx('registry-officer', buildCertificateIssue({ recordId: 'CERT-1', kind: 'residence', fields })),
  ])
  await commit([
    tx(
      'registry-officer',
      buildCertificateIssue({
        recordId: 'CERT-2',
        kind: 'birth',
        fields: commitValues('CERT-2', { name: 'B' }).fields,
      }),
    ),
  ])
  validAnswer = await recordAnswer('CERT-1')
  // Governance replaces validator 3 (bank-south) by a new key: a validator-set change.
  const validators = demo.genesis.validators as {
    publicKey: string
    power: number
    member: string
    name: string
  }[]
  await commit([
    tx(
      'regulator-admin',
      buildGovPropose({
        recordId: 'PROP-1',
        action: {
          type: 'set-validators',
          validators: validators.map((v, i) => ({
            publicKey: i === 3 ? replacement.publicKey : Uint8Array.from(Buffer.from(v.publicKey, 'hex')),
            power: v.power,
            member: v.member,
            name: i === 3 ? 'bank-south-node-2' : v.name,
          })),
        },
        deadlineHeight: 100,
      }),
    ),
  ])
  await commit(
    ['licensing-admin', 'registry-admin', 'socsec-admin', 'north-admin', 'south-admin'].map((a) =>
      tx(a, buildGovVote({ recordId: 'PROP-1', vote: 'yes' })),
    ),
  )
  // The new set signs from H+2 on; revoke after it took over.
  await commit()
  await commit([
    tx('registry-officer', buildCertificateRevoke({ recordId: 'CERT-1', reason: 'moved-abroad' })),
  ])
  await commit([
    tx(
      'licensing-officer',
      buildLicenceApply({
        recordId: 'LIC-1',
        agency: 'city-licensing',
        kind: 'taxi-licence',
        fields: commitValues('LIC-1', { name: 'C' }).fields,
      }),
    ),
  ])
  revokedAnswer = await recordAnswer('CERT-1')
  licenceAnswer = await recordAnswer('LIC-1')
})

type ProofJson = {
  chainId: string
  header: string
  certificate: string
  validatorChanges: { header: string; certificate: string; nextValidators: string }[]
  entries: { key: string; value: string | null; proof: { siblings: string[] } }[]
}
type Answer = RecordResponse & { proof: ProofJson }

const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0')
function tampered(answer: RecordResponse, change: (a: Answer) => void): Answer {
  const copy = JSON.parse(JSON.stringify(answer)) as Answer
  change(copy)
  return copy
}

describe('verifyRecordProof', () => {
  it('proves a valid certificate, its history, and the disclosed field commitments', () => {
    const v = verifyRecordProof(validAnswer, genesisJson)
    expect(v).toMatchObject({
      id: 'CERT-1',
      verdict: 'valid',
      effectiveStatus: 'valid',
      height: 2,
      chainId: CHAIN_ID,
    })
    expect(v.history.map((h) => h.to)).toEqual(['valid'])
    expect(v.record.type).toBe('certificate')
  })

  it('proves a revoked certificate revoked, across a validator-set change', () => {
    expect((revokedAnswer.proof as ProofJson).validatorChanges).toHaveLength(1)
    const v = verifyRecordProof(revokedAnswer, genesisJson)
    expect(v).toMatchObject({ verdict: 'revoked', effectiveStatus: 'revoked' })
    expect(v.history.map((h) => h.to)).toEqual(['valid', 'revoked'])
  })

  it('gives the verdict of other licence statuses, and takes a parsed trust root', () => {
    const v = verifyRecordProof(licenceAnswer, proofTrustFromGenesis(genesisJson))
    expect([v.verdict, v.effectiveStatus]).toEqual(['inactive', 'applied'])
  })

  const otherGenesis = () => {
    const g = JSON.parse(JSON.stringify(genesisJson)) as { validators: { publicKey: string }[] }
    g.validators[0]!.publicKey = toHex(keyPairFromSeed('someone-else').publicKey)
    return g
  }

  const sibling = (a: Answer) => {
    const e = a.proof.entries[0]!.proof
    e.siblings[0] = flip(e.siblings[0]!)
  }
  const value = (a: Answer) => (a.proof.entries[0]!.value = flip(a.proof.entries[0]!.value!))
  const header = (a: Answer) => {
    const root = verifyRecordProof(validAnswer, genesisJson).stateRoot
    expect(a.proof.header).toContain(root)
    a.proof.header = a.proof.header.replace(root, flip(root))
  }
  const certificate = (a: Answer) => (a.proof.certificate = flip(a.proof.certificate))
  const nextSet = (a: Answer) => {
    const genesisSet = genesisValidatorSet(parseGenesis(genesisJson)).serialize()
    a.proof.validatorChanges[0]!.nextValidators = toHex(genesisSet)
  }
  const noChanges = (a: Answer) => (a.proof.validatorChanges = [])
  const shownValid = (a: Answer) => {
    ;(a.record.record as Record<string, unknown>).status = 'valid'
    ;(a.record as { effectiveStatus: string }).effectiveStatus = 'valid'
  }
  const statusOnly = (a: Answer) => ((a.record as { effectiveStatus: string }).effectiveStatus = 'valid')
  const historyEntry = (a: Answer) => ((a.record.history[1] as Record<string, unknown>).to = 'valid')
  const height = (a: Answer) => ((a as { height: number }).height = 99)
  const otherId = (a: Answer) => ((a as { id: string }).id = 'CERT-2')
  const notHex = (a: Answer) => (a.proof.header = 'zz')

  it.each<{ what: string; code: string; make: () => [unknown, unknown] }>([
    {
      what: 'state-proof sibling',
      code: 'LIGHT_BAD_STATE_PROOF',
      make: () => [tampered(validAnswer, sibling), genesisJson],
    },
    {
      what: 'proven value',
      code: 'LIGHT_BAD_STATE_PROOF',
      make: () => [tampered(validAnswer, value), genesisJson],
    },
    {
      what: 'header (state root)',
      code: 'LIGHT_BAD_CERTIFICATE',
      make: () => [tampered(validAnswer, header), genesisJson],
    },
    {
      what: 'certificate signature',
      code: 'LIGHT_BAD_CERTIFICATE',
      make: () => [tampered(validAnswer, certificate), genesisJson],
    },
    {
      what: 'next validator set of a change',
      code: 'LIGHT_WRONG_NEXT_VALIDATORS',
      make: () => [tampered(revokedAnswer, nextSet), genesisJson],
    },
    {
      what: 'chain of changes (left out)',
      code: 'LIGHT_UNTRUSTED_VALIDATORS',
      make: () => [tampered(revokedAnswer, noChanges), genesisJson],
    },
    {
      what: 'record shown (revoked as valid)',
      code: 'PROOF_MISMATCH',
      make: () => [tampered(revokedAnswer, shownValid), genesisJson],
    },
    {
      what: 'status shown',
      code: 'PROOF_MISMATCH',
      make: () => [tampered(revokedAnswer, statusOnly), genesisJson],
    },
    {
      what: 'history entry shown',
      code: 'PROOF_MISMATCH',
      make: () => [tampered(revokedAnswer, historyEntry), genesisJson],
    },
    {
      what: 'height claimed',
      code: 'PROOF_MISMATCH',
      make: () => [tampered(validAnswer, height), genesisJson],
    },
    {
      what: 'record id',
      code: 'PROOF_NOT_PROVEN',
      make: () => [tampered(validAnswer, otherId), genesisJson],
    },
    {
      what: 'answer without proof',
      code: 'PROOF_MALFORMED',
      make: () => [{ ...validAnswer, proof: undefined }, genesisJson],
    },
    { what: 'answer (not an object)', code: 'PROOF_MALFORMED', make: () => [[1, 2], genesisJson] },
    {
      what: 'proof (not hex)',
      code: 'DECODE_BAD_SHAPE',
      make: () => [tampered(validAnswer, notHex), genesisJson],
    },
    {
      what: 'trust root (another validator set)',
      code: 'LIGHT_UNTRUSTED_VALIDATORS',
      make: () => [validAnswer, otherGenesis()],
    },
    {
      what: 'trust root (another chain)',
      code: 'LIGHT_WRONG_CHAIN',
      make: () => [validAnswer, { ...genesisJson, chainId: 'other-chain' }],
    },
    {
      what: 'trust root (not a genesis)',
      code: 'PROOF_BAD_GENESIS',
      make: () => [validAnswer, { chainId: 'x' }],
    },
  ])('refuses a tampered $what with $code', ({ code, make }) => {
    const [answer, genesis] = make()
    expect(() => verifyRecordProof(answer, genesis)).toThrowError(expect.objectContaining({ code }))
  })
})

describe('verifyQueryProof', () => {
  it('returns the proven values of a member query', async () => {
    const result = await chain.query('member', { id: 'bank-north' }, { prove: true })
    const answer = JSON.parse(
      JSON.stringify({
        path: 'member',
        height: result.height,
        value: jsonSafe(result.value as Encodable),
        proof: stateProofBundleToJSON(result.proof!),
      }),
    )
    const v = verifyQueryProof(answer, genesisJson)
    expect(v.height).toBe(chain.height)
    expect(v.values.get(toHex(memberKey('bank-north')))).toMatchObject({ id: 'bank-north', status: 'active' })
  })
})
