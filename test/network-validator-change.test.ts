/**
 * A validator-set change by governance across five real node processes (the demo alliance):
 * - before: with five validators of equal power, two nodes down stop the commits (3 of 5 is
 *   not more than 2/3);
 * - the members vote `set-validators` without node 4's validator; from the height after next
 *   every node runs with four;
 * - after: the same two nodes down (the removed validator and one more) and the other three
 *   still commit, and node 4, restarted, follows the chain as a non-validator.
 */
import { buildCertificateIssue, buildGovPropose, buildGovVote, type ValidatorEntry } from '@govchain/app'
import { fromHex } from '@govchain/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Cluster } from './helpers/cluster.js'
import { commitments, govTx, startGovCluster, submitAndWait } from './helpers/gov-cluster.js'

const ALL = [0, 1, 2, 3, 4]
const UP = [0, 1, 2]
/** Governance delegates of five of the seven demo members: more than 2/3 of the voters. */
const DELEGATES = ['licensing-admin', 'north-admin', 'registry-admin', 'south-admin', 'socsec-admin']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

type ValidatorJson = { publicKey: string; power: number; member: string; name: string }

describe('a validator-set change voted by the members', () => {
  let c: Cluster
  let certs = 0
  let removedKey = ''
  let keptKeys: string[] = []
  const certificate = () => {
    const id = `CERT-VC-${++certs}`
    return govTx(
      c,
      'registry-officer',
      buildCertificateIssue({ recordId: id, kind: 'residence', fields: commitments(id, { name: 'A' }) }),
    )
  }
  const validators = async (i: number): Promise<ValidatorJson[]> =>
    (await c.get(i, '/v1/query/validators')).body.value as ValidatorJson[]

  beforeAll(async () => {
    c = await startGovCluster(5)
    await c.waitForHeight(ALL, 2, 90_000)
  })
  afterAll(async () => {
    await c?.cleanup()
  })

  it('with five validators, two nodes down stop the commits; back up, they resume', async () => {
    expect((await validators(0)).length).toBe(5)
    await c.kill(3)
    await c.kill(4)
    const tx = certificate()
    expect((await c.submit(0, tx)).status).toBe(202)
    await sleep(8_000)
    expect((await c.get(0, `/v1/txs/${tx.hashHex()}`)).body.status).toBe('pending')
    await Promise.all([c.startNode(3), c.startNode(4)])
    await c.waitFor(
      async () => (await c.get(0, `/v1/txs/${tx.hashHex()}`)).body.status === 'committed',
      60_000,
      'the pending certificate to commit',
    )
  })

  it('executes set-validators without node 4 and every node takes the new set two heights later', async () => {
    const removed = (await c.get(4, '/v1/status')).body.node.name as string
    const before = await validators(0)
    const kept = before.filter((v) => v.name !== removed)
    expect(kept).toHaveLength(4)
    removedKey = before.find((v) => v.name === removed)!.publicKey
    keptKeys = kept.map((v) => v.publicKey)
    const action = {
      type: 'set-validators' as const,
      validators: kept.map((v): ValidatorEntry => ({ ...v, publicKey: fromHex(v.publicKey) })),
    }
    const height = await c.height(0)
    await submitAndWait(
      c,
      0,
      govTx(
        c,
        'licensing-admin',
        buildGovPropose({ recordId: 'PROP-VC', action, deadlineHeight: height + 200 }),
      ),
    )
    let executedAt = 0
    for (const delegate of DELEGATES) {
      const vote = govTx(c, delegate, buildGovVote({ recordId: 'PROP-VC', vote: 'yes' }))
      executedAt = (await submitAndWait(c, 1, vote)).height
    }
    const proposal = (await c.get(1, '/v1/records/PROP-VC')).body.record.record
    expect([proposal.status, proposal.decidedHeight]).toEqual(['executed', executedAt])
    await c.waitForHeight(ALL, executedAt + 2, 60_000)
    for (const i of ALL) {
      expect((await validators(i)).map((v) => v.name)).toEqual(kept.map((v) => v.name))
      expect((await c.get(i, '/v1/status')).body.validators).toHaveLength(4)
    }
  })

  it('with four validators, the removed one and one more down: the other three commit', async () => {
    await c.kill(3)
    await c.kill(4)
    await submitAndWait(c, 0, certificate())
    await submitAndWait(c, 2, certificate())
    const height = Math.min(...(await Promise.all(UP.map((i) => c.height(i)))))
    // Node 4 restarted: it follows the chain without signing for it.
    await c.startNode(4)
    await c.waitForHeight([4], height, 60_000)
    await submitAndWait(c, 1, certificate())
    const top = await c.height(1)
    await c.waitForHeight([4], top, 60_000)
    // Certified by three of the four (node 3 is down), never by the removed validator.
    const signers = (await c.get(4, `/v1/blocks/${top}`)).body.signers as string[]
    expect(signers).toHaveLength(3)
    expect(signers.every((k) => keptKeys.includes(k))).toBe(true)
    expect(signers).not.toContain(removedKey)
    expect(await c.chainOf(4, top)).toEqual(await c.chainOf(0, top))
  })
})
