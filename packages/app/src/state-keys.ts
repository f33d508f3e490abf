/**
 * The application's key layout inside its state namespace — every key the app reads or writes
 * is built here. Keys are an ASCII table prefix followed by the id; ids are printable ASCII
 * (never 0x00), so `\0` separates an id from a sequence number without ambiguity, and no
 * prefix is a prefix of another.
 *
 * | key                              | value (canonical CBOR)                                   |
 * |----------------------------------|----------------------------------------------------------|
 * | `sys:config`                     | AppConfig: licence / certificate kinds per agency, max voting period |
 * | `sys:members`                    | sorted ids of the active member organisations            |
 * | `sys:validators`                 | latest validator set [{publicKey, power, member, name}]  |
 * | `sys:open-proposals`             | ids of proposals still open (bounded; scanned by endBlock) |
 * | `sys:pending`                    | validator / member changes made this block (endBlock reports and deletes it) |
 * | `mbr:<memberId>`                 | MemberRecord (also removed members)                      |
 * | `acct:<32-byte public key>`      | AccountRecord (also revoked / rotated keys)              |
 * | `rec:<recordId>`                 | any record: licence, certificate, invoice, loan, subsidy programme, beneficiary, subsidy grant, proposal |
 * | `hist:<recordId>\0<u32 BE n>`    | HistoryEntry n of the record                             |
 * | `invfp:<32-byte fingerprint>`    | id of the invoice registered with this fingerprint       |
 *
 * One record id ↔ one state key (`rec:<id>`), whatever the record type, so a proof for a record
 * id proves its current status (e.g. "revoked") or its absence.
 */
import { concatBytes, utf8 } from '@govchain/ledger'

const text = (s: string): Uint8Array => utf8.encode(s)

export const CONFIG_KEY: Uint8Array = text('sys:config')
export const MEMBERS_KEY: Uint8Array = text('sys:members')
export const VALIDATORS_KEY: Uint8Array = text('sys:validators')
export const OPEN_PROPOSALS_KEY: Uint8Array = text('sys:open-proposals')
export const PENDING_KEY: Uint8Array = text('sys:pending')

const MEMBER = text('mbr:')
const ACCOUNT = text('acct:')
const RECORD = text('rec:')
const HISTORY = text('hist:')
const INVOICE_FINGERPRINT = text('invfp:')

/**
 * `prefix ‖ utf8(id) ‖ extra` as one array — what concatenating them gives, without the
 * intermediate strings and arrays (keys are built for every read and write of a block).
 */
function joined(prefix: Uint8Array, id: string, extra = 0): Uint8Array {
  const p = prefix.length
  const n = id.length
  const out = new Uint8Array(p + n + extra)
  out.set(prefix)
  for (let i = 0; i < n; i++) {
    const c = id.charCodeAt(i)
    if (c > 0x7f) return concatBytes(prefix, text(id), new Uint8Array(extra))
    out[p + i] = c
  }
  return out
}

export function memberKey(id: string): Uint8Array {
  return joined(MEMBER, id)
}

export function accountKey(publicKey: Uint8Array): Uint8Array {
  return concatBytes(ACCOUNT, publicKey)
}

export function recordKey(id: string): Uint8Array {
  return joined(RECORD, id)
}

/** `hist:<id>\0<u32 BE seq>`. */
export function historyKey(id: string, seq: number): Uint8Array {
  const out = joined(HISTORY, id, 5)
  const at = out.length - 4
  out[at - 1] = 0
  out[at] = seq >>> 24
  out[at + 1] = (seq >>> 16) & 0xff
  out[at + 2] = (seq >>> 8) & 0xff
  out[at + 3] = seq & 0xff
  return out
}

export function invoiceFingerprintKey(fingerprint: Uint8Array): Uint8Array {
  return concatBytes(INVOICE_FINGERPRINT, fingerprint)
}
