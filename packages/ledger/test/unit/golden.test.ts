/**
 * Golden vectors: the exact bytes and hashes of a fixed transaction, validator set, certificate,
 * header and block (fixtures/golden.json). Any change to encoding, domain tags or hashing shows
 * up here first.
 */
import { describe, expect, it } from 'vitest'
import {
  createBlockFromBytes,
  createCommitCertificateFromBytes,
  createHeaderFromBytes,
  createTxFromBytes,
  createValidatorSetFromBytes,
  fromHex,
  sha256,
  toHex,
  verify,
} from '../../src/index.js'
import golden from '../fixtures/golden.json' with { type: 'json' }
import { alice, sampleBlock, sampleTx, validatorSet } from '../helpers/fixtures.js'

describe('golden vectors', () => {
  it('transaction: signing bytes, wire bytes, hash = SHA-256(wire bytes), signature', () => {
    const tx = sampleTx(0)
    expect(toHex(tx.signingBytes())).toBe(golden.tx.signingBytes)
    expect(toHex(tx.serialize())).toBe(golden.tx.bytes)
    expect(tx.hashHex()).toBe(golden.tx.hash)
    expect(toHex(sha256(fromHex(golden.tx.bytes)))).toBe(golden.tx.hash)
    expect(toHex(tx.signature)).toBe(golden.tx.signature)
    expect(verify(alice.publicKey, fromHex(golden.tx.signingBytes), fromHex(golden.tx.signature))).toBe(true)
    const decoded = createTxFromBytes(fromHex(golden.tx.bytes))
    expect(decoded.hashHex()).toBe(golden.tx.hash)
    expect(decoded.verifySignature()).toBe(true)
  })

  it('signing bytes start with the domain tag and version', () => {
    // 0x88: array(8); 0x6b "govchain/tx"; 0x01: version 1
    expect(
      golden.tx.signingBytes.startsWith('886b' + toHex(new TextEncoder().encode('govchain/tx')) + '01'),
    ).toBe(true)
  })

  it('validator set', () => {
    expect(toHex(validatorSet.serialize())).toBe(golden.validatorSet.bytes)
    expect(toHex(validatorSet.hash())).toBe(golden.validatorSet.hash)
    expect(toHex(createValidatorSetFromBytes(fromHex(golden.validatorSet.bytes)).hash())).toBe(
      golden.validatorSet.hash,
    )
  })

  it('commit certificate', () => {
    const cert = sampleBlock().header.lastCommit!
    expect(toHex(cert.signingBytes())).toBe(golden.certificate.signingBytes)
    expect(toHex(cert.serialize())).toBe(golden.certificate.bytes)
    expect(toHex(createCommitCertificateFromBytes(fromHex(golden.certificate.bytes)).serialize())).toBe(
      golden.certificate.bytes,
    )
  })

  it('header and block', () => {
    const block = sampleBlock()
    expect(toHex(block.header.serialize())).toBe(golden.header.bytes)
    expect(block.hashHex()).toBe(golden.header.hash)
    expect(toHex(block.header.txRoot)).toBe(golden.header.txRoot)
    expect(toHex(block.serialize())).toBe(golden.block.bytes)
    expect(createHeaderFromBytes(fromHex(golden.header.bytes)).hashHex()).toBe(golden.header.hash)
    const decoded = createBlockFromBytes(fromHex(golden.block.bytes))
    expect(decoded.hashHex()).toBe(golden.header.hash)
    expect(decoded.txs.map((t) => t.hashHex())).toEqual(block.txs.map((t) => t.hashHex()))
  })
})
