/** Coded errors of the authenticated state tree. */
import { GovchainError } from '../errors.js'

export const StateErrorCode = {
  /** A node the tree refers to is not in the database (or the committed root moved meanwhile). */
  MISSING_NODE: 'STATE_MISSING_NODE',
  /** A stored node does not decode, or does not hash to the key it is stored under. */
  CORRUPT_NODE: 'STATE_CORRUPT_NODE',
  /** `commit()` of an update prepared from a root that is no longer the committed one. */
  STALE_BASE_ROOT: 'STATE_STALE_BASE_ROOT',
  /** Changes not in strictly increasing key order (which also rules out duplicate keys). */
  UNSORTED_CHANGES: 'STATE_UNSORTED_CHANGES',
  /**
   * A database written before the state frontier (frontier.ts): its tree is stored as pages from
   * the root down, which this version does not read. Start a fresh chain or sync a new node.
   */
  UNSUPPORTED_LAYOUT: 'STATE_UNSUPPORTED_LAYOUT',
  /** A root that is not 32 bytes. */
  BAD_ROOT: 'STATE_BAD_ROOT',
} as const
export type StateErrorCode = (typeof StateErrorCode)[keyof typeof StateErrorCode]

export class StateError extends GovchainError<StateErrorCode> {}
