/**
 * Who may do what. Two layers, both checked in `checkTx` and again in execution:
 * 1. The sender must be an active account of an active member organisation, hold one of the
 *    transaction type's account roles, and its organisation must hold one of its member roles
 *    (`TX_PERMISSIONS`, checked by `authorize` in domains/context.ts).
 * 2. Record-level rules (only the issuing agency moves its licence, only the financing bank
 *    settles a financed invoice, …) are checked by the domain modules; `rule` documents them.
 *
 * Member roles come from genesis / governance (agency, bank, regulator, auditor). Account roles
 * are assigned by the organisation's own admin and must fit the organisation's member roles
 * (`ACCOUNT_ROLE_MEMBER_ROLES`): a bank cannot have a licence officer.
 */
import type { MemberRole } from '@govchain/ledger'
import { TxType } from './tx-types.js'

export const AccountRole = {
  /** Manages its organisation's accounts and kinds / programmes. */
  admin: 'admin',
  /** Proposes and votes in governance for its organisation. */
  governanceDelegate: 'governance-delegate',
  licenceOfficer: 'licence-officer',
  certificateOfficer: 'certificate-officer',
  /** Registers, finances and settles invoices. */
  financeOfficer: 'finance-officer',
  loanOfficer: 'loan-officer',
  subsidyOfficer: 'subsidy-officer',
  /** Records audit findings against any record. */
  auditOfficer: 'audit-officer',
} as const
export type AccountRole = (typeof AccountRole)[keyof typeof AccountRole]
export const ACCOUNT_ROLES: readonly AccountRole[] = Object.freeze(Object.values(AccountRole))

const ANY_MEMBER: readonly MemberRole[] = ['agency', 'bank', 'regulator', 'auditor']

/** The member roles an organisation needs for each account role. */
export const ACCOUNT_ROLE_MEMBER_ROLES: Readonly<Record<AccountRole, readonly MemberRole[]>> = {
  admin: ANY_MEMBER,
  'governance-delegate': ANY_MEMBER,
  'licence-officer': ['agency'],
  'certificate-officer': ['agency'],
  'finance-officer': ['bank', 'agency'],
  'loan-officer': ['bank'],
  'subsidy-officer': ['agency'],
  'audit-officer': ['regulator', 'auditor'],
}

export function isAccountRole(role: string): role is AccountRole {
  return (ACCOUNT_ROLES as readonly string[]).includes(role)
}

/** Whether an organisation with `memberRoles` may have an account with `role`. */
export function accountRoleFits(role: AccountRole, memberRoles: readonly MemberRole[]): boolean {
  return ACCOUNT_ROLE_MEMBER_ROLES[role].some((r) => memberRoles.includes(r))
}

export type TxPermission = {
  /** The sender's account must hold one of these ('self-or-admin': see `rule`). */
  readonly accountRoles: readonly AccountRole[] | 'self-or-admin'
  /** The sender's organisation must hold one of these member roles. */
  readonly memberRoles: readonly MemberRole[]
  /** The record-level rule, for documentation (enforced in domains/*). */
  readonly rule: string
}

const LICENCE_MOVE: TxPermission = {
  accountRoles: ['licence-officer'],
  memberRoles: ['agency'],
  rule: 'sender org = the licence’s issuing agency',
}
const CERTIFICATE_MOVE: TxPermission = {
  accountRoles: ['certificate-officer'],
  memberRoles: ['agency'],
  rule: 'sender org = the certificate’s issuing agency',
}
const LOAN_MOVE: TxPermission = {
  accountRoles: ['loan-officer'],
  memberRoles: ['bank'],
  rule: 'sender org = the lending bank',
}

export const TX_PERMISSIONS: Readonly<Record<TxType, TxPermission>> = {
  [TxType.accountRegister]: {
    accountRoles: ['admin'],
    memberRoles: ANY_MEMBER,
    rule: 'only for the admin’s own org; each role must fit the org’s member roles; key acceptable and unused',
  },
  [TxType.accountRotateKey]: {
    accountRoles: 'self-or-admin',
    memberRoles: ANY_MEMBER,
    rule: 'the account itself or an admin of its org; new key acceptable and unused',
  },
  [TxType.accountRevoke]: {
    accountRoles: 'self-or-admin',
    memberRoles: ANY_MEMBER,
    rule: 'the account itself or an admin of its org',
  },
  [TxType.accountSetRoles]: {
    accountRoles: ['admin'],
    memberRoles: ANY_MEMBER,
    rule: 'an admin of the account’s org; each role must fit the org’s member roles; the account active',
  },
  [TxType.agencyDefineKind]: {
    accountRoles: ['admin'],
    memberRoles: ['agency'],
    rule: 'defines a licence / certificate kind for the sender’s own agency',
  },
  [TxType.licenceApply]: {
    accountRoles: ['licence-officer'],
    memberRoles: ['agency'],
    rule: 'any agency’s licence officer may file (one-stop shop); target agency must define the kind',
  },
  [TxType.licenceApprove]: LICENCE_MOVE,
  [TxType.licenceReject]: LICENCE_MOVE,
  [TxType.licenceIssue]: LICENCE_MOVE,
  [TxType.licenceSuspend]: LICENCE_MOVE,
  [TxType.licenceReinstate]: LICENCE_MOVE,
  [TxType.licenceRevoke]: LICENCE_MOVE,
  [TxType.certificateIssue]: {
    accountRoles: ['certificate-officer'],
    memberRoles: ['agency'],
    rule: 'the sender’s agency must define the certificate kind',
  },
  [TxType.certificateAmend]: CERTIFICATE_MOVE,
  [TxType.certificateRevoke]: CERTIFICATE_MOVE,
  [TxType.invoiceRegister]: {
    accountRoles: ['finance-officer'],
    memberRoles: ['bank', 'agency'],
    rule: 'the seller’s bank or agency; one registration per invoice fingerprint',
  },
  [TxType.invoiceFinance]: {
    accountRoles: ['finance-officer'],
    memberRoles: ['bank'],
    rule: 'any bank, once per invoice across all banks; fingerprint must match',
  },
  [TxType.invoiceSettle]: {
    accountRoles: ['finance-officer'],
    memberRoles: ['bank', 'agency'],
    rule: 'the financing bank if financed, else the registering org',
  },
  [TxType.invoiceCancel]: {
    accountRoles: ['finance-officer'],
    memberRoles: ['bank', 'agency'],
    rule: 'the registering org, while not financed',
  },
  [TxType.loanApply]: {
    accountRoles: ['loan-officer'],
    memberRoles: ['bank'],
    rule: 'the sender’s bank becomes the lender',
  },
  [TxType.loanApprove]: LOAN_MOVE,
  [TxType.loanReject]: LOAN_MOVE,
  [TxType.loanDisburse]: LOAN_MOVE,
  [TxType.loanRepay]: LOAN_MOVE,
  [TxType.loanClose]: LOAN_MOVE,
  [TxType.subsidyCreateProgramme]: {
    accountRoles: ['admin'],
    memberRoles: ['agency'],
    rule: 'the sender’s agency owns the programme and its budget',
  },
  [TxType.subsidyRegisterBeneficiary]: {
    accountRoles: ['subsidy-officer'],
    memberRoles: ['agency'],
    rule: 'the sender’s agency owns the beneficiary record',
  },
  [TxType.subsidyGrant]: {
    accountRoles: ['subsidy-officer'],
    memberRoles: ['agency'],
    rule: 'sender org owns programme and beneficiary; programme grants ≤ budget',
  },
  [TxType.subsidyDisburse]: {
    accountRoles: ['subsidy-officer'],
    memberRoles: ['agency'],
    rule: 'sender org owns the grant; disbursed ≤ granted',
  },
  [TxType.recordErase]: {
    accountRoles: [
      'admin',
      'licence-officer',
      'certificate-officer',
      'finance-officer',
      'loan-officer',
      'subsidy-officer',
    ],
    memberRoles: ANY_MEMBER,
    rule: 'sender org owns the record; admin or the officer role of the record’s domain',
  },
  [TxType.auditNote]: {
    accountRoles: ['audit-officer'],
    memberRoles: ['regulator', 'auditor'],
    rule: 'any record',
  },
  [TxType.govPropose]: {
    accountRoles: ['governance-delegate'],
    memberRoles: ANY_MEMBER,
    rule: 'the change must be valid now (≥ 4 validators left, keys acceptable, members exist)',
  },
  [TxType.govVote]: {
    accountRoles: ['governance-delegate'],
    memberRoles: ANY_MEMBER,
    rule: 'one vote per member org that was a member when the proposal was made; before the deadline',
  },
}

/** The officer role that moves records of each record type (used by `record.erase`). */
export const RECORD_OFFICER_ROLE = {
  licence: 'licence-officer',
  certificate: 'certificate-officer',
  invoice: 'finance-officer',
  loan: 'loan-officer',
  beneficiary: 'subsidy-officer',
} as const satisfies Record<string, AccountRole>
