/** Sample payloads and small helpers shared by the app tests. */
import { sha256, utf8 } from '@govchain/ledger'
import { commitField, invoiceFingerprint, TxType, type Commitments, type TxPayloads } from '../src/index.js'
import { key } from './harness.js'

/** Deterministic salt for tests (production salts come from the off-chain store's CSPRNG). */
export function testSalt(recordId: string, field: string): Uint8Array {
  return sha256(utf8.encode(`salt/${recordId}/${field}`))
}

export function commit(recordId: string, values: Record<string, string>): Commitments {
  return Object.fromEntries(
    Object.entries(values).map(([f, v]) => [f, commitField(recordId, f, testSalt(recordId, f), v)]),
  )
}

export const citizen = (recordId: string): Commitments =>
  commit(recordId, { name: 'Maria Example', nationalId: '850101-1234', address: '1 Main Street' })

export const fp = (n: string, seller = 'SELLER-1', buyer = 'BUYER-1'): Uint8Array =>
  invoiceFingerprint({ sellerId: seller, buyerId: buyer, invoiceNumber: n })

const h32 = sha256(utf8.encode('document'))

/** One schema-valid payload per transaction type. */
export const SAMPLE_PAYLOADS: { [T in TxType]: TxPayloads[T] } = {
  [TxType.accountRegister]: {
    member: 'city-licensing',
    name: 'new-clerk',
    publicKey: key('new-clerk').publicKey,
    roles: ['licence-officer'],
  },
  [TxType.accountRotateKey]: {
    publicKey: key('licensing-officer').publicKey,
    newPublicKey: key('rotated').publicKey,
  },
  [TxType.accountRevoke]: { publicKey: key('licensing-officer').publicKey, reason: 'left-office' },
  [TxType.accountSetRoles]: {
    publicKey: key('licensing-officer').publicKey,
    roles: ['licence-officer', 'certificate-officer'],
  },
  [TxType.agencyDefineKind]: { domain: 'licence', kind: 'market-stall' },
  [TxType.licenceApply]: {
    recordId: 'LIC-1',
    agency: 'city-licensing',
    kind: 'business-licence',
    fields: citizen('LIC-1'),
  },
  [TxType.licenceApprove]: { recordId: 'LIC-1', document: h32 },
  [TxType.licenceReject]: { recordId: 'LIC-1', reason: 'incomplete', document: null },
  [TxType.licenceIssue]: { recordId: 'LIC-1', validFromHeight: 1, validUntilHeight: 1000, document: null },
  [TxType.licenceSuspend]: { recordId: 'LIC-1', reason: 'inspection-failed', document: null },
  [TxType.licenceReinstate]: { recordId: 'LIC-1', document: null },
  [TxType.licenceRevoke]: { recordId: 'LIC-1', reason: 'fraud', document: null },
  [TxType.certificateIssue]: {
    recordId: 'CERT-1',
    kind: 'residence',
    fields: citizen('CERT-1'),
    validUntilHeight: null,
  },
  [TxType.certificateAmend]: {
    recordId: 'CERT-1',
    fields: commit('CERT-1', { address: '2 New Road' }),
    reason: 'moved',
  },
  [TxType.certificateRevoke]: { recordId: 'CERT-1', reason: 'issued-in-error' },
  [TxType.invoiceRegister]: {
    recordId: 'INV-1',
    fingerprint: fp('1'),
    amount: 100_000,
    currency: 'EUR',
    fields: {},
  },
  [TxType.invoiceFinance]: { recordId: 'INV-1', fingerprint: fp('1'), amount: 90_000 },
  [TxType.invoiceSettle]: { recordId: 'INV-1' },
  [TxType.invoiceCancel]: { recordId: 'INV-1', reason: 'duplicate-entry' },
  [TxType.loanApply]: { recordId: 'LOAN-1', amount: 500_000, currency: 'EUR', fields: citizen('LOAN-1') },
  [TxType.loanApprove]: { recordId: 'LOAN-1', amount: 400_000 },
  [TxType.loanReject]: { recordId: 'LOAN-1', reason: 'insufficient-income' },
  [TxType.loanDisburse]: { recordId: 'LOAN-1', amount: 100_000 },
  [TxType.loanRepay]: { recordId: 'LOAN-1', amount: 50_000 },
  [TxType.loanClose]: { recordId: 'LOAN-1' },
  [TxType.subsidyCreateProgramme]: { recordId: 'SUB-ENERGY', budget: 1_000_000, currency: 'EUR' },
  [TxType.subsidyRegisterBeneficiary]: { recordId: 'BEN-1', fields: citizen('BEN-1') },
  [TxType.subsidyGrant]: {
    recordId: 'GRANT-1',
    programme: 'SUB-HOUSING-2025',
    beneficiary: 'BEN-1',
    amount: 10_000,
  },
  [TxType.subsidyDisburse]: { recordId: 'GRANT-1', amount: 5_000 },
  [TxType.recordErase]: { recordId: 'LIC-1', reason: 'citizen-request' },
  [TxType.auditNote]: { recordId: 'LIC-1', finding: h32, severity: 'info' },
  [TxType.govPropose]: {
    recordId: 'PROP-1',
    action: { type: 'set-member-roles', memberId: 'auditor', roles: ['auditor', 'regulator'] },
    deadlineHeight: 100,
    document: null,
  },
  [TxType.govVote]: { recordId: 'PROP-1', vote: 'yes' },
}
