/**
 * Light-client verification of state proofs: a bundle proves that, in the block at some height,
 * given state keys held given values (or nothing). It is checked offline from the genesis
 * validator set alone, by following the chain of validator-set changes: each change header is
 * certified by the set trusted so far and names the next set. Runs in Node and in browsers.
 *
 * From the genesis alone, the keys of a validator set that was later replaced can still sign an
 * alternative history (a long-range fork) that checks out. A client that trusts a later header
 * (a checkpoint: one it verified before, or one it was given out of band) follows the chain from
 * there instead: only the set the checkpoint names can certify what comes after it.
 */
import { equalBytes, fromHex, toHex } from './bytes.js'
import {
  createCommitCertificateFromBytes,
  verifyCommitCertificate,
  type CommitCertificate,
} from './consensus/certificate.js'
import { GovchainError, isGovchainError } from './errors.js'
import { createHeaderFromBytes, type BlockHeader } from './header.js'
import {
  stateProofFromJSON,
  stateProofToJSON,
  verifyStateProof,
  type StateProof,
  type StateProofJson,
} from './state/proof.js'
import { createValidatorSetFromBytes, type ValidatorSet } from './validators.js'
import { DecodeError, DecodeErrorCode } from './errors.js'

export const LightClientErrorCode = {
  WRONG_CHAIN: 'LIGHT_WRONG_CHAIN',
  UNTRUSTED_VALIDATORS: 'LIGHT_UNTRUSTED_VALIDATORS',
  BAD_CERTIFICATE: 'LIGHT_BAD_CERTIFICATE',
  WRONG_NEXT_VALIDATORS: 'LIGHT_WRONG_NEXT_VALIDATORS',
  CHANGES_OUT_OF_ORDER: 'LIGHT_CHANGES_OUT_OF_ORDER',
  BAD_STATE_PROOF: 'LIGHT_BAD_STATE_PROOF',
  BEFORE_CHECKPOINT: 'LIGHT_BEFORE_CHECKPOINT',
  CHECKPOINT_MISMATCH: 'LIGHT_CHECKPOINT_MISMATCH',
} as const
export type LightClientErrorCode = (typeof LightClientErrorCode)[keyof typeof LightClientErrorCode]
export class LightClientError extends GovchainError<LightClientErrorCode> {}

export type ValidatorChange = {
  readonly header: BlockHeader
  readonly certificate: CommitCertificate
  readonly nextValidators: ValidatorSet
}

export type StateProofBundle = {
  readonly chainId: string
  readonly header: BlockHeader
  readonly certificate: CommitCertificate
  /** For each height h < header.height where V_{h+1} ≠ V_h: header h, its certificate and V_{h+1}. */
  readonly validatorChanges: readonly ValidatorChange[]
  readonly entries: readonly {
    readonly key: Uint8Array
    readonly value: Uint8Array | null
    readonly proof: StateProof
  }[]
}

/** A header the client trusts, and the validator set that certifies the heights after it. */
export type LightClientCheckpoint = {
  readonly chainId: string
  readonly height: number
  readonly blockHash: Uint8Array
  /** V_{height+1}: the set that certifies height + 1 (and on, until a change says otherwise). */
  readonly nextValidators: ValidatorSet
}

export type LightClientTrust = {
  readonly chainId: string
  readonly genesisValidators: ValidatorSet
  /**
   * Follow the chain from this header instead of from the genesis: a proof below it is refused
   * (LIGHT_BEFORE_CHECKPOINT), one at its height must be that header (LIGHT_CHECKPOINT_MISMATCH).
   */
  readonly checkpoint?: LightClientCheckpoint
}

export type VerifiedState = {
  readonly height: number
  readonly blockHash: Uint8Array
  readonly timeMs: number
  readonly stateRoot: Uint8Array
  readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array | null }[]
  /**
   * The proven header as a checkpoint for later proofs, or null when the validator set changes
   * right after it (the bundle does not carry the next set then).
   */
  readonly checkpoint: LightClientCheckpoint | null
}

function certified(
  header: BlockHeader,
  cert: CommitCertificate,
  trusted: ValidatorSet,
  chainId: string,
): void {
  if (!equalBytes(header.validatorSetHash, trusted.hash())) {
    throw new LightClientError(
      LightClientErrorCode.UNTRUSTED_VALIDATORS,
      `header ${header.height} names a validator set the chain of changes does not lead to`,
    )
  }
  try {
    verifyCommitCertificate(cert, trusted, { chainId, height: header.height, blockHash: header.hash() })
  } catch (e) {
    throw new LightClientError(
      LightClientErrorCode.BAD_CERTIFICATE,
      `header ${header.height}: ${isGovchainError(e) ? e.message : String(e)}`,
      {
        cause: isGovchainError(e) ? e.code : undefined,
      },
    )
  }
}

/** Throws unless `header` is the checkpoint's own header (and names the checkpoint's next set). */
function requireCheckpointHeader(header: BlockHeader, checkpoint: LightClientCheckpoint): void {
  if (
    !equalBytes(header.hash(), checkpoint.blockHash) ||
    !equalBytes(header.nextValidatorSetHash, checkpoint.nextValidators.hash())
  ) {
    throw new LightClientError(
      LightClientErrorCode.CHECKPOINT_MISMATCH,
      `header ${header.height} is not the trusted checkpoint's header`,
    )
  }
}

/**
 * Verifies a bundle against the chain id and the genesis validator set, or a checkpoint; throws
 * `LightClientError`.
 */
export function verifyStateProofBundle(bundle: StateProofBundle, trust: LightClientTrust): VerifiedState {
  const { chainId, checkpoint } = trust
  if (bundle.chainId !== chainId || bundle.header.chainId !== chainId) {
    throw new LightClientError(
      LightClientErrorCode.WRONG_CHAIN,
      `proof is for chain ${bundle.header.chainId}, expected ${chainId}`,
    )
  }
  const height = bundle.header.height
  let trusted = trust.genesisValidators
  let lastHeight = 0
  if (checkpoint !== undefined) {
    if (checkpoint.chainId !== chainId) {
      throw new LightClientError(
        LightClientErrorCode.WRONG_CHAIN,
        `checkpoint is for chain ${checkpoint.chainId}, expected ${chainId}`,
      )
    }
    if (height < checkpoint.height) {
      throw new LightClientError(
        LightClientErrorCode.BEFORE_CHECKPOINT,
        `proof is for height ${height}, below the trusted checkpoint at ${checkpoint.height}`,
      )
    }
    if (height === checkpoint.height) requireCheckpointHeader(bundle.header, checkpoint)
    trusted = checkpoint.nextValidators
    lastHeight = checkpoint.height
  }
  for (const change of bundle.validatorChanges) {
    if (checkpoint !== undefined && change.header.height <= checkpoint.height) {
      // Behind the checkpoint: already trusted, as long as it does not contradict it.
      if (change.header.height === checkpoint.height) requireCheckpointHeader(change.header, checkpoint)
      continue
    }
    if (change.header.height <= lastHeight || change.header.height >= height) {
      throw new LightClientError(
        LightClientErrorCode.CHANGES_OUT_OF_ORDER,
        'validator changes must be ascending and below the proven height',
      )
    }
    lastHeight = change.header.height
    certified(change.header, change.certificate, trusted, chainId)
    if (!equalBytes(change.header.nextValidatorSetHash, change.nextValidators.hash())) {
      throw new LightClientError(
        LightClientErrorCode.WRONG_NEXT_VALIDATORS,
        `header ${change.header.height} names another next validator set`,
      )
    }
    trusted = change.nextValidators
  }
  // The checkpoint's own header is trusted by its hash (checked above); V_{h+1} does not sign h.
  if (height !== checkpoint?.height) certified(bundle.header, bundle.certificate, trusted, chainId)
  const root = bundle.header.stateRoot
  for (const e of bundle.entries) {
    if (!verifyStateProof(root, e.key, e.value, e.proof)) {
      throw new LightClientError(
        LightClientErrorCode.BAD_STATE_PROOF,
        `state proof for key ${toHex(e.key)} does not match the state root`,
      )
    }
  }
  const blockHash = bundle.header.hash()
  let next: LightClientCheckpoint | null = null
  if (height === checkpoint?.height) next = checkpoint
  else if (equalBytes(bundle.header.nextValidatorSetHash, trusted.hash()))
    next = { chainId, height, blockHash, nextValidators: trusted }
  return {
    height,
    blockHash,
    timeMs: bundle.header.timeMs,
    stateRoot: root,
    entries: bundle.entries.map((e) => ({ key: e.key, value: e.value })),
    checkpoint: next,
  }
}

export type LightClientCheckpointJson = {
  chainId: string
  height: number
  blockHash: string
  /** Hex of the set's canonical bytes, as in a proof bundle. */
  nextValidators: string
}

export function checkpointToJSON(c: LightClientCheckpoint): LightClientCheckpointJson {
  return {
    chainId: c.chainId,
    height: c.height,
    blockHash: toHex(c.blockHash),
    nextValidators: toHex(c.nextValidators.serialize()),
  }
}

export function checkpointFromJSON(json: unknown): LightClientCheckpoint {
  const o = json as Partial<LightClientCheckpointJson> | null
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.chainId !== 'string' ||
    !Number.isSafeInteger(o.height) ||
    (o.height as number) < 1
  ) {
    throw new DecodeError(
      DecodeErrorCode.BAD_SHAPE,
      'checkpoint: expected { chainId, height ≥ 1, blockHash, nextValidators }',
    )
  }
  const blockHash = hexField(o.blockHash, 'checkpoint blockHash')
  if (blockHash.length !== 32)
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'checkpoint blockHash: 32 bytes')
  return {
    chainId: o.chainId,
    height: o.height as number,
    blockHash,
    nextValidators: createValidatorSetFromBytes(hexField(o.nextValidators, 'checkpoint nextValidators')),
  }
}

export type StateProofBundleJson = {
  chainId: string
  header: string
  certificate: string
  validatorChanges: { header: string; certificate: string; nextValidators: string }[]
  entries: { key: string; value: string | null; proof: StateProofJson }[]
}

/** JSON form: headers, certificates and validator sets as hex of their canonical bytes. */
export function stateProofBundleToJSON(b: StateProofBundle): StateProofBundleJson {
  return {
    chainId: b.chainId,
    header: toHex(b.header.serialize()),
    certificate: toHex(b.certificate.serialize()),
    validatorChanges: b.validatorChanges.map((c) => ({
      header: toHex(c.header.serialize()),
      certificate: toHex(c.certificate.serialize()),
      nextValidators: toHex(c.nextValidators.serialize()),
    })),
    entries: b.entries.map((e) => ({
      key: toHex(e.key),
      value: e.value === null ? null : toHex(e.value),
      proof: stateProofToJSON(e.proof),
    })),
  }
}

function hexField(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string') throw new DecodeError(DecodeErrorCode.BAD_SHAPE, `${what}: expected hex`)
  return fromHex(v, undefined, what)
}

export function stateProofBundleFromJSON(json: unknown): StateProofBundle {
  const o = json as Partial<StateProofBundleJson> | null
  if (
    o === null ||
    typeof o !== 'object' ||
    typeof o.chainId !== 'string' ||
    !Array.isArray(o.validatorChanges) ||
    !Array.isArray(o.entries)
  ) {
    throw new DecodeError(
      DecodeErrorCode.BAD_SHAPE,
      'proof bundle: expected { chainId, header, certificate, validatorChanges, entries }',
    )
  }
  if (o.validatorChanges.length > 100_000 || o.entries.length > 1000)
    throw new DecodeError(DecodeErrorCode.BAD_SHAPE, 'proof bundle: too large')
  return {
    chainId: o.chainId,
    header: createHeaderFromBytes(hexField(o.header, 'header')),
    certificate: createCommitCertificateFromBytes(hexField(o.certificate, 'certificate')),
    validatorChanges: o.validatorChanges.map((c) => ({
      header: createHeaderFromBytes(hexField(c?.header, 'change header')),
      certificate: createCommitCertificateFromBytes(hexField(c?.certificate, 'change certificate')),
      nextValidators: createValidatorSetFromBytes(hexField(c?.nextValidators, 'change validators')),
    })),
    entries: o.entries.map((e) => ({
      key: hexField(e?.key, 'entry key'),
      value: e?.value === null ? null : hexField(e?.value, 'entry value'),
      proof: stateProofFromJSON(e?.proof),
    })),
  }
}
