/**
 * The simulator end to end with real Ed25519 everywhere: signatures by the Signer, acceptance
 * with the pinned rule, and every stored commit certificate verified with the production
 * `verifyCommitCertificate` (its default signature check).
 */
import { describe, expect, it } from 'vitest'
import { verifyCommitCertificate } from '../../src/consensus/certificate.js'
import { runSimulation, SIM_CHAIN_ID, type World } from '../sim/simulation.js'

describe('consensus simulator with real Ed25519', () => {
  it.each([
    { seed: 2, mode: 'safety' as const },
    { seed: 4, mode: 'liveness' as const },
  ])(
    'seed $seed ($mode), 4 validators: real certificates verify',
    async ({ seed, mode }) => {
      let world: World | undefined
      const r = await runSimulation({
        seed,
        mode,
        nodes: 4,
        crypto: 'ed25519',
        tweak: (s) => ({ ...s, targetHeight: 5, heightsAfterSync: 4 }),
        onFinish: (w) => (world = w),
      })
      expect(r.violations).toEqual([])
      expect(r.heights).toBeGreaterThanOrEqual(4)
      let verified = 0
      for (const node of world!.nodes) {
        for (const stored of node.store) {
          expect(() =>
            verifyCommitCertificate(stored.certificate, world!.validators, {
              chainId: SIM_CHAIN_ID,
              height: stored.block.height,
              blockHash: stored.block.hash,
            }),
          ).not.toThrow()
          expect(stored.proposal.verifySignature()).toBe(true)
          verified++
        }
      }
      expect(verified).toBeGreaterThanOrEqual(12)
    },
    120_000,
  )
})
