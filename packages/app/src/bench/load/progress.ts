/** Progress of the measured window: a cli-progress bar on a terminal, a line every 5 s otherwise. */
import cliProgress from 'cli-progress'
import type { ProgressSink, ProgressSnapshot } from './options.js'

function line(s: ProgressSnapshot): string {
  return (
    `${s.phase} ${s.elapsedS.toFixed(0)}/${s.totalS.toFixed(0)} s · offered ${s.offered} · accepted ${s.accepted} · ` +
    `committed ${s.committed} · refused ${s.rejected} · in flight ${s.inFlight} · mempool ${s.mempool} · height ${s.height}`
  )
}

export function progressSink(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  if (stream.isTTY !== true) {
    let last = -Infinity
    return {
      start: (totalS, label) => stream.write(`bench load: ${label} window of ${totalS} s\n`),
      update: (s) => {
        if (s.elapsedS - last < 5) return
        last = s.elapsedS
        stream.write(`bench load: ${line(s)}\n`)
      },
      stop: () => {},
    }
  }
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        '{bar} {percentage}% | {phase} {value}/{total} s | offered {offered} accepted {accepted} committed {committed} refused {refused} | mempool {mempool} | h {height}',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  )
  return {
    start: (totalS) =>
      bar.start(Math.round(totalS), 0, {
        phase: '',
        offered: 0,
        accepted: 0,
        committed: 0,
        refused: 0,
        mempool: 0,
        height: 0,
      }),
    update: (s) =>
      bar.update(Math.min(Math.round(s.elapsedS), Math.round(s.totalS)), {
        phase: s.phase,
        offered: s.offered,
        accepted: s.accepted,
        committed: s.committed,
        refused: s.rejected,
        mempool: s.mempool,
        height: s.height,
      }),
    stop: () => bar.stop(),
  }
}
