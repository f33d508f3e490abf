/**
 * Canonical encoding: strict decoding rules (table), and fast-check round trips for every
 * signed structure: decode(serialize(x)) re-serializes to the same bytes and the same hash.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  Block,
  BlockHeader,
  CommitCertificate,
  createBlockFromBytes,
  createCommitCertificateFromBytes,
  createHeaderFromBytes,
  createProposalFromBytes,
  createTxFromBytes,
  txSigningBytes,
  createValidatorSetFromBytes,
  createVoteFromBytes,
  decode,
  encode,
  fromHex,
  Proposal,
  toHex,
  Transaction,
  ValidatorSet,
  Vote,
  VoteType,
  keyPairFromSeed,
  txFields,
} from '../../src/index.js'
import { sampleTx } from '../helpers/fixtures.js'

const code = (c: string) => expect.objectContaining({ code: c })

describe('strict canonical decoding', () => {
  const cases: [string, string, string][] = [
    ['non-minimal integer', '1801', 'DECODE_MALFORMED_CBOR'],
    ['indefinite-length array', '9f01ff', 'DECODE_MALFORMED_CBOR'],
    ['indefinite-length bytes', '5f4101ff', 'DECODE_MALFORMED_CBOR'],
    ['half float 1.0 (re-encodes as integer)', 'f93c00', 'DECODE_NON_CANONICAL'],
    ['float 1.5', 'f93e00', 'DECODE_BAD_SHAPE'],
    ['NaN', 'f97e00', 'DECODE_MALFORMED_CBOR'],
    ['unsorted map keys', 'a2616201616101', 'DECODE_NON_CANONICAL'],
    ['duplicate map keys', 'a2616101616102', 'DECODE_MALFORMED_CBOR'],
    ['a tag', 'c11a514b67b0', 'DECODE_MALFORMED_CBOR'],
    ['undefined', 'f7', 'DECODE_MALFORMED_CBOR'],
    ['trailing bytes', '0101', 'DECODE_MALFORMED_CBOR'],
    ['truncated', '8301', 'DECODE_MALFORMED_CBOR'],
    ['empty input', '', 'DECODE_MALFORMED_CBOR'],
    ['integer beyond 2^53', '1b0020000000000000', 'DECODE_MALFORMED_CBOR'],
  ]
  it.each(cases)('rejects %s', (_name, hex, expected) => {
    expect(() => decode(fromHex(hex), 1024)).toThrow(code(expected))
  })

  it('rejects input over the size limit before parsing', () => {
    expect(() => decode(new Uint8Array(2000), 1024)).toThrow(code('DECODE_TOO_LARGE'))
  })

  it('accepts canonical values and round-trips them', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }).filter((v) => JSON.stringify(v) !== undefined),
        (v) => {
          const value = JSON.parse(JSON.stringify(v), (_k, x) =>
            typeof x === 'number' && !Number.isSafeInteger(x) ? Math.trunc(x) % 1000 : x,
          )
          if (typeof value === 'number' && Object.is(value, -0)) return
          const bytes = encode(value)
          expect(toHex(encode(decode(bytes, 1 << 20) as never))).toBe(toHex(bytes))
        },
      ),
    )
  })
})

const key = keyPairFromSeed('codec')
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 })
const sig64 = fc.uint8Array({ minLength: 64, maxLength: 64 })
const ident = fc.stringMatching(/^[\x21-\x7e]{1,64}$/)
const uint = fc.nat({ max: Number.MAX_SAFE_INTEGER })

const txArb = fc
  .record({
    chainId: ident,
    sender: hash32,
    nonce: uint,
    type: ident,
    payload: fc.uint8Array({ maxLength: 300 }),
    expiryHeight: fc.option(uint, { nil: null }),
  })
  .chain((f) => sig64.map((s) => new Transaction(f, s)))

const voteArb = fc
  .record({
    chainId: ident,
    type: fc.constantFrom(VoteType.PREVOTE, VoteType.PRECOMMIT),
    height: uint,
    round: uint,
    blockHash: fc.option(hash32, { nil: null }),
  })
  .chain((f) => fc.tuple(hash32, sig64).map(([v, s]) => new Vote(f, v, s)))

const proposalArb = fc
  .record({ chainId: ident, height: uint, round: fc.nat({ max: 1000 }), blockHash: hash32 })
  .chain((f) =>
    fc
      .tuple(fc.integer({ min: -1, max: f.round - 1 }), hash32, sig64)
      .map(([vr, p, s]) => new Proposal({ ...f, validRound: vr }, p, s)),
  )

const certArb = fc.record({ chainId: ident, height: uint, round: uint, blockHash: hash32 }).chain((f) =>
  fc
    .uniqueArray(fc.nat({ max: 255 }), { maxLength: 10 })
    .chain((idx) =>
      fc.tuple(
        ...idx.sort((a, b) => a - b).map((i) => sig64.map((signature) => ({ validatorIndex: i, signature }))),
      ),
    )
    .map((signatures) => new CommitCertificate({ ...f, signatures })),
)

const headerArb = fc
  .record({
    chainId: ident,
    height: uint,
    round: uint,
    timeMs: uint,
    prevHash: hash32,
    proposer: hash32,
    validatorSetHash: hash32,
    nextValidatorSetHash: hash32,
    txRoot: hash32,
    stateRoot: hash32,
    resultRoot: hash32,
    evidenceRoot: hash32,
    lastCommit: fc.option(certArb, { nil: null }),
  })
  .map((f) => new BlockHeader(f))

const blockArb = fc
  .tuple(
    headerArb,
    fc.array(
      txArb.map((t) => new Transaction(txFields(t), t.signature)),
      { maxLength: 5 },
    ),
  )
  .map(([h, txs]) => new Block(h, txs, []))

function roundTrips<T extends { serialize(): Uint8Array }>(
  name: string,
  arb: fc.Arbitrary<T>,
  fromBytes: (b: Uint8Array) => T,
) {
  it(`${name}: decode(serialize(x)) re-serializes to the same bytes`, () => {
    fc.assert(
      fc.property(arb, (x) => {
        const bytes = x.serialize()
        expect(toHex(fromBytes(bytes).serialize())).toBe(toHex(bytes))
      }),
      { numRuns: 200 },
    )
  })
}

describe('round trips', () => {
  roundTrips('transaction', txArb, (b) => createTxFromBytes(b, 1 << 20))
  roundTrips('vote', voteArb, createVoteFromBytes)
  roundTrips('proposal', proposalArb, createProposalFromBytes)
  roundTrips('certificate', certArb, createCommitCertificateFromBytes)
  roundTrips('header', headerArb, createHeaderFromBytes)
  roundTrips('block', blockArb, (b) => createBlockFromBytes(b))

  it('a decoded transaction cuts its signed bytes from its wire bytes: the same as encoding its fields', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const decoded = createTxFromBytes(tx.serialize(), 1 << 20)
        expect(toHex(decoded.signingBytes())).toBe(toHex(txSigningBytes(tx)))
        expect(toHex(tx.signingBytes())).toBe(toHex(txSigningBytes(tx)))
      }),
      { numRuns: 300 },
    )
  })

  it('a decoded transaction reads its byte fields as views of its wire bytes; a built one keeps its arrays', () => {
    fc.assert(
      fc.property(txArb, (tx) => {
        const bytes = tx.serialize()
        const decoded = createTxFromBytes(bytes, 1 << 20)
        for (const field of ['sender', 'payload', 'signature'] as const) {
          expect(toHex(decoded[field])).toBe(toHex(tx[field]))
          expect(decoded[field].buffer).toBe(bytes.buffer)
        }
        expect(txFields(decoded)).toEqual(txFields(tx))
        const built = new Transaction(txFields(tx), tx.signature)
        expect(built.sender).toBe(tx.sender)
        expect(built.payload).toBe(tx.payload)
        expect(built.signature).toBe(tx.signature)
      }),
      { numRuns: 200 },
    )
  })

  it('validator sets round-trip and hash independently of input order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 8, maxLength: 8 }),
        (ids, powers) => {
          const vals = ids.map((id, i) => ({
            publicKey: keyPairFromSeed(`v${id}`).publicKey,
            power: powers[i]!,
          }))
          const a = new ValidatorSet(vals)
          const b = new ValidatorSet([...vals].reverse())
          expect(toHex(a.hash())).toBe(toHex(b.hash()))
          expect(toHex(createValidatorSetFromBytes(a.serialize()).serialize())).toBe(toHex(a.serialize()))
        },
      ),
      { numRuns: 50 },
    )
  })

  it('a transaction signed with createSignedTx verifies after a round trip, and not with another chain id', () => {
    const tx = new Transaction(
      {
        chainId: 'c',
        sender: key.publicKey,
        nonce: 1,
        type: 't',
        payload: new Uint8Array([1]),
        expiryHeight: 9,
      },
      new Uint8Array(64),
    )
    expect(createTxFromBytes(tx.serialize()).verifySignature()).toBe(false)
  })
})

describe('shape errors name the field', () => {
  it.each([
    [
      'wrong domain tag',
      () =>
        createTxFromBytes(
          encode([
            'govchain/vote',
            1,
            'c',
            new Uint8Array(32),
            0,
            't',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
          ]),
        ),
      'DECODE_WRONG_DOMAIN',
    ],
    [
      'unsupported version',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            2,
            'c',
            new Uint8Array(32),
            0,
            't',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
          ]),
        ),
      'DECODE_UNSUPPORTED_VERSION',
    ],
    [
      'short sender',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            1,
            'c',
            new Uint8Array(31),
            0,
            't',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
          ]),
        ),
      'DECODE_BAD_SHAPE',
    ],
    [
      'negative nonce',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            1,
            'c',
            new Uint8Array(32),
            -1,
            't',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
          ]),
        ),
      'DECODE_BAD_SHAPE',
    ],
    [
      'empty type',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            1,
            'c',
            new Uint8Array(32),
            0,
            '',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
          ]),
        ),
      'DECODE_BAD_SHAPE',
    ],
    [
      'extra field',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            1,
            'c',
            new Uint8Array(32),
            0,
            't',
            new Uint8Array(0),
            null,
            new Uint8Array(64),
            0,
          ]),
        ),
      'DECODE_BAD_SHAPE',
    ],
    [
      'oversized tx',
      () =>
        createTxFromBytes(
          encode([
            'govchain/tx',
            1,
            'c',
            new Uint8Array(32),
            0,
            't',
            new Uint8Array(100),
            null,
            new Uint8Array(64),
          ]),
          64,
        ),
      'DECODE_TOO_LARGE',
    ],
    [
      'proposal validRound ≥ round',
      () =>
        createProposalFromBytes(
          encode([
            'govchain/proposal',
            1,
            'c',
            1,
            2,
            2,
            new Uint8Array(32),
            new Uint8Array(32),
            new Uint8Array(64),
          ]),
        ),
      'DECODE_BAD_SHAPE',
    ],
    [
      'certificate signers out of order',
      () =>
        createCommitCertificateFromBytes(
          encode([
            'govchain/cert',
            1,
            'c',
            1,
            0,
            new Uint8Array(32),
            [
              [2, new Uint8Array(64)],
              [1, new Uint8Array(64)],
            ],
          ]),
        ),
      'DECODE_NON_CANONICAL',
    ],
    [
      'certificate signer repeated',
      () =>
        createCommitCertificateFromBytes(
          encode([
            'govchain/cert',
            1,
            'c',
            1,
            0,
            new Uint8Array(32),
            [
              [1, new Uint8Array(64)],
              [1, new Uint8Array(64)],
            ],
          ]),
        ),
      'DECODE_NON_CANONICAL',
    ],
  ] as const)('%s', (_name, fn, expected) => {
    expect(fn).toThrow(code(expected))
  })
})

describe('signed bytes of a batch', () => {
  it('Transaction.signingBytesOfAll gives each transaction’s signingBytes(), decoded or built', () => {
    const built = [0, 1, 30, 300, 3000].map((n, i) => sampleTx(i, 'p'.repeat(n)))
    const decoded = built.map((t) => createTxFromBytes(t.serialize()))
    const fresh = new Transaction(
      {
        chainId: 'c',
        sender: built[0]!.sender,
        nonce: 9,
        type: 't',
        payload: new Uint8Array(5),
        expiryHeight: 3,
      },
      new Uint8Array(64),
    )
    const txs = [...decoded, fresh, ...built]
    const all = Transaction.signingBytesOfAll(txs)
    expect(all.map(toHex)).toEqual(txs.map((t) => toHex(t.signingBytes())))
    expect(all.map(toHex)).toEqual(txs.map((t) => toHex(txSigningBytes(t))))
    expect(Transaction.signingBytesOfAll([])).toEqual([])
  })
})
