/**
 * Salted commitments to personal data. A record on chain holds, per personal field, only
 *   commitment = SHA-256(encode(["govchain/field-commitment", 1, recordId, field, salt, value]))
 * with a fresh 32-byte random salt PER FIELD. Binding the record id and field name stops a
 * commitment from being replayed into another record or field; separate salts mean a disclosure
 * of one field (value + its salt) reveals nothing that helps guess the others — with one salt
 * per record, disclosing one field would let anyone brute-force low-entropy siblings (a birth
 * date) offline.
 *
 * A disclosure `{ recordId, field, value, salt }` is handed to a citizen (or whoever the citizen
 * shows it to) by the organisation that keeps the values; it verifies against the record's
 * on-chain commitment, which itself is proven by a record proof.
 *
 * Invoices are identified across banks by an UNSALTED fingerprint of their business identifiers
 * (seller, buyer, invoice number): every bank that sees the same real invoice computes the same
 * fingerprint, which is what makes double financing detectable. These are company identifiers,
 * not personal data, and only their hash goes on chain.
 */
import { encode, fromHex, sha256, toHex, equalBytes } from '@govchain/ledger'
import { AppError, AppErrorCode } from './errors.js'
import { FIELD_NAME_PATTERN, RECORD_ID_PATTERN } from './payloads/schema.js'
import type { Commitments } from './types.js'

export const COMMITMENT_DOMAIN = 'govchain/field-commitment'
export const COMMITMENT_VERSION = 1
export const SALT_LENGTH = 32
export const MAX_FIELD_VALUE_LENGTH = 4096

export type Disclosure = {
  readonly recordId: string
  readonly field: string
  readonly value: string
  readonly salt: Uint8Array
}

function bad(message: string): AppError {
  return new AppError(AppErrorCode.BAD_PAYLOAD, message)
}

export function checkCommitmentInput(recordId: string, field: string, value: string): void {
  if (typeof recordId !== 'string' || !RECORD_ID_PATTERN.test(recordId))
    throw bad('commitment: bad record id')
  if (typeof field !== 'string' || !FIELD_NAME_PATTERN.test(field)) throw bad(`commitment: bad field name`)
  if (typeof value !== 'string' || value.length > MAX_FIELD_VALUE_LENGTH) {
    throw bad(`commitment: value must be text of at most ${MAX_FIELD_VALUE_LENGTH} characters`)
  }
}

export function commitField(recordId: string, field: string, salt: Uint8Array, value: string): Uint8Array {
  checkCommitmentInput(recordId, field, value)
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_LENGTH) {
    throw bad(`commitment: salt must be ${SALT_LENGTH} bytes`)
  }
  return sha256(encode([COMMITMENT_DOMAIN, COMMITMENT_VERSION, recordId, field, salt, value]))
}

/** 32 bytes from the platform CSPRNG (off-chain only: never called during execution). */
export function randomSalt(): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(SALT_LENGTH))
}

/** Whether the disclosure opens `commitment`. Never throws. */
export function verifyDisclosureAgainst(d: Disclosure, commitment: Uint8Array): boolean {
  try {
    return equalBytes(commitField(d.recordId, d.field, d.salt, d.value), commitment)
  } catch {
    return false
  }
}

/** Whether the disclosure opens the named field of this (proven) record. */
export function verifyDisclosure(
  d: Disclosure,
  record: { readonly id: string; readonly fields: Commitments },
): boolean {
  if (d.recordId !== record.id || !Object.hasOwn(record.fields, d.field)) return false
  return verifyDisclosureAgainst(d, record.fields[d.field]!)
}

export type DisclosureJson = { recordId: string; field: string; value: string; salt: string }

export function disclosureToJSON(d: Disclosure): DisclosureJson {
  return { recordId: d.recordId, field: d.field, value: d.value, salt: toHex(d.salt) }
}

export function disclosureFromJSON(json: unknown): Disclosure {
  const o = json as Partial<DisclosureJson> | null
  if (o === null || typeof o !== 'object') throw bad('disclosure: expected an object')
  const keys = Object.keys(o).sort().join(',')
  if (keys !== 'field,recordId,salt,value') throw bad('disclosure: expected { recordId, field, value, salt }')
  checkCommitmentInput(o.recordId as string, o.field as string, o.value as string)
  let salt: Uint8Array
  try {
    salt = fromHex(o.salt as string, SALT_LENGTH, 'salt')
  } catch {
    throw bad(`disclosure: salt must be ${SALT_LENGTH} bytes of lowercase hex`)
  }
  return { recordId: o.recordId!, field: o.field!, value: o.value!, salt }
}

export const INVOICE_FINGERPRINT_DOMAIN = 'govchain/invoice-fingerprint'

/** Trim, collapse inner whitespace, upper-case: "inv 001 " and "INV  001" are the same invoice. */
export function normalizeInvoiceIdentifier(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toUpperCase()
}

export type InvoiceIdentity = {
  /** Seller's business / tax registration number. */
  readonly sellerId: string
  /** Buyer's business / tax registration number. */
  readonly buyerId: string
  /** The seller's invoice number. */
  readonly invoiceNumber: string
}

export function invoiceFingerprint(inv: InvoiceIdentity): Uint8Array {
  const parts = [inv.sellerId, inv.buyerId, inv.invoiceNumber].map((p) => {
    if (typeof p !== 'string') throw bad('invoice identity: expected text')
    const n = normalizeInvoiceIdentifier(p)
    if (n.length === 0 || n.length > 256) throw bad('invoice identity: each part must be 1–256 characters')
    return n
  })
  return sha256(encode([INVOICE_FINGERPRINT_DOMAIN, 1, ...parts]))
}
