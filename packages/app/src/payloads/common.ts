/** Field definitions shared by several payload schemas. */
import { MEMBER_ROLES, type MemberRole } from '@govchain/ledger'
import { ACCOUNT_ROLES } from '../permissions.js'
import { f, FIELD_NAME_PATTERN, MAX_COMMITTED_FIELDS } from './schema.js'

/** Personal data as salted commitments: field name → 32-byte commitment. */
export const commitments = (min: number) => f.dict(FIELD_NAME_PATTERN, f.bytes(32), min, MAX_COMMITTED_FIELDS)
/** Hash of an off-chain document (decision, audit report, proposal text). */
export const documentHash = () => f.optional(f.bytes(32))
export const publicKey = () => f.bytes(32)
export const accountRoles = () =>
  f.list(f.oneOf(ACCOUNT_ROLES), 1, ACCOUNT_ROLES.length, { unique: (r) => r })
export const memberRoles = () =>
  f.list(f.oneOf<MemberRole>(MEMBER_ROLES), 1, MEMBER_ROLES.length, { unique: (r) => r })
