import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { openLevelStore, openMemoryStore, toHex, utf8, type KvStore } from '@govchain/ledger'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AppErrorCode,
  buildCertificateIssue,
  buildRecordErase,
  commitField,
  disclosureFromJSON,
  disclosureToJSON,
  OffchainStore,
  verifyDisclosure,
  verifyDisclosureAgainst,
  type Disclosure,
} from '../../src/index.js'
import { TestChain } from '../harness.js'

const VALUES = {
  name: 'Maria Example',
  nationalId: '850101-1234',
  birthDate: '1985-01-01',
  address: '1 Main Street',
}

async function rawEntries(kv: KvStore): Promise<[Uint8Array, Uint8Array][]> {
  const out: [Uint8Array, Uint8Array][] = []
  for await (const e of kv.range({})) out.push(e)
  return out
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  return toHex(haystack).includes(toHex(needle))
}

describe('salted commitments and disclosures', () => {
  const salt = new Uint8Array(32).fill(7)
  const d: Disclosure = { recordId: 'CERT-1', field: 'name', value: 'Maria Example', salt }
  const c = commitField('CERT-1', 'name', salt, 'Maria Example')

  it('a disclosure verifies for the right value, salt, field and record, and fails for any other', () => {
    expect(verifyDisclosureAgainst(d, c)).toBe(true)
    for (const other of [
      { ...d, value: 'Maria Exampl' },
      { ...d, value: 'maria example' },
      { ...d, salt: new Uint8Array(32).fill(8) },
      { ...d, salt: new Uint8Array(31).fill(7) },
      { ...d, field: 'address' },
      { ...d, recordId: 'CERT-2' },
    ]) {
      expect(verifyDisclosureAgainst(other, c)).toBe(false)
    }
    expect(verifyDisclosure(d, { id: 'CERT-1', fields: { name: c } })).toBe(true)
    expect(verifyDisclosure(d, { id: 'CERT-1', fields: { surname: c } })).toBe(false)
    expect(verifyDisclosure(d, { id: 'CERT-9', fields: { name: c } })).toBe(false)
  })

  it('property: any change to value, salt or field breaks the disclosure', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }),
        fc.string({ maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (value, otherValue, s1, s2) => {
          const commitment = commitField('R-1', 'field', s1, value)
          expect(
            verifyDisclosureAgainst({ recordId: 'R-1', field: 'field', value, salt: s1 }, commitment),
          ).toBe(true)
          if (otherValue !== value) {
            expect(
              verifyDisclosureAgainst(
                { recordId: 'R-1', field: 'field', value: otherValue, salt: s1 },
                commitment,
              ),
            ).toBe(false)
          }
          if (toHex(s1) !== toHex(s2)) {
            expect(
              verifyDisclosureAgainst({ recordId: 'R-1', field: 'field', value, salt: s2 }, commitment),
            ).toBe(false)
          }
          expect(
            verifyDisclosureAgainst({ recordId: 'R-1', field: 'other', value, salt: s1 }, commitment),
          ).toBe(false)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('the same value in two fields or records gives unrelated commitments', () => {
    expect(toHex(commitField('R-1', 'a', salt, 'x'))).not.toBe(toHex(commitField('R-1', 'b', salt, 'x')))
    expect(toHex(commitField('R-1', 'a', salt, 'x'))).not.toBe(toHex(commitField('R-2', 'a', salt, 'x')))
  })

  it('disclosures round-trip through JSON strictly', () => {
    expect(disclosureFromJSON(JSON.parse(JSON.stringify(disclosureToJSON(d))))).toEqual(d)
    for (const bad of [
      null,
      {},
      { ...disclosureToJSON(d), extra: 1 },
      { ...disclosureToJSON(d), salt: 'abc' },
      { ...disclosureToJSON(d), field: 'Bad Field' },
    ]) {
      expect(() => disclosureFromJSON(bad)).toThrow(
        expect.objectContaining({ code: AppErrorCode.BAD_PAYLOAD }),
      )
    }
  })
})

describe('the organisation’s off-chain store', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it.each(['memory', 'leveldb'])(
    '%s: commit → on-chain record → disclosure verifies; erase → values and salts gone',
    async (kind) => {
      let kv: KvStore
      if (kind === 'memory') kv = await openMemoryStore()
      else {
        const dir = await mkdtemp(join(tmpdir(), 'govchain-offchain-'))
        dirs.push(dir)
        kv = await openLevelStore(dir)
      }
      const store = new OffchainStore(kv)
      const other = await store.commit('CERT-OTHER', { name: 'Someone Else' })
      const commitments = await store.commit('CERT-P1', VALUES)
      expect(Object.keys(commitments).sort()).toEqual(Object.keys(VALUES).sort())

      // the chain holds only the commitments
      const chain = await TestChain.create()
      await chain.ok(
        'registry-officer',
        buildCertificateIssue({ recordId: 'CERT-P1', kind: 'residence', fields: commitments }),
      )
      const record = (await chain.record('CERT-P1')).record
      for (const value of Object.values(VALUES)) {
        for (const v of chain.state.entries.values()) expect(contains(v, utf8.encode(value))).toBe(false)
      }

      // a citizen gets a disclosure of one field; it proves that field and nothing else
      const disclosure = await store.disclose('CERT-P1', 'birthDate')
      expect(disclosure.value).toBe('1985-01-01')
      expect(verifyDisclosure(disclosure, record)).toBe(true)
      expect(verifyDisclosure({ ...disclosure, value: '1985-01-02' }, record)).toBe(false)
      expect(verifyDisclosure({ ...disclosure, field: 'name' }, record)).toBe(false)
      const salts = Object.values(await store.fields('CERT-P1')).map((f) => toHex(f.salt))
      expect(new Set(salts).size).toBe(4) // a salt per field

      // erasure: the values and salts are gone from the store, the chain records it
      expect(await store.erase('CERT-P1')).toBe(4)
      await chain.ok('registry-admin', buildRecordErase({ recordId: 'CERT-P1', reason: 'citizen-request' }))
      expect(await store.fields('CERT-P1')).toEqual({})
      await expect(store.disclose('CERT-P1', 'birthDate')).rejects.toMatchObject({
        code: AppErrorCode.OFFCHAIN_MISSING,
      })
      for (const [k, v] of await rawEntries(kv)) {
        for (const value of Object.values(VALUES)) expect(contains(v, utf8.encode(value))).toBe(false)
        for (const s of salts) expect(toHex(v).includes(s)).toBe(false)
        expect(contains(k, utf8.encode('CERT-P1'))).toBe(false)
      }
      // without the salt even the right value cannot be matched to the remaining commitment
      expect(
        verifyDisclosure(
          { recordId: 'CERT-P1', field: 'birthDate', value: '1985-01-01', salt: new Uint8Array(32) },
          record,
        ),
      ).toBe(false)
      // other records are untouched
      expect(
        verifyDisclosure(await store.disclose('CERT-OTHER', 'name'), { id: 'CERT-OTHER', fields: other }),
      ).toBe(true)
      await kv.close()
    },
  )

  it.each([
    ['in the log (not yet flushed)', false],
    ['in a table file (flushed when the database reopened)', true],
  ])('leveldb: after erase no file of the database holds the values or salts, %s', async (_where, reopen) => {
    const dir = await mkdtemp(join(tmpdir(), 'govchain-erase-'))
    dirs.push(dir)
    const marker = `Erase-Me-${Math.random().toString(36).slice(2)}`
    const values = { name: `${marker} Name`, address: `${marker} Street 7` }
    const filesContain = async (needle: Uint8Array) => {
      for (const name of await readdir(dir)) {
        if (contains(new Uint8Array(await readFile(join(dir, name))), needle)) return true
      }
      return false
    }
    let kv = await openLevelStore(dir)
    let store = new OffchainStore(kv)
    await store.commit('CERT-KEEP', { name: 'Kept Person' })
    await store.commit('CERT-GONE', values)
    const salts = Object.values(await store.fields('CERT-GONE')).map((f) => f.salt)
    if (reopen) {
      await kv.close()
      kv = await openLevelStore(dir)
      store = new OffchainStore(kv)
    }
    // The files do hold them before the erasure (so the check below can see them).
    expect(await filesContain(utf8.encode(marker))).toBe(true)
    for (const salt of salts) expect(await filesContain(salt)).toBe(true)

    expect(await store.erase('CERT-GONE')).toBe(2)
    expect(await filesContain(utf8.encode(marker))).toBe(false)
    for (const salt of salts) expect(await filesContain(salt)).toBe(false)
    expect((await store.disclose('CERT-KEEP', 'name')).value).toBe('Kept Person')
    await kv.close()
  })

  it('leveldb: after erase no file holds an amended record spread over many table files and levels', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'govchain-erase-'))
    dirs.push(dir)
    // A 64 KiB memtable: the records end up in many flushed tables, compacted into deeper levels.
    const open = () => openLevelStore(dir, { writeBufferSize: 64 * 1024 })
    let kv = await open()
    let store = new OffchainStore(kv)
    const marker = `Erase-Me-${Math.random().toString(36).slice(2)}`
    for (let i = 0; i < 400; i++) {
      const name = i === 150 ? `${marker} first` : `Person ${i}`
      await store.commit(`R-${i}`, { name: name + ' '.repeat(900), address: `Street ${i}`.padEnd(500, '.') })
      if (i === 200) {
        await kv.close()
        kv = await open()
        store = new OffchainStore(kv)
      }
    }
    await store.commit('R-150', { name: `${marker} amended` }) // the older version lingers too
    const tables = (await readdir(dir)).filter((f) => f.endsWith('.ldb'))
    expect(tables.length).toBeGreaterThan(1)

    expect(await store.erase('R-150')).toBe(2)
    for (const name of await readdir(dir)) {
      expect(contains(new Uint8Array(await readFile(join(dir, name))), utf8.encode(marker)), name).toBe(false)
    }
    expect((await store.disclose('R-151', 'address')).value).toMatch(/^Street 151/)
    await kv.close()
  })

  it('an amendment re-commits one field with a fresh salt', async () => {
    const store = new OffchainStore(await openMemoryStore())
    const first = await store.commit('C-2', { address: 'Old Street 1' })
    const second = await store.commit('C-2', { address: 'New Road 2' })
    expect(toHex(first.address!)).not.toBe(toHex(second.address!))
    expect((await store.disclose('C-2', 'address')).value).toBe('New Road 2')
  })

  it('refuses bad record ids, field names and oversized values', async () => {
    const store = new OffchainStore(await openMemoryStore())
    await expect(store.commit('bad id', { a: 'x' })).rejects.toMatchObject({ code: AppErrorCode.BAD_PAYLOAD })
    await expect(store.commit('R', { 'Bad Field': 'x' })).rejects.toMatchObject({
      code: AppErrorCode.BAD_PAYLOAD,
    })
    await expect(store.commit('R', { a: 'x'.repeat(4097) })).rejects.toMatchObject({
      code: AppErrorCode.BAD_PAYLOAD,
    })
  })
})
