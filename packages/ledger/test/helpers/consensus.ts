/** Shared fixtures for consensus unit tests: real keys and real Ed25519 signatures. */
import { sha256 } from '../../src/crypto/index.js'
import { keyPairFromSeed, type KeyPair } from '../../src/crypto/keys.js'
import { utf8 } from '../../src/bytes.js'
import { ValidatorSet } from '../../src/validators.js'
import { signProposal, signVote, VoteType, type Proposal, type Vote } from '../../src/consensus/vote.js'
import { apply, consensusConfig, initialState } from '../../src/consensus/state-machine.js'
import type {
  ConsensusInput,
  ConsensusOutput,
  ConsensusState,
  MessageIntent,
} from '../../src/consensus/types.js'
import type { TimeoutConfig } from '../../src/consensus/timeouts.js'

export const CHAIN = 'govchain-test'
export const TIMEOUTS: TimeoutConfig = {
  proposeMs: 3000,
  prevoteMs: 1000,
  precommitMs: 1000,
  growth: 1.5,
  capMs: 60_000,
}

export type Fixture = { set: ValidatorSet; keys: KeyPair[] }

const keyCache = new Map<string, KeyPair>()
function key(seed: string): KeyPair {
  let k = keyCache.get(seed)
  if (k === undefined) keyCache.set(seed, (k = keyPairFromSeed(seed)))
  return k
}

/** n validators; `keys[i]` is the key of `set.validators[i]` (canonical order). */
export function validators(n: number, powers?: number[], tag = 'v'): Fixture {
  const raw = Array.from({ length: n }, (_, i) => ({ pair: key(`${tag}${i}`), power: powers?.[i] ?? 1 }))
  const set = new ValidatorSet(raw.map((r) => ({ publicKey: r.pair.publicKey, power: r.power })))
  const keys = set.validators.map((v) => raw.find((r) => r.pair.publicKey === v.publicKey)!.pair)
  return { set, keys }
}

export const hashOf = (label: string): Uint8Array => sha256(utf8.encode(label))

export function prevote(f: Fixture, i: number, h: number, r: number, v: Uint8Array | null): ConsensusInput {
  return { kind: 'vote', vote: voteOf(f, i, VoteType.PREVOTE, h, r, v) }
}

export function precommit(f: Fixture, i: number, h: number, r: number, v: Uint8Array | null): ConsensusInput {
  return { kind: 'vote', vote: voteOf(f, i, VoteType.PRECOMMIT, h, r, v) }
}

export function voteOf(
  f: Fixture,
  i: number,
  type: VoteType,
  h: number,
  r: number,
  v: Uint8Array | null,
): Vote {
  const k = f.keys[i]!
  return signVote({ chainId: CHAIN, type, height: h, round: r, blockHash: v }, k.secretKey, k.publicKey)
}

export function proposalOf(f: Fixture, i: number, h: number, r: number, v: Uint8Array, vr = -1): Proposal {
  const k = f.keys[i]!
  return signProposal(
    { chainId: CHAIN, height: h, round: r, validRound: vr, blockHash: v },
    k.secretKey,
    k.publicKey,
  )
}

export function proposal(f: Fixture, h: number, r: number, v: Uint8Array, vr = -1): ConsensusInput {
  return { kind: 'proposal', proposal: proposalOf(f, f.set.proposerIndex(h, r), h, r, v, vr) }
}

export const validity = (h: number, v: Uint8Array, valid = true): ConsensusInput => ({
  kind: 'validity',
  height: h,
  blockHash: v,
  valid,
})

/** A state machine for validator `self` (null: a non-voting follower) at `height`. */
export function started(f: Fixture, self: number | null, height = 1): Run {
  const config = consensusConfig({
    chainId: CHAIN,
    self: self === null ? null : f.keys[self]!.publicKey,
    timeouts: TIMEOUTS,
  })
  return new Run(initialState(config)).feed({ kind: 'new-height', height, validators: f.set })
}

/** Feeds inputs one by one; keeps every output, and the outputs of the last `feed` apart. */
export class Run {
  state: ConsensusState
  all: ConsensusOutput[] = []
  last: ConsensusOutput[] = []

  constructor(state: ConsensusState) {
    this.state = state
  }

  feed(...inputs: ConsensusInput[]): this {
    this.last = []
    for (const input of inputs) {
      const t = apply(this.state, input)
      this.state = t.state
      this.last.push(...t.outputs)
      this.all.push(...t.outputs)
    }
    return this
  }

  /** The broadcast intents among the last outputs, as short strings like `prevote r0 <hash8>|nil`. */
  broadcasts(outputs = this.last): string[] {
    return outputs.filter((o) => o.kind === 'broadcast').map((o) => describeIntent(o.message))
  }

  kinds(outputs = this.last): string[] {
    return outputs.map((o) => o.kind)
  }

  ofKind<K extends ConsensusOutput['kind']>(
    kind: K,
    outputs = this.last,
  ): Extract<ConsensusOutput, { kind: K }>[] {
    return outputs.filter((o): o is Extract<ConsensusOutput, { kind: K }> => o.kind === kind)
  }
}

export function short(v: Uint8Array | null): string {
  return v === null ? 'nil' : Buffer.from(v.subarray(0, 4)).toString('hex')
}

export function describeIntent(m: MessageIntent): string {
  if (m.kind === 'proposal')
    return `proposal r${m.fields.round} ${short(m.fields.blockHash)} vr${m.fields.validRound}`
  const type = m.fields.type === VoteType.PREVOTE ? 'prevote' : 'precommit'
  return `${type} r${m.fields.round} ${short(m.fields.blockHash)}`
}
