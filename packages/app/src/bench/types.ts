/** Options and results of `govchain bench validate` (also the `--json` format). */
import type { CpuBudget } from './cpu-budget.js'
import type { StorageFloor } from './storage-floor.js'

export type VerifierName = 'pool' | 'libuv' | 'single'

export type ValidationBenchOptions = {
  /** A short run: 100 and 1,000 txs on 10,000 keys, 2 rounds (unless given explicitly). */
  readonly quick?: boolean
  /** Block sizes (transactions). Default 100, 1,000, 10,000, 50,000. */
  readonly sizes?: readonly number[]
  /** State sizes (keys). Default 10,000 and 1,000,000. */
  readonly stateKeys?: readonly number[]
  /** Measured rounds per case (medians are reported), after `warmup` rounds. Default 5. */
  readonly rounds?: number
  readonly warmup?: number
  /** Distinct sender accounts in the workload. Default 1,000. */
  readonly senders?: number
  readonly seed?: number
  /** Verifier the validating node uses. Default `pool` (the measured winner, see docs/bench.md). */
  readonly verifier?: VerifierName
  /** Where cached states and blocks live. Default `.bench/validate` under the working directory. */
  readonly dir?: string
  /** Write the report as JSON / as a self-contained HTML page. */
  readonly json?: string
  readonly html?: string
  /** Progress bars and the table (default true when stdout is a terminal or `print` is set). */
  readonly progress?: boolean
  /** Where the table and messages go (default: process.stdout). */
  readonly out?: NodeJS.WritableStream
}

/** Median milliseconds of each consecutive step of one validation (see Chain.validateBlock). */
export type PhaseTimes = {
  readonly decode: number
  readonly header: number
  readonly txRoot: number
  readonly certificate: number
  readonly evidence: number
  readonly transactions: number
  readonly execution: number
  readonly stateRoot: number
  /** Waiting for the signature batch once all the rest is done (the part not overlapped). */
  readonly signatures: number
  readonly persist: number
}

export const PHASES: readonly (keyof PhaseTimes)[] = [
  'decode',
  'header',
  'txRoot',
  'certificate',
  'evidence',
  'transactions',
  'execution',
  'stateRoot',
  'signatures',
  'persist',
]

export type RunFigures = {
  /** Median of the rounds' total (decode → persisted), ms. */
  readonly totalMs: number
  readonly txsPerSecond: number
  readonly ratioToRawLimit: number
  readonly phases: PhaseTimes
  /** The signature batch's own duration (median ms), overlapping the phases. */
  readonly signatureBatchMs: number
  /** Process CPU time of a round (median ms, all threads). */
  readonly cpuMs: number
  readonly roundsMs: readonly number[]
  /** Highest peak RSS of a round, from its start (after a GC) to the block persisted (MB). */
  readonly peakRssMb: number
  /**
   * Highest peak of a round's anonymous memory, over the same stretch (MB): RSS without the
   * files mapped into the process (anon-memory.ts). Sampled every 5 ms; absent where
   * /proc/PID/status cannot be read.
   */
  readonly peakAnonRssMb?: number
}

export type CaseResult = {
  readonly txs: number
  /** State keys before the block (genesis + filler). */
  readonly stateKeys: number
  readonly blockBytes: number
  /** Signature cache empty: every signature verified during validation. */
  readonly cold: RunFigures
  /** Every signature already in the cache (as after mempool admission). */
  readonly warm: RunFigures
  // Top-level copies of the cold figures (the headline).
  readonly txsPerSecond: number
  readonly rawLimitPerSecond: number
  readonly ratioToRawLimit: number
  readonly phases: PhaseTimes
  /** Signatures alone, all cores (medians, per second): each verifier, and the fastest. */
  readonly verifiers: Readonly<Record<VerifierName, number>>
  readonly rawLimitVerifier: VerifierName
  /** Pure-JS @noble/curves verification on all cores (a sample of the block's signatures). */
  readonly noblePerSecond: number
  readonly nobleSample: number
  /**
   * Peak resident memory while validating (MB): the highest of the cold and warm rounds' peaks,
   * each measured from the round's start (what the process still holds then counts).
   */
  readonly peakRssMb: number
  /** The same for anonymous memory only (RunFigures.peakAnonRssMb). */
  readonly peakAnonRssMb?: number
  /** CPU per transaction and the best ratio reachable at that cost (cpu-budget.ts). */
  readonly cpu: CpuBudget
  /** The block's database writes alone, median CPU and time of the replays (storage-floor.ts). */
  readonly storage: StorageFloor
  /** Peak resident memory of the whole process that ran this case, raw-limit runs included (MB). */
  readonly processPeakRssMb: number
  readonly loadAverage: readonly number[]
}

export type MachineFacts = {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGb: number
  readonly node: string
  readonly openssl: string
  readonly v8: string
  readonly platform: string
  readonly loadAverageStart: readonly number[]
  readonly loadAverageEnd?: readonly number[]
}

export type ValidationBenchReport = {
  readonly benchmark: 'govchain bench validate'
  readonly date: string
  readonly machine: MachineFacts
  readonly settings: {
    readonly rounds: number
    readonly warmup: number
    readonly senders: number
    readonly seed: number
    readonly verifier: VerifierName
    readonly verifierThreads: number
  }
  readonly fixtures: readonly {
    readonly stateKeys: number
    readonly built: boolean
    readonly buildMs: number
  }[]
  readonly cases: readonly CaseResult[]
}
