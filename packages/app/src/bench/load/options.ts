/**
 * Options and profiles of `govchain bench load` (after the CAICT method: pressure, spike,
 * stability). A profile is a list of phases, each an offered rate held for a while; rates are
 * fractions of the network's capacity (committed tx/s it sustains), given or found by a ramp.
 */
import { GovchainError } from '@govchain/ledger'

export const LoadBenchErrorCode = {
  /** An option is out of range or inconsistent. */
  BAD_OPTION: 'LOAD_BAD_OPTION',
  /** The network cannot be reached or set up (status, account registration). */
  SETUP: 'LOAD_SETUP',
  /** The generator's own invariant broke (a signature it made does not verify). */
  INTERNAL: 'LOAD_INTERNAL',
} as const
export type LoadBenchErrorCode = (typeof LoadBenchErrorCode)[keyof typeof LoadBenchErrorCode]
export class LoadBenchError extends GovchainError<LoadBenchErrorCode> {}

export const PROFILES = ['pressure', 'spike', 'stability'] as const
export type Profile = (typeof PROFILES)[number]

export type Phase = { readonly name: string; readonly rate: number; readonly durationMs: number }

export type ProfileSpec = {
  /** Success rate (committed / offered) the profile must reach. */
  readonly minSuccess: number
  readonly defaultDurationS: number
  /** The phases for a capacity basis and a total duration. */
  phases(capacity: number, durationMs: number): Phase[]
  /** The capacity basis that makes the main phase run at `rate` (for `--rate`). */
  capacityFor(rate: number): number
}

const at = (rate: number) => Math.max(1, Math.round(rate))

export const PROFILE_SPECS: Readonly<Record<Profile, ProfileSpec>> = {
  // Offered ≈ capacity for the whole run.
  pressure: {
    minSuccess: 0.95,
    defaultDurationS: 60,
    phases: (c, d) => [{ name: 'pressure', rate: at(c), durationMs: d }],
    capacityFor: (r) => r,
  },
  // Half capacity, then twice capacity for half the run, then half capacity again (recovery).
  spike: {
    minSuccess: 0.75,
    defaultDurationS: 60,
    phases: (c, d) => [
      { name: 'base', rate: at(c / 2), durationMs: Math.round(d / 4) },
      { name: 'spike', rate: at(2 * c), durationMs: Math.round(d / 2) },
      { name: 'recover', rate: at(c / 2), durationMs: d - Math.round(d / 4) - Math.round(d / 2) },
    ],
    capacityFor: (r) => r / 2,
  },
  // A fifth of capacity for a long run.
  stability: {
    minSuccess: 0.95,
    defaultDurationS: 300,
    phases: (c, d) => [{ name: 'stability', rate: at(c / 5), durationMs: d }],
    capacityFor: (r) => r * 5,
  },
}

export type LoadBenchOptions = {
  /** Path of the devnet's network.json (or its directory). */
  readonly network: string
  readonly profile: Profile
  /** Capacity basis in committed tx/s; found by a ramp when neither this nor `rate` is given. */
  readonly capacity?: number
  /** The main phase's offered rate (tx/s); overrides the capacity basis. */
  readonly rate?: number
  /** Total measured window; default per profile. */
  readonly durationS?: number
  /** Extra accounts registered at setup as senders (spread over five organisations). */
  readonly senders?: number
  /** After the window: wait at most this long for admitted transactions to end. */
  readonly drainS?: number
  /** Ramp: first rate, growth per step, step length, highest rate tried. */
  readonly rampStart?: number
  readonly rampGrowth?: number
  readonly rampStepS?: number
  readonly rampMax?: number
  /** Slices of the window reported separately (default: about 10 s each, at most 10). */
  readonly slices?: number
  /** Committed transactions whose status is read back from every node after the run. */
  readonly auditSample?: number
  /** Skip the raw verification-rate measurement. */
  readonly skipVerifyRate?: boolean
  /**
   * 0 (default): one `POST /v1/txs` per transaction. Else a node's due transactions wait up to
   * this many ms and go as one `POST /v1/txs/batch`; latency still counts from the offer.
   */
  readonly batchMs?: number
  /** Progress sink: bar on a TTY, lines otherwise, nothing if undefined. */
  readonly progress?: ProgressSink
  /** Free-form log lines (setup, ramp steps). */
  readonly log?: (line: string) => void
}

export type ProgressSnapshot = {
  readonly phase: string
  readonly elapsedS: number
  readonly totalS: number
  readonly offered: number
  readonly accepted: number
  readonly committed: number
  readonly rejected: number
  readonly inFlight: number
  readonly mempool: number
  readonly height: number
}

export type ProgressSink = {
  start(totalS: number, label: string): void
  update(s: ProgressSnapshot): void
  stop(): void
}

export function checkOptions(o: LoadBenchOptions): void {
  const bad = (m: string) => {
    throw new LoadBenchError(LoadBenchErrorCode.BAD_OPTION, m)
  }
  if (!PROFILES.includes(o.profile)) bad(`profile must be one of ${PROFILES.join(', ')}`)
  const pos = (v: number | undefined, name: string, max: number) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= max)) bad(`${name} must be in (0, ${max}]`)
  }
  pos(o.capacity, 'capacity', 1_000_000)
  pos(o.rate, 'rate', 1_000_000)
  pos(o.durationS, 'duration', 86_400)
  pos(o.senders, 'senders', 10_000)
  pos(o.drainS, 'drain', 3600)
  pos(o.rampStart, 'ramp start', 1_000_000)
  pos(o.rampStepS, 'ramp step', 600)
  pos(o.rampMax, 'ramp max', 1_000_000)
  if (o.rampGrowth !== undefined && !(o.rampGrowth > 1 && o.rampGrowth <= 10))
    bad('ramp growth must be in (1, 10]')
  if (o.slices !== undefined && !(Number.isSafeInteger(o.slices) && o.slices >= 1 && o.slices <= 100))
    bad('slices must be an integer from 1 to 100')
  if (o.batchMs !== undefined && !(Number.isSafeInteger(o.batchMs) && o.batchMs >= 0 && o.batchMs <= 1000))
    bad('batch ms must be an integer from 0 to 1000')
  if (o.auditSample !== undefined && !(Number.isSafeInteger(o.auditSample) && o.auditSample >= 0))
    bad('audit sample must be a non-negative integer')
}
