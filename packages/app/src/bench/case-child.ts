/**
 * Entry of the process that runs one benchmark case (forked by index.ts): receives the case
 * over IPC, reports progress, sends the result (or the error) back and exits.
 */
import { isGovchainError } from '@govchain/ledger'
import { runCase, type CaseInput } from './case-runner.js'

export type ChildMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly step: string }
  | { readonly type: 'result'; readonly result: Awaited<ReturnType<typeof runCase>> }
  | { readonly type: 'error'; readonly code: string; readonly message: string }

const send = (m: ChildMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()))

process.once('message', (input: CaseInput) => {
  runCase(input, (p) => void send({ type: 'progress', ...p }))
    .then((result) => send({ type: 'result', result }))
    .catch((e: unknown) =>
      send({
        type: 'error',
        code: isGovchainError(e) ? e.code : 'BENCH_CASE_FAILED',
        message: e instanceof Error ? (e.stack ?? e.message) : String(e),
      }),
    )
    .finally(() => process.disconnect())
})
