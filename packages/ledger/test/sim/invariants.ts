/**
 * The invariants of consensus.md (I1–I9), checked at the event that could break each of them
 * (a signature, a commit, a restart), i.e. after every step of the simulation; the liveness
 * ones (I8, I9) at the end of a liveness run.
 */
import { toHex } from '../../src/bytes.js'
import {
  verifyCommitCertificate,
  type CommitCertificate,
  type SignatureCheck,
} from '../../src/consensus/certificate.js'
import type { ConsensusMessage } from '../../src/consensus/types.js'
import { VoteType } from '../../src/consensus/vote.js'
import { valueKey } from '../../src/consensus/vote-set.js'
import type { ValidatorSet } from '../../src/validators.js'
import { validateBlock, type ChainView, type SimBlock } from './chain.js'

export type Invariant = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6' | 'I7' | 'I8' | 'I9' | 'harness'
export type Violation = { readonly invariant: Invariant; readonly detail: string; readonly timeMs: number }

export const INVARIANTS: Record<Invariant, string> = {
  I1: 'agreement',
  I2: 'validity',
  I3: 'no tx twice',
  I4: 'durability',
  I5: 'certificate',
  I6: 'no double sign',
  I7: 'state root',
  I8: 'liveness',
  I9: 'evidence',
  harness: 'harness error',
}

export class Monitor {
  readonly violations: Violation[] = []
  /** Height → first commit by a correct node: block key, round, time. */
  readonly commits = new Map<number, { key: string; round: number; timeMs: number }>()
  readonly #chainId: string
  readonly #validators: ValidatorSet
  readonly #check: SignatureCheck
  readonly #isHonest: (validator: number) => boolean
  readonly #precommitPower = new Map<string, { signers: Set<number>; power: number }>()
  readonly #certified = new Map<number, string>()
  readonly #signed = new Map<string, string>()
  readonly #roots = new Map<number, string>()
  /** Evidence first seen by a correct node: key → (time, highest committed height then). */
  readonly evidenceSeen = new Map<string, { timeMs: number; chainHeight: number; evidenceHeight: number }>()
  readonly evidenceCommitted = new Map<string, number>()
  now = 0

  constructor(
    chainId: string,
    validators: ValidatorSet,
    check: SignatureCheck,
    isHonest: (v: number) => boolean,
  ) {
    this.#chainId = chainId
    this.#validators = validators
    this.#check = check
    this.#isHonest = isHonest
  }

  fail(invariant: Invariant, detail: string): void {
    this.violations.push({ invariant, detail, timeMs: this.now })
  }

  /** Every message signed by any node, honest or not (I1's "certified", I6). */
  onSigned(validator: number, m: ConsensusMessage): void {
    const msg = m.kind === 'proposal' ? m.proposal : m.vote
    const kind =
      m.kind === 'proposal' ? 'proposal' : m.vote.type === VoteType.PREVOTE ? 'prevote' : 'precommit'
    const value =
      m.kind === 'proposal'
        ? `${toHex(m.proposal.blockHash)}/${m.proposal.validRound}`
        : valueKey(m.vote.blockHash)
    if (this.#isHonest(validator)) {
      // I6: a correct validator never signs two different messages for one (h, r, type).
      const key = `${validator}/${msg.height}/${msg.round}/${kind}`
      const before = this.#signed.get(key)
      if (before !== undefined && before !== value)
        this.fail('I6', `validator ${validator} signed two ${kind}s at h${msg.height} r${msg.round}`)
      this.#signed.set(key, value)
    }
    if (m.kind === 'vote' && m.vote.type === VoteType.PRECOMMIT && m.vote.blockHash !== null) {
      // I1 (certified): two different blocks each with precommits of power ≥ Q at one height.
      const key = `${msg.height}/${msg.round}/${value}`
      let entry = this.#precommitPower.get(key)
      if (entry === undefined) this.#precommitPower.set(key, (entry = { signers: new Set(), power: 0 }))
      if (!entry.signers.has(validator)) {
        entry.signers.add(validator)
        entry.power += this.#validators.at(validator)!.power
        if (entry.power >= this.#validators.quorum) {
          const other = this.#certified.get(msg.height)
          if (other !== undefined && other !== value)
            this.fail('I1', `two blocks certified at height ${msg.height}`)
          this.#certified.set(msg.height, value)
        }
      }
    }
  }

  /** A correct node commits `block` with `certificate`, on top of the chain described by `view`. */
  onCommit(
    node: number,
    block: SimBlock,
    round: number,
    certificate: CommitCertificate,
    view: ChainView,
    root: Uint8Array,
  ): void {
    const h = block.height
    const first = this.commits.get(h)
    if (first === undefined) this.commits.set(h, { key: block.key, round, timeMs: this.now })
    else if (first.key !== block.key) this.fail('I1', `node ${node} committed another block at height ${h}`)
    const certified = this.#certified.get(h)
    if (certified !== undefined && certified !== block.key)
      this.fail('I1', `height ${h}: committed block is not the certified one`)
    const invalid = validateBlock(block, view)
    if (invalid !== null) {
      const twice = invalid.includes('committed twice')
      this.fail(twice ? 'I3' : 'I2', `node ${node} committed an invalid block at height ${h}: ${invalid}`)
    }
    try {
      verifyCommitCertificate(
        certificate,
        this.#validators,
        { chainId: this.#chainId, height: h, blockHash: block.hash },
        this.#check,
      )
    } catch (e) {
      this.fail('I5', `node ${node}, height ${h}: ${(e as Error).message}`)
    }
    const rootHex = toHex(root)
    const other = this.#roots.get(h)
    if (other !== undefined && other !== rootHex)
      this.fail('I7', `node ${node} has another state root at height ${h}`)
    this.#roots.set(h, rootHex)
    for (const e of block.evidence) {
      const key = toHex(e.hash())
      if (!this.evidenceCommitted.has(key)) this.evidenceCommitted.set(key, h)
    }
  }

  /** I4: every commit the node acknowledged is still in its store after a restart. */
  onRestart(node: number, acknowledged: readonly string[], stored: readonly string[]): void {
    if (stored.length < acknowledged.length || acknowledged.some((k, i) => stored[i] !== k)) {
      this.fail('I4', `node ${node} lost acknowledged commits on restart`)
    }
  }

  onEvidence(key: string, chainHeight: number, evidenceHeight: number): void {
    if (!this.evidenceSeen.has(key))
      this.evidenceSeen.set(key, { timeMs: this.now, chainHeight, evidenceHeight })
  }
}
