/**
 * Entry of the process that runs one benchmark case (forked by index.ts): receives the case
 * over IPC, reports progress, sends the result (or the error) back and exits. The peak of its
 * anonymous memory in each round is sampled by the parent (anon-memory.ts), asked over the same
 * channel.
 */
import { isGovchainError } from '@govchain/ledger'
import { runCase, type CaseInput } from './case-runner.js'
import type { AnonPeakProbe } from './peak-rss.js'

export type ChildMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly step: string }
  | { readonly type: 'stretch'; readonly at: 'start' | 'end' }
  | { readonly type: 'result'; readonly result: Awaited<ReturnType<typeof runCase>> }
  | { readonly type: 'error'; readonly code: string; readonly message: string }

/** The parent's answers to `stretch` messages, in order. */
export type ParentMessage =
  { readonly type: 'stretch-started' } | { readonly type: 'stretch-peak'; readonly anonMb: number | null }

const send = (m: ChildMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()))

/** One request at a time: each `stretch` message is answered before the next is sent. */
function parentProbe(): AnonPeakProbe {
  let answer: ((m: ParentMessage) => void) | undefined
  process.on('message', (m: ParentMessage | CaseInput) => {
    if ('type' in m) answer?.(m)
  })
  const ask = (at: 'start' | 'end') =>
    new Promise<ParentMessage>((resolve) => {
      answer = resolve
      void send({ type: 'stretch', at })
    })
  return {
    start: async () => void (await ask('start')),
    end: async () => {
      const m = await ask('end')
      return m.type === 'stretch-peak' && m.anonMb !== null ? m.anonMb : undefined
    },
  }
}

process.once('message', (input: CaseInput) => {
  runCase(input, (p) => void send({ type: 'progress', ...p }), parentProbe())
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
