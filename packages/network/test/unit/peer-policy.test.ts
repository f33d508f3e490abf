import { describe, expect, it } from 'vitest'
import { MemberGater } from '../../src/p2p/member-gater.js'
import { PeerScores, Penalty } from '../../src/p2p/peer-scores.js'
import { RateLimiter } from '../../src/p2p/rate-limiter.js'
import { statusOf } from '../../src/http/errors.js'

const member = (id: string, peerIds: string[]) => ({ id, name: id, roles: [], peerIds })

describe('member gater', () => {
  it('admits exactly the current members, follows membership changes and bans', async () => {
    let banned = ''
    const g = new MemberGater('self', (p) => p === banned)
    g.setMembers([member('a', ['p1', 'self']), member('b', ['p2'])])
    const gate = g.gater()
    const pid = (s: string) => ({ toString: () => s }) as never
    expect(await gate.denyInboundEncryptedConnection!(pid('p1'), undefined as never)).toBe(false)
    expect(await gate.denyOutboundEncryptedConnection!(pid('p3'), undefined as never)).toBe(true)
    expect(g.setMembers([member('a', ['p1']), member('c', ['p3'])])).toEqual(['p2'])
    expect(await gate.denyDialPeer!(pid('p2'))).toBe(true)
    expect(await gate.denyDialPeer!(pid('p3'))).toBe(false)
    banned = 'p3'
    expect(await gate.denyDialPeer!(pid('p3'))).toBe(true)
    expect(g.isMember('self')).toBe(false)
  })
})

describe('peer scores', () => {
  it('disconnects at the threshold, bans for a while, and recovers over time', () => {
    let now = 0
    const dropped: string[] = []
    const s = new PeerScores(
      (p) => dropped.push(p),
      { disconnectThreshold: -100, recoveryPerSecond: 1, banMs: 10_000 },
      () => now,
    )
    for (let i = 0; i < 3; i++) expect(s.penalise('p', Penalty.severe, 'X')).toBe(false)
    now += 10_000 // recovers 10 points
    expect(s.score('p')).toBe(-65)
    expect(s.penalise('p', 35, 'X')).toBe(true)
    expect(dropped).toEqual(['p'])
    expect(s.isBanned('p')).toBe(true)
    now += 10_001
    expect(s.isBanned('p')).toBe(false)
  })
})

describe('rate limiter', () => {
  it('spends the burst, then refills at the rate', () => {
    let now = 0
    const r = new RateLimiter({ perSecond: 10, burst: 3 }, () => now)
    expect([r.take('a'), r.take('a'), r.take('a'), r.take('a')]).toEqual([true, true, true, false])
    expect(r.take('b')).toBe(true)
    now += 100
    expect(r.take('a')).toBe(true)
    expect(r.take('a')).toBe(false)
  })
})

describe('HTTP status by code', () => {
  it.each([
    ['DECODE_MALFORMED_CBOR', 400],
    ['TX_WRONG_CHAIN', 400],
    ['TX_BAD_SIGNATURE', 403],
    ['KV_UNAUTHORISED', 403],
    ['GOV_PERMISSION_DENIED', 403],
    ['MEMPOOL_DUPLICATE', 409],
    ['TX_BAD_NONCE', 409],
    ['TX_TOO_LARGE', 413],
    ['API_RATE_LIMITED', 429],
    ['MEMPOOL_FULL', 503],
    ['API_NOT_FOUND', 404],
  ])('%s → %i', (code, status) => {
    expect(statusOf(code)).toBe(status)
  })
})
