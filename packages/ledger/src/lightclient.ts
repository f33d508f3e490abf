/**
 * Light-client verification of state proofs: a bundle proves that, in the block at some height,
 * given state keys held given values (or nothing). It is checked offline from the genesis
 * validator set alone, by following the chain of validator-set changes: each change header is
 * certified by the set trusted so far and names the next set. Runs in Node and in browsers.
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

export type VerifiedState = {
  readonly height: number
  readonly blockHash: Uint8Array
  readonly timeMs: number
  readonly stateRoot: Uint8Array
  readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array | null }[]
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

/** Verifies a bundle against the chain id and genesis validator set; throws `LightClientError`. */
export function verifyStateProofBundle(
  bundle: StateProofBundle,
  trust: { chainId: string; genesisValidators: ValidatorSet },
): VerifiedState {
  const { chainId } = trust
  if (bundle.chainId !== chainId || bundle.header.chainId !== chainId) {
    throw new LightClientError(
      LightClientErrorCode.WRONG_CHAIN,
      `proof is for chain ${bundle.header.chainId}, expected ${chainId}`,
    )
  }
  let trusted = trust.genesisValidators
  let lastHeight = 0
  for (const change of bundle.validatorChanges) {
    if (change.header.height <= lastHeight || change.header.height >= bundle.header.height) {
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
  certified(bundle.header, bundle.certificate, trusted, chainId)
  const root = bundle.header.stateRoot
  for (const e of bundle.entries) {
    if (!verifyStateProof(root, e.key, e.value, e.proof)) {
      throw new LightClientError(
        LightClientErrorCode.BAD_STATE_PROOF,
        `state proof for key ${toHex(e.key)} does not match the state root`,
      )
    }
  }
  return {
    height: bundle.header.height,
    blockHash: bundle.header.hash(),
    timeMs: bundle.header.timeMs,
    stateRoot: root,
    entries: bundle.entries.map((e) => ({ key: e.key, value: e.value })),
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
