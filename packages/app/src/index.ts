/** @govchain/app: the government-services application, its payloads, builders and privacy tools. */
export * from './errors.js'
export * from './tx-types.js'
export * from './permissions.js'
export * from './types.js'
export * from './state-keys.js'
export * from './payloads/index.js'
export {
  f as payloadFields,
  toJsonValue,
  MAX_AMOUNT,
  MAX_COMMITTED_FIELDS,
  RECORD_ID_PATTERN,
  type Field,
  type PayloadOf,
  type Schema,
} from './payloads/schema.js'
export * from './commitments.js'
export * from './offchain-store.js'
export * from './builders.js'
export * from './queries.js'
export * from './app-genesis.js'
export * from './demo.js'
export { LICENCE_TRANSITIONS, licenceEffectiveStatus, licenceExpired } from './domains/licences.js'
export { MIN_VALIDATORS, MAX_OPEN_PROPOSALS, isApproved } from './domains/governance.js'
export { APPLICATION_NAME, createGovApplication, type GovApplicationOptions } from './application.js'
export * from './client/index.js'
