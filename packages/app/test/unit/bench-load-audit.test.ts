/**
 * The load test's no-loss audit against fake nodes: it settles over passes (blocks committed
 * after the drain, a transaction briefly unknown between mempool and block store) and tells
 * "lost" (every node answered: unknown) from "unanswered" (a node timed out).
 */
import { describe, expect, it } from 'vitest'
import { auditRun, type AuditedNode } from '../../src/bench/load/audit.js'
import { Tracker } from '../../src/bench/load/tracker.js'
import type { PreparedTx } from '../../src/bench/load/workload.js'

type Answer = { status: number; body: unknown }
/** A node whose answers depend on the audit's pass (counted by the caller). */
type Script = (path: string, pass: number) => Answer

function fakeNode(script: Script, pass: { n: number }): AuditedNode {
  return {
    getJson: async <T>(path: string) => script(path, pass.n) as { status: number; body: T | null },
  }
}

const tx = (hash: string) => ({ hash }) as unknown as PreparedTx

function setup(hashes: string[]) {
  const tracker = new Tracker(2)
  for (const h of hashes) tracker.onAccepted(tracker.track(tx(h)), 0)
  return tracker
}

/** Blocks: height 1 holds `a`; height 2 (known from pass 2 on) holds `late`. */
const blocks = (path: string, pass: number): Answer | undefined => {
  const m = /^\/v1\/blocks\/(\d+)\/txs/.exec(path)
  if (!m) return undefined
  const h = Number(m[1])
  if (h === 1) return { status: 200, body: { total: 1, txs: [{ hash: 'a' }] } }
  if (h === 2 && pass >= 2) return { status: 200, body: { total: 1, txs: [{ hash: 'late' }] } }
  return { status: 404, body: { error: { code: 'NOT_FOUND' } } }
}

const status = (s: string, height?: number): Answer => ({ status: 200, body: { status: s, height } })
const unknown: Answer = { status: 404, body: { error: { code: 'NOT_FOUND' } } }
const timeout: Answer = { status: 0, body: null }

describe('bench load audit', () => {
  it('settles: late blocks and briefly unknown transactions end committed; gone ones are lost', async () => {
    const pass = { n: 0 }
    const tracker = setup(['a', 'late', 'limbo', 'gone', 'waiting'])
    const script: Script = (path, p) => {
      const b = blocks(path, p)
      if (b) return b
      const hash = path.split('/').pop()
      if (hash === 'late') return p >= 2 ? status('committed', 2) : status('pending')
      if (hash === 'limbo') return p >= 3 ? status('committed', 2) : unknown // between mempool and store
      if (hash === 'waiting') return status('pending')
      return unknown
    }
    const nodes = [fakeNode(script, pass), fakeNode(script, pass)]
    const audit = await auditRun(tracker, nodes, { from: 1, to: 1 }, 0, {
      passes: 4,
      pauseMs: 1,
      currentHeight: async () => (++pass.n >= 2 ? 2 : 1),
    })
    expect(audit.committed).toBe(3) // a (listed), late (listed on pass 2), limbo (status on pass 3)
    expect(audit.lostHashes).toEqual(['gone'])
    expect(audit.pendingHashes).toEqual(['waiting'])
    expect(audit.unanswered).toBe(0)
    expect(audit.passes).toBe(4)
    expect(tracker.get('late')!.height).toBe(2)
  })

  it('a node that never answers makes a transaction unanswered, not lost', async () => {
    const pass = { n: 0 }
    const tracker = setup(['a', 'silent'])
    const answering: Script = (path, p) => blocks(path, p) ?? unknown
    const mute: Script = (path, p) => blocks(path, p) ?? timeout
    const audit = await auditRun(
      tracker,
      [fakeNode(answering, pass), fakeNode(mute, pass)],
      { from: 1, to: 1 },
      0,
      {
        passes: 3,
        pauseMs: 1,
        currentHeight: async () => (++pass.n, 1),
      },
    )
    expect(audit.lost).toBe(0)
    expect(audit.unansweredHashes).toEqual(['silent'])
    expect(audit.passes).toBe(3)
  })

  it('stops after the first pass when everything is accounted for', async () => {
    const pass = { n: 0 }
    const tracker = setup(['a'])
    const audit = await auditRun(
      tracker,
      [fakeNode((p, n) => blocks(p, n) ?? unknown, pass)],
      { from: 1, to: 1 },
      0,
      {
        pauseMs: 1,
        currentHeight: async () => (++pass.n, 1),
      },
    )
    expect(audit).toMatchObject({ committed: 1, lost: 0, pending: 0, unanswered: 0, passes: 1 })
    expect(audit.missingOnNode).toEqual([0])
  })
})
