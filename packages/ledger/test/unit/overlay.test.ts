/**
 * The block overlay's transaction units (begin / keep / rollback) behave as the child overlays
 * they replace in execution: a kept unit's writes stay, an undone unit leaves the overlay as it
 * was before `begin`, reads inside a unit see its own writes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { prefixedWriter, StateOverlay } from '../../src/state/overlay.js'
import { compareBytes, isPending, readNow, toHex } from '../../src/index.js'
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

  it('a prefixed writer records prefix ‖ key, like a plain overlay given the joined keys', () => {
    const keyBytes = fc.uint8Array({ minLength: 0, maxLength: 200 })
    const prefixedOp = fc.record({
      prefix: fc.constantFrom(k(7), Uint8Array.of(1, 2, 3)),
      key: keyBytes,
      del: fc.boolean(),
    })
    fc.assert(
      fc.property(fc.array(prefixedOp, { maxLength: 30 }), (ops) => {
        const viaPrefix = new StateOverlay(base)
        const joined = new StateOverlay(base)
        ops.forEach(({ prefix, key, del }, i) => {
          const value = Uint8Array.of(i & 0xff)
          const w = prefixedWriter(viaPrefix, prefix)
          const full = Uint8Array.from([...prefix, ...key])
          if (del) {
            w.delete(key)
            joined.delete(full)
          } else {
            w.set(key, value)
            joined.set(full, value)
          }
        })
        expect(dump(viaPrefix)).toEqual(dump(joined))
        for (const c of viaPrefix.changes()) expect(readNow(viaPrefix, c.key)).toEqual(c.value ?? undefined)
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

describe('state overlay reads without waiting', () => {
  const syncBase: StateReader = { ...base, getNow: (key) => (key[0] === 9 ? Uint8Array.of(90) : undefined) }
  const step = fc.oneof(
    op.map((o) => ({ kind: 'write' as const, ...o })),
    fc.constantFrom('begin' as const, 'keep' as const, 'rollback' as const).map((kind) => ({ kind })),
    fc.integer({ min: 0, max: 9 }).map((key) => ({ kind: 'read' as const, key })),
  )
  const show = (v: Uint8Array | undefined) => (v === undefined ? null : toHex(v))

  it('getNow and get agree with an overlay over a promise-only base, cached or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), fc.boolean(), async (steps, cacheReads) => {
        const reference = new StateOverlay(base, { cacheReads })
        const overAsync = new StateOverlay(base, { cacheReads })
        const overSync = new StateOverlay(syncBase, { cacheReads })
        const all = [reference, overAsync, overSync]
        for (const s of steps) {
          if (s.kind === 'write') for (const o of all) apply(o, [s])
          else if (s.kind === 'begin') for (const o of all) o.begin()
          else if (s.kind === 'keep') for (const o of all) o.keep()
          else if (s.kind === 'rollback') for (const o of all) o.rollback()
          else if (s.kind === 'read') {
            const expected = show(await reference.get(k(s.key)))
            const read = overAsync.getNow(k(s.key))
            expect(show(read instanceof Promise ? await read : read)).toBe(expected)
            const now = overSync.getNow(k(s.key))
            expect(now instanceof Promise).toBe(false)
            expect(show(now as Uint8Array | undefined)).toBe(expected)
            expect(show(await overSync.get(k(s.key)))).toBe(expected)
            // The same key through namespaced views (prefix ‖ key, split either way).
            const whole = readNow(prefixedWriter(overSync, k(s.key)), new Uint8Array(0))
            expect(show(whole as Uint8Array | undefined)).toBe(expected)
            expect(show(await prefixedWriter(overAsync, new Uint8Array(0)).get(k(s.key)))).toBe(expected)
          }
        }
        expect(dump(overSync)).toEqual(dump(reference))
      }),
    )
  })

  it('a cached read is at hand once settled, the same array each time', async () => {
    const o = new StateOverlay(base, { cacheReads: true })
    const first = o.getNow(k(9))
    expect(first).toBeInstanceOf(Promise)
    const value = await first
    expect(o.getNow(k(9))).toBe(value)
    expect(await o.get(k(9))).toBe(value)
    expect(o.getNow(k(3))).toBeInstanceOf(Promise)
    await Promise.resolve()
    expect(o.getNow(k(3))).toBeUndefined()
  })

  it('tells many keys apart (ids of recent keys are reused only when every byte matches)', async () => {
    const o = new StateOverlay(base, { cacheReads: true })
    const reference = new Map<string, string>()
    const keys = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 140 }), { numRuns: 20_000, seed: 3 })
    keys.forEach((key, i) => {
      if (key[0] === 9) return
      const value = Uint8Array.of(i & 0xff, i >> 8)
      prefixedWriter(o, key.subarray(0, 1)).set(key.subarray(1), value)
      reference.set(toHex(key), toHex(value))
    })
    for (const key of keys) {
      if (key[0] === 9) continue
      expect(show(o.getNow(key) as Uint8Array | undefined)).toBe(reference.get(toHex(key)))
      const view = prefixedWriter(o, key.subarray(0, key.length >> 1))
      expect(show(await view.get(key.subarray(key.length >> 1)))).toBe(reference.get(toHex(key)))
    }
    expect(o.size).toBe(reference.size)
    // changes() sorts by id; the order is compareBytes' on the keys.
    const changed = o.changes().map((c) => c.key)
    const sorted = changed.slice().sort(compareBytes)
    expect(changed.map(toHex)).toEqual(sorted.map(toHex))
  })

  it('takes a then-able that is not a native promise from the base as a pending read', async () => {
    const thenable: StateReader = {
      get: (key) =>
        ({
          then: (ok: (v: Uint8Array | undefined) => unknown) =>
            ok(key[0] === 9 ? Uint8Array.of(90) : undefined),
        }) as unknown as Promise<Uint8Array | undefined>,
    }
    const o = new StateOverlay(thenable, { cacheReads: true })
    expect(isPending(o.getNow(k(9)))).toBe(true)
    expect(await o.get(k(9))).toEqual(Uint8Array.of(90))
    expect(o.getNow(k(9))).toEqual(Uint8Array.of(90))
    expect(await o.get(k(3))).toBeUndefined()
    expect(o.getNow(k(3))).toBeUndefined()
  })

  it('a failed read is not remembered', async () => {
    let fail = true
    const flaky: StateReader = {
      get: () => (fail ? Promise.reject(new Error('io')) : Promise.resolve(Uint8Array.of(1))),
    }
    const o = new StateOverlay(flaky, { cacheReads: true })
    await expect(o.get(k(1))).rejects.toThrow('io')
    fail = false
    expect(await o.get(k(1))).toEqual(Uint8Array.of(1))
  })
})
