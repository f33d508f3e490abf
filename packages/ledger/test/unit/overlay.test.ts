/**
 * The block overlay's transaction units (begin / keep / rollback) behave as the child overlays
 * they replace in execution: a kept unit's writes stay, an undone unit leaves the overlay as it
 * was before `begin`, reads inside a unit see its own writes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { StateOverlay } from '../../src/state/overlay.js'
import { toHex } from '../../src/index.js'
import type { StateReader } from '../../src/state/types.js'

const base: StateReader = { get: (key) => Promise.resolve(key[0] === 9 ? Uint8Array.of(90) : undefined) }
const k = (n: number) => Uint8Array.of(n)
const dump = (o: StateOverlay) =>
  o.changes().map((c) => [toHex(c.key), c.value === null ? null : toHex(c.value)])

type Op = { readonly key: number; readonly value: number | null }
const op = fc.record({
  key: fc.integer({ min: 0, max: 9 }),
  value: fc.option(fc.integer({ min: 0, max: 255 })),
})
const apply = (o: StateOverlay, ops: readonly Op[]) => {
  for (const { key, value } of ops) {
    if (value === null) o.delete(k(key))
    else o.set(k(key), Uint8Array.of(value))
  }
}

describe('state overlay transaction units', () => {
  it('rollback undoes exactly the unit, keep keeps it (as child + merge would)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(op, { maxLength: 6 }), fc.boolean())), (units) => {
        const journaled = new StateOverlay(base)
        const merged = new StateOverlay(base)
        for (const [ops, ok] of units) {
          journaled.begin()
          apply(journaled, ops)
          if (ok) journaled.keep()
          else journaled.rollback()
          const child = merged.child()
          apply(child, ops)
          if (ok) merged.merge(child)
        }
        expect(dump(journaled)).toEqual(dump(merged))
      }),
    )
  })

  it('reads inside a unit see its writes, and the base again after rollback', async () => {
    const o = new StateOverlay(base, { cacheReads: true })
    expect(await o.get(k(9))).toEqual(Uint8Array.of(90))
    o.begin()
    o.set(k(9), Uint8Array.of(1))
    o.delete(k(3))
    expect(await o.get(k(9))).toEqual(Uint8Array.of(1))
    o.rollback()
    expect(await o.get(k(9))).toEqual(Uint8Array.of(90))
    expect(o.size).toBe(0)
  })
})
