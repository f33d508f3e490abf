/** Payload schemas: organisations' accounts and catalogues. */
import { accountRoles, publicKey } from './common.js'
import { f } from './schema.js'

export const accountRegisterSchema = {
  /** Must be the sender's own organisation. */
  member: f.ident(),
  name: f.ident(),
  publicKey: publicKey(),
  roles: accountRoles(),
}

export const accountRotateKeySchema = {
  publicKey: publicKey(),
  newPublicKey: publicKey(),
}

export const accountRevokeSchema = {
  publicKey: publicKey(),
  reason: f.code(),
}

export const accountSetRolesSchema = {
  publicKey: publicKey(),
  /** The account's roles from now on (each must fit its organisation's member roles). */
  roles: accountRoles(),
}

export const agencyDefineKindSchema = {
  domain: f.oneOf(['licence', 'certificate']),
  kind: f.kind(),
}
