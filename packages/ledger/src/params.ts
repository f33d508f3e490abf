/** Chain parameters: fixed in genesis, the same on every node. */
export type ChainParams = {
  /** Largest encoded transaction accepted anywhere (HTTP, gossip, blocks). */
  readonly maxTxBytes: number
  /** Largest encoded block. */
  readonly maxBlockBytes: number
  /** Most transactions in one block. */
  readonly maxBlockTxs: number
  /** How far ahead of a validator's clock a proposed block's time may be. */
  readonly maxClockDriftMs: number
  /** Equivocation evidence older than this many blocks is no longer accepted. */
  readonly maxEvidenceAgeBlocks: number
  /** Most evidence items in one block. */
  readonly maxBlockEvidence: number
}

export const DEFAULT_CHAIN_PARAMS: ChainParams = Object.freeze({
  maxTxBytes: 64 * 1024,
  maxBlockBytes: 32 * 1024 * 1024,
  maxBlockTxs: 100_000,
  maxClockDriftMs: 10_000,
  maxEvidenceAgeBlocks: 100,
  maxBlockEvidence: 64,
})

/** Identifiers (chain id, tx type, member id) are short printable ASCII. */
export const MAX_IDENT_LENGTH = 64
/** Hard ceiling for any single decoded structure, whatever the params say. */
export const MAX_DECODE_BYTES = 256 * 1024 * 1024
export const HASH_LENGTH = 32
