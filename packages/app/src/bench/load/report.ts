/** The final table of `govchain bench load` (the JSON report is the `LoadReport` itself). */
import type { LoadReport } from './run.js'

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length))
const num = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits)
const pct = (v: number) => `${(v * 100).toFixed(1)} %`

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)))
  const line = (r: string[]) =>
    r
      .map((x, c) => (c === r.length - 1 ? x : pad(x, widths[c]!)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

export function formatLoadReport(r: LoadReport): string {
  const w = r.window
  const out: string[] = []
  out.push(
    `govchain bench load — profile ${r.profile}, ${r.network.nodes} nodes, ${r.network.senders} senders, ` +
      (r.batchMs > 0 ? `batches of ≤ ${r.batchMs} ms, ` : '') +
      `capacity ${r.capacity.value} tx/s (${r.capacity.source}), load average ${r.machine.loadAvgBefore
        .map((x) => x.toFixed(2))
        .join(' ')} → ${r.machine.loadAvgAfter.map((x) => x.toFixed(2)).join(' ')}`,
  )
  if (r.capacity.ramp.length > 0) {
    out.push('')
    out.push(
      table(
        ['ramp step', 'offered/s', 'committed/s', 'backlog', 'p50 ms', 'sustained'],
        r.capacity.ramp.map((s) => [
          String(s.rate),
          num(s.offeredPerS),
          num(s.committedPerS),
          String(s.backlog),
          num(s.latencyP50Ms),
          s.sustainable ? 'yes' : 'no',
        ]),
      ),
    )
  }
  out.push('')
  out.push(
    table(
      ['phase', 'rate/s', 'seconds', 'offered', 'accepted', 'refused', 'committed in phase'],
      r.phases.map((p) => [
        p.name,
        String(p.rate),
        num(p.durationS, 0),
        String(p.offered),
        String(p.accepted),
        String(p.refused),
        String(p.committed),
      ]),
    ),
  )
  out.push('')
  const refused = Object.entries(w.refused)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ')
  out.push(
    table(
      ['measure', 'value'],
      [
        ['offered', `${w.offered} (${num(w.offeredPerS, 1)}/s over ${num(w.durationS, 1)} s)`],
        ['accepted/s', num(w.acceptedPerS, 1)],
        ['committed/s (in window)', num(w.committedPerS, 1)],
        ['committed (after drain)', `${w.committed}`],
        ['success (committed ÷ offered)', pct(w.successRate)],
        ['refused at submission', refused === '' ? '0' : refused],
        [
          'commit latency p50 / p90 / p99 / max',
          `${num(w.latencyMs.p50)} / ${num(w.latencyMs.p90)} / ${num(w.latencyMs.p99)} / ${num(w.latencyMs.max)} ms`,
        ],
        [
          r.batchMs > 0 ? 'POST /v1/txs/batch p50 / p99' : 'POST /v1/txs p50 / p99',
          `${num(w.postLatencyMs.p50, 1)} / ${num(w.postLatencyMs.p99, 1)} ms`,
        ],
        ['blocks in window, txs per block', `${w.blocks}, ${num(w.txsPerBlock, 1)}`],
        ['drain', `${num(r.drain.seconds, 1)} s, ${r.drain.retries} retries, ${r.drain.open} open`],
        [
          'no loss',
          `${r.noLoss.ok ? 'ok' : 'FAILED'}: ${r.noLoss.acknowledged} acknowledged = ${r.noLoss.committed} committed + ` +
            `${Object.values(r.noLoss.rejected).reduce((a, b) => a + b, 0)} rejected + ${r.noLoss.pending} still pending + ${r.noLoss.lost} lost` +
            (r.noLoss.unanswered > 0 ? ` + ${r.noLoss.unanswered} unanswered (a node timed out)` : '') +
            `; ${r.noLoss.blocksListed} node-blocks listed, ${r.noLoss.sampleChecked} txs read back from every node, ` +
            `${r.noLoss.passes} audit pass${r.noLoss.passes === 1 ? '' : 'es'}`,
        ],
        ['generator CPU', `${num(r.generator.cpuPercent)} % of a core`],
      ],
    ),
  )
  out.push('')
  out.push(
    table(
      [
        'node',
        'CPU %',
        'main %',
        'peak %',
        'RSS MiB',
        'peak MiB',
        'anon peak MiB',
        'mempool peak',
        'rounds/h',
        'commit ms',
        'validate sig/exec/root ms',
        'WAL ms',
        'txs/gossip msg',
        'proposals rebuilt / fetched',
        'written / LevelDB MiB',
        'alive',
      ],
      r.nodes.map((n) => {
        const m = n.metrics
        const ph = m?.validationPhaseMs ?? {}
        return [
          n.name,
          num(n.cpuPercent),
          num(n.mainThreadCpuPercent),
          num(n.cpuPeakPercent),
          num(n.rssMeanMiB),
          num(n.rssPeakMiB),
          num(n.anonPeakMiB),
          String(n.mempoolPeak),
          num(m?.roundsPerHeight, 2),
          num(m?.blockCommitMs, 1),
          `${num(ph.signatures, 1)}/${num(ph.execution, 1)}/${num(ph.stateRoot, 1)}`,
          num(m?.walWriteMs, 1),
          num(m?.txsPerGossipMessage, 1),
          m?.proposalBlocks ? `${m.proposalBlocks.rebuilt} / ${m.proposalBlocks.fetched}` : '-',
          `${num(m?.storeWrittenMiB)} / ${num(m?.leveldbWrittenMiB)}`,
          n.alive ? 'yes' : 'NO',
        ]
      }),
    ),
  )
  if (r.slices.length > 1) {
    out.push('')
    out.push(`over the window (${r.slices.length} slices; node figures are means over the nodes):`)
    out.push(
      table(
        [
          'seconds',
          'offered/s',
          'committed/s',
          'p50 / p99 ms',
          'txs/block',
          'height',
          'CPU %',
          'RSS MiB',
          'commit ms',
          'exec / root ms',
          'written / LevelDB MiB',
        ],
        r.slices.map((s) => [
          `${num(s.fromS)}–${num(s.toS)}`,
          num(s.offeredPerS, 1),
          num(s.committedPerS, 1),
          `${num(s.latencyP50Ms)} / ${num(s.latencyP99Ms)}`,
          num(s.txsPerBlock, 1),
          String(s.height),
          num(s.nodeCpuPercent),
          num(s.nodeRssMiB),
          num(s.blockCommitMs, 1),
          `${num(s.executionMs, 1)} / ${num(s.stateRootMs, 1)}`,
          `${num(s.storeWrittenMiB)} / ${num(s.leveldbWrittenMiB)}`,
        ]),
      ),
    )
  }
  out.push('')
  const t = r.target
  out.push(
    t.rawVerifyPerS === null
      ? 'target: not computed (verification rate skipped)'
      : `target: raw verification ${num(t.rawVerifyPerS)} sig/s on ${r.machine.cores} cores → 60 % × raw ÷ ${r.network.nodes} = ` +
          `${num(t.committedPerSGoal)} committed tx/s with p50 ≤ ${t.latencyP50GoalMs} ms; reached ${num(t.committedPerS)} tx/s, ` +
          `p50 ${num(t.latencyP50Ms)} ms → ${t.met ? 'met' : 'not met'}`,
  )
  if (t.usPerTxPerNode !== null) {
    out.push(
      `CPU per committed transaction: ${num(t.usPerTxPerNode)} µs per node (mean, all threads)` +
        (t.allowedUsPerTxPerNode === null
          ? ''
          : `; the target allows ${num(t.allowedUsPerTxPerNode)} µs (${r.machine.cores} cores ÷ ${r.network.nodes} nodes ÷ ${num(t.committedPerSGoal)} tx/s, nothing for the generator)`),
    )
  }
  const c = r.criteria
  out.push(
    `criteria (${r.profile}): success ${pct(w.successRate)} ≥ ${pct(c.minSuccess)} ${c.success ? 'yes' : 'NO'} · ` +
      `no crash ${c.noCrash ? 'yes' : 'NO'} · no loss ${c.noLoss ? 'yes' : 'NO'} → ${c.pass ? 'PASS' : 'FAIL'}`,
  )
  return out.join('\n') + '\n'
}
