/** Errors of the benchmark (bad options, a workload that does not validate). */
import { GovchainError } from '@govchain/ledger'

export const BenchErrorCode = {
  BAD_OPTION: 'BENCH_BAD_OPTION',
  WORKLOAD_REFUSED: 'BENCH_WORKLOAD_REFUSED',
  CASE_FAILED: 'BENCH_CASE_FAILED',
} as const
export type BenchErrorCode = (typeof BenchErrorCode)[keyof typeof BenchErrorCode]
export class BenchError extends GovchainError<BenchErrorCode> {}
