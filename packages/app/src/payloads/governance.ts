/** Payload schemas: governance proposals and votes. */
import { MAX_VALIDATORS, toHex } from '@govchain/ledger'
import { documentHash, memberRoles, publicKey } from './common.js'
import { f } from './schema.js'

export const memberSpecField = () =>
  f.object({
    id: f.ident(),
    name: f.text(1, 200),
    roles: memberRoles(),
    peerIds: f.list(f.pattern(/^[\x21-\x7e]{1,128}$/, 'a peer id'), 0, 16, { unique: (p) => p }),
  })

export const validatorEntryField = () =>
  f.object({
    publicKey: publicKey(),
    power: f.uint(1, 1_000_000),
    member: f.ident(),
    name: f.ident(),
  })

const adminAccountField = () => f.object({ name: f.ident(), publicKey: publicKey() })

export const proposalActionField = () =>
  f.tagged({
    'add-member': { member: memberSpecField(), admin: adminAccountField() },
    'remove-member': { memberId: f.ident() },
    'add-admin': { memberId: f.ident(), admin: adminAccountField() },
    'set-member-roles': { memberId: f.ident(), roles: memberRoles() },
    'set-validators': {
      validators: f.list(validatorEntryField(), 1, MAX_VALIDATORS, { unique: (v) => toHex(v.publicKey) }),
    },
  })

export const govProposeSchema = {
  /** The proposal's id (a record id). */
  recordId: f.recordId(),
  action: proposalActionField(),
  /** Last height at which votes count. */
  deadlineHeight: f.height(),
  /** Hash of the proposal's explanatory document. */
  document: documentHash(),
}

export const govVoteSchema = {
  recordId: f.recordId(),
  vote: f.oneOf(['yes', 'no']),
}
