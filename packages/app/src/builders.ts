/**
 * Typed transaction builders (the SDK's): each returns `{ type, payload }` with the payload
 * checked against its schema and canonically encoded, ready for `createSignedTx` (or `signTx`
 * below). Optional (nullable) payload fields may be left out.
 *
 *   const draft = buildLicenceApply({ recordId: 'LIC-1', agency: 'city-licensing', kind: 'food-premises-permit', fields })
 *   const tx = signTx(draft, { chainId, keyPair, nonce: 0 })
 */
import { createSignedTx, type KeyPair, type Transaction } from '@govchain/ledger'
import { encodePayload, PAYLOAD_SCHEMAS, type TxPayloads } from './payloads/index.js'
import type { Schema } from './payloads/schema.js'
import { TxType } from './tx-types.js'

export type TxDraft<T extends TxType = TxType> = { readonly type: T; readonly payload: Uint8Array }

type NullableKeys<P> = { [K in keyof P]-?: null extends P[K] ? K : never }[keyof P]
/** A payload where fields that may be null may also be left out. */
export type PayloadInput<P> = Omit<P, NullableKeys<P>> & { readonly [K in NullableKeys<P>]?: P[K] }

export function buildTx<T extends TxType>(type: T, input: PayloadInput<TxPayloads[T]>): TxDraft<T> {
  const schema: Schema = PAYLOAD_SCHEMAS[type]
  const full: Record<string, unknown> = { ...input }
  for (const [k, field] of Object.entries(schema)) if (field.nullable && full[k] === undefined) full[k] = null
  return { type, payload: encodePayload(type, full as TxPayloads[T]) }
}

function builder<T extends TxType>(type: T): (input: PayloadInput<TxPayloads[T]>) => TxDraft<T> {
  return (input) => buildTx(type, input)
}

export const buildAccountRegister = builder(TxType.accountRegister)
export const buildAccountRotateKey = builder(TxType.accountRotateKey)
export const buildAccountRevoke = builder(TxType.accountRevoke)
export const buildAccountSetRoles = builder(TxType.accountSetRoles)
export const buildAgencyDefineKind = builder(TxType.agencyDefineKind)
export const buildLicenceApply = builder(TxType.licenceApply)
export const buildLicenceApprove = builder(TxType.licenceApprove)
export const buildLicenceReject = builder(TxType.licenceReject)
export const buildLicenceIssue = builder(TxType.licenceIssue)
export const buildLicenceSuspend = builder(TxType.licenceSuspend)
export const buildLicenceReinstate = builder(TxType.licenceReinstate)
export const buildLicenceRevoke = builder(TxType.licenceRevoke)
export const buildCertificateIssue = builder(TxType.certificateIssue)
export const buildCertificateAmend = builder(TxType.certificateAmend)
export const buildCertificateRevoke = builder(TxType.certificateRevoke)
export const buildInvoiceRegister = builder(TxType.invoiceRegister)
export const buildInvoiceFinance = builder(TxType.invoiceFinance)
export const buildInvoiceSettle = builder(TxType.invoiceSettle)
export const buildInvoiceCancel = builder(TxType.invoiceCancel)
export const buildLoanApply = builder(TxType.loanApply)
export const buildLoanApprove = builder(TxType.loanApprove)
export const buildLoanReject = builder(TxType.loanReject)
export const buildLoanDisburse = builder(TxType.loanDisburse)
export const buildLoanRepay = builder(TxType.loanRepay)
export const buildLoanClose = builder(TxType.loanClose)
export const buildSubsidyCreateProgramme = builder(TxType.subsidyCreateProgramme)
export const buildSubsidyRegisterBeneficiary = builder(TxType.subsidyRegisterBeneficiary)
export const buildSubsidyGrant = builder(TxType.subsidyGrant)
export const buildSubsidyDisburse = builder(TxType.subsidyDisburse)
export const buildRecordErase = builder(TxType.recordErase)
export const buildAuditNote = builder(TxType.auditNote)
export const buildGovPropose = builder(TxType.govPropose)
export const buildGovVote = builder(TxType.govVote)

/** Signs a draft: the envelope's nonce is the sender's next nonce; `expiryHeight` null for none. */
export function signTx(
  draft: TxDraft,
  opts: { chainId: string; keyPair: KeyPair; nonce: number; expiryHeight?: number | null },
): Transaction {
  return createSignedTx(
    {
      chainId: opts.chainId,
      sender: opts.keyPair.publicKey,
      nonce: opts.nonce,
      type: draft.type,
      payload: draft.payload,
      expiryHeight: opts.expiryHeight ?? null,
    },
    opts.keyPair.secretKey,
  )
}
