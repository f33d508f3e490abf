/** `govchain bench load`: load test of a running devnet (run.ts), its report and progress display. */
export { runLoadBench, type LoadReport, type LatencySummary, type RampStep } from './run.js'
export { formatLoadReport } from './report.js'
export {
  LoadBenchError,
  LoadBenchErrorCode,
  PROFILES,
  PROFILE_SPECS,
  type LoadBenchOptions,
  type Profile,
  type ProgressSink,
  type ProgressSnapshot,
} from './options.js'
export { progressSink } from './progress.js'
