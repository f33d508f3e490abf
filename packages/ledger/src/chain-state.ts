/**
 * The ledger's own part of the authenticated state (system namespace 0x00), out of the
 * application's reach (namespace 0x01): validator sets, members, per-sender nonces and the
 * evidence already committed. Keeping them in the state tree makes them provable to light
 * clients like any record.
 *
 * After executing block h the state holds V_h (`validators/current`), V_{h+1} (`next`) and
 * V_{h+2} (`after-next`): a change ordered by block h's endBlock becomes `after-next`, i.e. it
 * applies from h + 2 (consensus.md rule 1).
 */
import { concatBytes, utf8 } from './bytes.js'
import { decode, encode, readArray, readIdent, readText, readTuple, readUint } from './encoding.js'
import { MEMBER_ROLES, memberEncodable, type Member, type MemberRole } from './genesis.js'
import { DecodeError, DecodeErrorCode } from './errors.js'
import { MAX_IDENT_LENGTH } from './params.js'
import type { StateReader } from './state/types.js'
import { readValidatorSet, type ValidatorSet } from './validators.js'
import type { StateWriter } from './application.js'

export const SYSTEM_NAMESPACE = new Uint8Array([0x00])
export const APP_NAMESPACE = new Uint8Array([0x01])

const key = (name: string) => concatBytes(SYSTEM_NAMESPACE, utf8.encode(name))

const NONCE_PREFIX = key('nonce/')

export const SystemKey = {
  validatorsCurrent: key('validators/current'),
  validatorsNext: key('validators/next'),
  validatorsAfterNext: key('validators/after-next'),
  members: key('members'),
  nonce: (sender: Uint8Array) => concatBytes(NONCE_PREFIX, sender),
  evidence: (evidenceHash: Uint8Array) => concatBytes(key('evidence/'), evidenceHash),
} as const

/** The key under which the application stores `appKey` in the shared state tree. */
export function appStateKey(appKey: Uint8Array): Uint8Array {
  return concatBytes(APP_NAMESPACE, appKey)
}

export async function readValidators(state: StateReader, which: Uint8Array): Promise<ValidatorSet> {
  const bytes = await state.get(which)
  if (bytes === undefined) throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'state has no validator set')
  return readValidatorSet(decode(bytes, 64 * 1024, 'validator set'))
}

export async function readNonce(state: StateReader, sender: Uint8Array): Promise<number> {
  return decodeNonce(await state.get(SystemKey.nonce(sender)))
}

/** The next nonce stored under `nonce/<sender>` (absent: 0). */
export function decodeNonce(bytes: Uint8Array | undefined): number {
  return bytes === undefined ? 0 : readUint(decode(bytes, 16, 'nonce'), 'nonce')
}

export function writeNonce(state: StateWriter, sender: Uint8Array, next: number): void {
  state.set(SystemKey.nonce(sender), encode(next))
}

export function encodeMembers(members: readonly Member[]): Uint8Array {
  return encode(members.map(memberEncodable))
}

export function decodeMembers(bytes: Uint8Array): Member[] {
  return readArray(decode(bytes, 1024 * 1024, 'members'), 'members', 1000).map((m, i) => {
    const [id, name, roles, peerIds] = readTuple(m, `members[${i}]`, 4)
    return {
      id: readIdent(id, `members[${i}].id`, MAX_IDENT_LENGTH),
      name: readText(name, `members[${i}].name`, 200),
      roles: readArray(roles, `members[${i}].roles`, MEMBER_ROLES.length).map((r) => {
        if (!MEMBER_ROLES.includes(r as MemberRole))
          throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `unknown member role ${String(r)}`)
        return r as MemberRole
      }),
      peerIds: readArray(peerIds, `members[${i}].peerIds`, 16).map((p) => readText(p, 'peer id', 128)),
    }
  })
}

export async function readMembers(state: StateReader): Promise<Member[]> {
  const bytes = await state.get(SystemKey.members)
  return bytes === undefined ? [] : decodeMembers(bytes)
}
