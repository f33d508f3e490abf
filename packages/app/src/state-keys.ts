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

export function memberKey(id: string): Uint8Array {
  return text(`mbr:${id}`)
}

export function accountKey(publicKey: Uint8Array): Uint8Array {
  return concatBytes(text('acct:'), publicKey)
}

export function recordKey(id: string): Uint8Array {
  return text(`rec:${id}`)
}

export function historyKey(id: string, seq: number): Uint8Array {
  const n = new Uint8Array(4)
  new DataView(n.buffer).setUint32(0, seq)
  return concatBytes(text(`hist:${id}\0`), n)
}

export function invoiceFingerprintKey(fingerprint: Uint8Array): Uint8Array {
  return concatBytes(text('invfp:'), fingerprint)
}
