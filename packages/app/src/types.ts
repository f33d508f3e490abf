/**
 * The shapes of everything the application stores in its state namespace (each stored as the
 * canonical CBOR of the object; optional values are `null`, never absent). Personal data never
 * appears here: records hold only salted commitments (`fields`, see commitments.ts).
 */
import type { MemberRole } from '@govchain/ledger'
import type { AccountRole } from './permissions.js'

/** Field name → 32-byte salted commitment. */
export type Commitments = Readonly<Record<string, Uint8Array>>

export const LicenceStatus = {
  applied: 'applied',
  approved: 'approved',
  rejected: 'rejected',
  issued: 'issued',
  suspended: 'suspended',
  revoked: 'revoked',
} as const
export type LicenceStatus = (typeof LicenceStatus)[keyof typeof LicenceStatus]

export const CertificateStatus = { valid: 'valid', revoked: 'revoked' } as const
export type CertificateStatus = (typeof CertificateStatus)[keyof typeof CertificateStatus]

export const InvoiceStatus = {
  registered: 'registered',
  financed: 'financed',
  settled: 'settled',
  cancelled: 'cancelled',
} as const
export type InvoiceStatus = (typeof InvoiceStatus)[keyof typeof InvoiceStatus]

export const LoanStatus = {
  applied: 'applied',
  approved: 'approved',
  rejected: 'rejected',
  active: 'active',
  closed: 'closed',
} as const
export type LoanStatus = (typeof LoanStatus)[keyof typeof LoanStatus]

export const ProposalStatus = {
  open: 'open',
  /** Approved and executed. */
  executed: 'executed',
  /** So many "no" votes that the threshold can no longer be reached. */
  rejected: 'rejected',
  /** Deadline passed without approval. */
  expired: 'expired',
  /** Approved, but the change was no longer valid at execution (`failure` says why). */
  failed: 'failed',
} as const
export type ProposalStatus = (typeof ProposalStatus)[keyof typeof ProposalStatus]

type RecordBase<T extends string, S extends string> = {
  readonly type: T
  readonly id: string
  /** Member id of the organisation that owns the record (the only one that moves it). */
  readonly owner: string
  readonly status: S
  readonly createdHeight: number
  readonly updatedHeight: number
  /** Number of history entries (`hist:<id>\0<n>` for n < historyLength). */
  readonly historyLength: number
}

/** Records that carry personal data as commitments and can record an erasure. */
type PersonalFields = {
  readonly fields: Commitments
  /** Height of the `record.erase` transaction, null while the off-chain data exists. */
  readonly erasedHeight: number | null
}

export type LicenceRecord = RecordBase<'licence', LicenceStatus> &
  PersonalFields & {
    readonly kind: string
    /** The organisation whose officer filed the application (may differ from the owner). */
    readonly filedBy: string
    readonly validFromHeight: number | null
    readonly validUntilHeight: number | null
  }

export type CertificateRecord = RecordBase<'certificate', CertificateStatus> &
  PersonalFields & {
    readonly kind: string
    /** 1 at issue, +1 per amendment. */
    readonly version: number
    readonly validUntilHeight: number | null
  }

export type InvoiceRecord = RecordBase<'invoice', InvoiceStatus> &
  PersonalFields & {
    /** SHA-256 fingerprint of the real invoice (seller, buyer, number): see `invoiceFingerprint`. */
    readonly fingerprint: Uint8Array
    readonly amount: number
    readonly currency: string
    readonly financedBy: string | null
    readonly financedAmount: number
  }

export type LoanRecord = RecordBase<'loan', LoanStatus> &
  PersonalFields & {
    readonly currency: string
    readonly requestedAmount: number
    readonly approvedAmount: number
    readonly disbursed: number
    readonly repaid: number
  }

export type ProgrammeRecord = RecordBase<'subsidy-programme', 'open'> & {
  readonly currency: string
  readonly budget: number
  /** Sum of all grants: never above `budget`. */
  readonly granted: number
  /** Sum of all disbursements: never above `granted`. */
  readonly disbursed: number
}

export type BeneficiaryRecord = RecordBase<'beneficiary', 'registered'> & PersonalFields

export type GrantRecord = RecordBase<'subsidy-grant', 'granted' | 'disbursed'> & {
  readonly programme: string
  readonly beneficiary: string
  readonly currency: string
  readonly amount: number
  /** Never above `amount`; status becomes `disbursed` when equal. */
  readonly disbursed: number
}

export type MemberSpec = {
  readonly id: string
  readonly name: string
  readonly roles: readonly MemberRole[]
  readonly peerIds: readonly string[]
}

export type ValidatorEntry = {
  readonly publicKey: Uint8Array
  readonly power: number
  readonly member: string
  readonly name: string
}

export type ProposalAction =
  | {
      readonly type: 'add-member'
      readonly member: MemberSpec
      /** The new member's first account (roles admin + governance-delegate): it registers the others. */
      readonly admin: { readonly name: string; readonly publicKey: Uint8Array }
    }
  | { readonly type: 'remove-member'; readonly memberId: string }
  | {
      readonly type: 'add-admin'
      readonly memberId: string
      /**
       * A new admin account (roles admin + governance-delegate) for an active member: the way back
       * for an organisation that lost or revoked every admin key, since only an admin registers accounts.
       */
      readonly admin: { readonly name: string; readonly publicKey: Uint8Array }
    }
  | { readonly type: 'set-member-roles'; readonly memberId: string; readonly roles: readonly MemberRole[] }
  | { readonly type: 'set-validators'; readonly validators: readonly ValidatorEntry[] }

export type Vote = 'yes' | 'no'

export type ProposalRecord = RecordBase<'proposal', ProposalStatus> & {
  readonly action: ProposalAction
  readonly deadlineHeight: number
  readonly document: Uint8Array | null
  /** Member ids entitled to vote: the active members when the proposal was made. */
  readonly voters: readonly string[]
  readonly votes: Readonly<Record<string, Vote>>
  readonly decidedHeight: number | null
  /** For `failed`: the error code that refused the execution. */
  readonly failure: string | null
}

export type AppRecord =
  | LicenceRecord
  | CertificateRecord
  | InvoiceRecord
  | LoanRecord
  | ProgrammeRecord
  | BeneficiaryRecord
  | GrantRecord
  | ProposalRecord
export type RecordType = AppRecord['type']

export type HistoryEntry = {
  readonly seq: number
  readonly height: number
  /** Consensus block time (ms). */
  readonly timeMs: number
  /** The transaction type, or `gov.expire` / `gov.execute` for changes made by the chain itself. */
  readonly action: string
  /** Sender public key, null for end-of-block changes. */
  readonly actor: Uint8Array | null
  readonly org: string | null
  readonly txHash: Uint8Array | null
  readonly from: string | null
  readonly to: string
  readonly details: Readonly<Record<string, string | number | Uint8Array | null>>
}

export const AccountStatus = { active: 'active', revoked: 'revoked', rotated: 'rotated' } as const
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus]

export type AccountRecord = {
  readonly publicKey: Uint8Array
  readonly member: string
  readonly name: string
  readonly roles: readonly AccountRole[]
  readonly status: AccountStatus
  readonly createdHeight: number
  readonly updatedHeight: number
  readonly rotatedFrom: Uint8Array | null
  readonly rotatedTo: Uint8Array | null
}

export type MemberRecord = MemberSpec & {
  readonly status: 'active' | 'removed'
  readonly updatedHeight: number
}

/** Per-agency catalogues and governance parameters (genesis appState, then `agency.define-kind`). */
export type AppConfig = {
  readonly licenceKinds: Readonly<Record<string, readonly string[]>>
  readonly certificateKinds: Readonly<Record<string, readonly string[]>>
  /** Longest allowed voting period of a proposal, in blocks. */
  readonly maxVotingPeriod: number
}

/** Chain-level changes ordered during the current block, reported (and cleared) by endBlock. */
export type PendingChainUpdate = { readonly validators: boolean; readonly members: boolean }
