/**
 * Canonical encoding of a `ConsensusSnapshot`, for the driver's WAL record (consensus.md rule 15:
 * h, r, step, lock, valid value, next to the signed message).
 */
import {
  readBytes,
  readEnvelope,
  readInt,
  readOptional,
  readTuple,
  readUint,
  type Encodable,
} from '../encoding.js'
import { DecodeError, DecodeErrorCode } from '../errors.js'
import { HASH_LENGTH } from '../params.js'
import { Step, type ConsensusSnapshot } from './types.js'

export const SNAPSHOT_DOMAIN = 'govchain/consensus-snapshot'
export const SNAPSHOT_VERSION = 1

const STEPS = [Step.PROPOSE, Step.PREVOTE, Step.PRECOMMIT] as const

export function snapshotEncodable(s: ConsensusSnapshot): Encodable {
  const rv = (v: ConsensusSnapshot['locked']) => (v === null ? null : [v.round, v.hash])
  return [
    SNAPSHOT_DOMAIN,
    SNAPSHOT_VERSION,
    s.height,
    s.round,
    STEPS.indexOf(s.step),
    rv(s.locked),
    rv(s.valid),
  ]
}

export function readSnapshot(value: unknown): ConsensusSnapshot {
  const [height, round, step, locked, valid] = readEnvelope(value, SNAPSHOT_DOMAIN, SNAPSHOT_VERSION, 5)
  const s = STEPS[readUint(step, 'snapshot.step')]
  if (s === undefined) throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'snapshot.step: expected 0, 1 or 2')
  const rv = (v: unknown, what: string) =>
    readOptional(v, (x) => {
      const [r, h] = readTuple(x, what, 2)
      return { round: readInt(r, `${what}.round`, 0), hash: readBytes(h, `${what}.hash`, HASH_LENGTH) }
    })
  return {
    height: readUint(height, 'snapshot.height'),
    round: readUint(round, 'snapshot.round'),
    step: s,
    locked: rv(locked, 'snapshot.locked'),
    valid: rv(valid, 'snapshot.valid'),
  }
}
