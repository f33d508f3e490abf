/**
 * Reads that complete without waiting (`StateReader.getNow`, used by the block overlay and the
 * application's store) change nothing: random transaction sequences of every type, from signers
 * of every organisation, give the same outcomes, receipts, result roots and state whether the
 * committed state answers synchronously or only through promises (the reference path).
 */
import fc from 'fast-check'
import { toHex } from '@govchain/ledger'
import { describe, expect, it } from 'vitest'
import {
  buildTx,
  DEMO_ACCOUNTS,
  DEMO_MEMBERS,
  TX_PERMISSIONS,
  TX_TYPES,
  type TxType,
} from '../../src/index.js'
import { SAMPLE_PAYLOADS } from '../fixtures.js'
import { TestChain, type BlockOutcome } from '../harness.js'

const SIGNERS = DEMO_ACCOUNTS.map((a) => a.name)
/** Per type, the demo accounts whose roles allow it (mostly picked, so that records move along). */
const PERMITTED = TX_TYPES.map((type) => {
  const p = TX_PERMISSIONS[type]
  return DEMO_ACCOUNTS.filter((a) => {
    const member = DEMO_MEMBERS.find((m) => m.id === a.org)!
    const roles = p.accountRoles
    return (
      p.memberRoles.some((r) => member.roles.includes(r)) &&
      (roles === 'self-or-admin' || roles.some((r) => a.roles.includes(r)))
    )
  }).map((a) => a.name)
})
const op = fc.record({ type: fc.nat(TX_TYPES.length - 1), signer: fc.nat(4 * SIGNERS.length - 1) })
const signerOf = (o: { type: number; signer: number }): string => {
  const permitted = PERMITTED[o.type]!
  if (o.signer < SIGNERS.length || permitted.length === 0) return SIGNERS[o.signer % SIGNERS.length]!
  return permitted[o.signer % permitted.length]!
}
const blockSizes = fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 })

function summary(outcomes: readonly BlockOutcome[]) {
  return outcomes.map((o) => ({
    resultRoot: toHex(o.resultRoot),
    end: o.end,
    results: o.results.map((r) =>
      r.ok ? { ok: true, receipt: r.receipt } : { ok: false, code: r.code, message: r.message },
    ),
  }))
}

async function run(syncReads: boolean, ops: readonly { type: number; signer: number }[], sizes: number[]) {
  const chain = await TestChain.create(undefined, undefined, { syncReads })
  const outcomes: BlockOutcome[] = []
  for (let i = 0, s = 0; i < ops.length; s++) {
    const size = sizes[s % sizes.length]!
    const block = ops.slice(i, (i += size)).map((o) => {
      const type = TX_TYPES[o.type]! as TxType
      return chain.tx(signerOf(o), buildTx(type, SAMPLE_PAYLOADS[type] as never))
    })
    outcomes.push(await chain.block(block))
  }
  return { outcomes: summary(outcomes), state: chain.state.snapshot() }
}

describe('synchronous state reads', () => {
  it('agree with the promise-only path on random blocks of every transaction type', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 80 }), blockSizes, async (ops, sizes) => {
        const reference = await run(false, ops, sizes)
        const fast = await run(true, ops, sizes)
        expect(fast).toEqual(reference)
        accepted += reference.outcomes.flatMap((o) => o.results).filter((r) => r.ok).length
      }),
      { numRuns: 20 },
    )
    expect(accepted).toBeGreaterThan(50)
  })
})
