import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  joinWrites,
  KvWriteList,
  kvWriteBytes,
  openMemoryStore,
  SegmentedWriter,
  type KvWrite,
} from '../../src/index.js'

type Op =
  | {
      readonly op: 'put' | 'putCopy'
      readonly key: Uint8Array
      readonly value: Uint8Array
      readonly prefix?: number
    }
  | { readonly op: 'del'; readonly key: Uint8Array; readonly prefix?: number }

const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const prefix = fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined })
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constantFrom('put' as const, 'putCopy' as const),
    key: bytes(40),
    value: bytes(300),
    prefix,
  }),
  fc.record({ op: fc.constant('del' as const), key: bytes(40), prefix }),
)

function listOf(ops: readonly Op[]): KvWriteList {
  const list = new KvWriteList()
  for (const o of ops) {
    if (o.op === 'del') list.del(o.key, o.prefix)
    else list[o.op](o.key, o.value, o.prefix)
  }
  return list
}

/** The writes the ops stand for, as plain objects. */
function expected(ops: readonly Op[]): KvWrite[] {
  return ops.map((o) => {
    const key = o.prefix === undefined ? o.key : Uint8Array.of(o.prefix, ...o.key)
    return o.op === 'del' ? { type: 'del', key } : { type: 'put', key, value: o.value }
  })
}

describe('KvWriteList', () => {
  it('gives back every write in order, as many times as it is iterated (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const list = listOf(ops)
        expect(list.length).toBe(ops.length)
        expect([...list]).toEqual(expected(ops))
        expect([...list]).toEqual(expected(ops))
        expect(kvWriteBytes(list)).toBe(kvWriteBytes(expected(ops)))
      }),
    )
  })

  it('keeps a large put value by reference and copies the rest, keys included', () => {
    const list = new KvWriteList()
    const key = Uint8Array.of(1, 2, 3)
    const shared = new Uint8Array(1000).fill(9) // a buffer shared by many values
    const large = shared.subarray(100, 200)
    const small = shared.subarray(300, 364) // 64 bytes: copied
    const copied = Uint8Array.of(8)
    list.put(key, large)
    list.put(key, small)
    list.putCopy(key, copied, 0x07)
    key[0] = 0xff
    shared.fill(1)
    copied[0] = 0
    const [a, b, c] = [...list]
    expect(a).toEqual({ type: 'put', key: Uint8Array.of(1, 2, 3), value: new Uint8Array(100).fill(1) })
    expect(a?.type === 'put' && a.value.buffer).toBe(shared.buffer)
    expect(b).toEqual({ type: 'put', key: Uint8Array.of(1, 2, 3), value: new Uint8Array(64).fill(9) })
    expect(c).toEqual({ type: 'put', key: Uint8Array.of(7, 1, 2, 3), value: Uint8Array.of(8) })
  })

  it('grows past its first buffer without moving what it has handed out', () => {
    const list = new KvWriteList()
    list.putCopy(Uint8Array.of(1), new Uint8Array(100).fill(1))
    const [first] = [...list]
    for (let i = 0; i < 1000; i++) list.putCopy(Uint8Array.of(2, i & 255), new Uint8Array(100).fill(2))
    expect(first).toEqual({ type: 'put', key: Uint8Array.of(1), value: new Uint8Array(100).fill(1) })
    expect([...list][0]).toEqual(first)
    expect(list.length).toBe(1001)
  })

  it('adds writes given as objects, and joins lists without copying', () => {
    const a = new KvWriteList()
    a.add([
      { type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(10) },
      { type: 'del', key: Uint8Array.of(2) },
    ])
    const b: KvWrite[] = [{ type: 'put', key: Uint8Array.of(3), value: Uint8Array.of(30) }]
    const joined = joinWrites(a, b, new KvWriteList())
    expect(joined.length).toBe(3)
    expect([...joined].map((w) => w.key[0])).toEqual([1, 2, 3])
    expect([...joined]).toEqual([...joined])
  })

  it('knows which buckets it has puts in', () => {
    const list = new KvWriteList()
    list.del(Uint8Array.of(6, 1))
    list.put(Uint8Array.of(1), Uint8Array.of(1), 0x07)
    list.putCopy(Uint8Array.of(0xff, 1), Uint8Array.of(1))
    list.put(new Uint8Array(0), Uint8Array.of(1))
    expect([0x06, 0x07, 0xff, 0x00, 0x01].map((b) => list.hasPutsStartingWith(b))).toEqual([
      false,
      true,
      true,
      false,
      false,
    ])
  })

  it('is what a store writes', async () => {
    const store = await openMemoryStore()
    const list = new KvWriteList()
    list.put(Uint8Array.of(1), Uint8Array.of(10), 0x07)
    list.putCopy(Uint8Array.of(2), Uint8Array.of(20), 0x07)
    list.del(Uint8Array.of(1), 0x07)
    await store.write(list)
    expect(await store.get(Uint8Array.of(7, 1))).toBeUndefined()
    expect(await store.get(Uint8Array.of(7, 2))).toEqual(Uint8Array.of(20))
    await store.close()
  })
})

describe('SegmentedWriter', () => {
  const k = (...b: number[]) => Uint8Array.from(b)

  it('signals a full segment, hands over its writes in order and resets', async () => {
    const writer = new SegmentedWriter(await openMemoryStore(), 10)
    expect(writer.add({ type: 'put', key: k(1), value: k(1, 2, 3) })).toBe(false) // 4 bytes
    expect(writer.add({ type: 'del', key: k(2, 2) })).toBe(false) // 6
    expect(writer.add({ type: 'put', key: k(3), value: k(9, 9, 9, 9) })).toBe(true) // 11
    expect([...writer.take()]).toEqual([
      { type: 'put', key: k(1), value: k(1, 2, 3) },
      { type: 'del', key: k(2, 2) },
      { type: 'put', key: k(3), value: k(9, 9, 9, 9) },
    ])
    expect(writer.take()).toHaveLength(0)
    expect(writer.add({ type: 'put', key: k(4), value: k(4) })).toBe(false) // the count restarted
  })

  it('flush writes the segment to the store and empties it', async () => {
    const store = await openMemoryStore()
    const writer = new SegmentedWriter(store)
    const values = Array.from({ length: 5 }, (_, i) => new Uint8Array(100).fill(i))
    values.forEach((value, i) => writer.add({ type: 'put', key: k(7, i), value }))
    await writer.flush()
    expect(writer.take()).toHaveLength(0)
    for (let i = 0; i < values.length; i++) expect(await store.get(k(7, i))).toEqual(values[i])
  })
})
