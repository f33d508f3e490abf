/** The terminal report: machine facts, headline table, phase breakdown, verifier comparison. */
import type { CaseResult, PhaseTimes, ValidationBenchReport } from './types.js'

const n0 = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => (n >= 100 ? n0(n) : n >= 10 ? n.toFixed(1) : n.toFixed(2))
const pct = (r: number) => `${(r * 100).toFixed(0)}%`
const keys = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 2)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n)

/** A plain text table: first column left-aligned, the others right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** Short labels of the phases, in order. */
export const PHASE_LABELS: Readonly<Record<keyof PhaseTimes, string>> = {
  decode: 'decode',
  header: 'header',
  txRoot: 'tx hashes+root',
  certificate: 'certificate',
  evidence: 'evidence',
  transactions: 'chain id+dups',
  execution: 'execution',
  stateRoot: 'state root',
  signatures: 'sig wait',
  persist: 'persist',
}

function caseLabel(c: CaseResult): string {
  return `${keys(c.stateKeys)} keys, ${n0(c.txs)} txs`
}

export function machineLines(report: ValidationBenchReport): string[] {
  const m = report.machine
  const s = report.settings
  return [
    `machine: ${m.cores} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}, OpenSSL ${m.openssl}, V8 ${m.v8}`,
    `load average (1/5/15 min): ${m.loadAverageStart.join(' ')} at the start` +
      (m.loadAverageEnd ? `, ${m.loadAverageEnd.join(' ')} at the end` : ''),
    `validating with: ${s.verifier === 'pool' ? `worker-thread pool (${s.verifierThreads} threads)` : s.verifier}; ` +
      `median of ${s.rounds} rounds after ${s.warmup} warm-up; ${n0(s.senders)} senders; seed ${s.seed}`,
  ]
}

export function formatReport(report: ValidationBenchReport): string {
  const cases = report.cases
  const out: string[] = ['govchain bench validate', ...machineLines(report), '']

  out.push(
    'Block validation, decode → persisted (cold: signature cache empty; warm: signatures verified at admission)',
  )
  out.push(
    textTable(
      [
        'case',
        'cold ms',
        'cold tx/s',
        'raw limit/s',
        'ratio',
        'warm ms',
        'warm tx/s',
        'warm ratio',
        'peak RSS*',
        'anon peak†',
      ],
      cases.map((c) => [
        caseLabel(c),
        ms(c.cold.totalMs),
        n0(c.cold.txsPerSecond),
        n0(c.rawLimitPerSecond),
        pct(c.ratioToRawLimit),
        ms(c.warm.totalMs),
        n0(c.warm.txsPerSecond),
        pct(c.warm.ratioToRawLimit),
        `${n0(c.peakRssMb)} MB`,
        c.peakAnonRssMb === undefined ? '–' : `${n0(c.peakAnonRssMb)} MB`,
      ]),
    ),
  )
  out.push(
    'ratio = validated tx/s ÷ raw limit (the same signatures verified alone, fastest verifier, all cores, same run)',
    '* peak resident memory while validating: the highest of the rounds, each from its start (what the process',
    '  still holds then counts) to the block persisted; the whole process, raw-limit runs included: processPeakRssMb',
    '† the peak of anonymous memory alone (heap, buffers, native allocations), sampled every 5 ms: RSS also counts',
    "  files mapped in, node's code and the LevelDB table files that LevelDB reads through read-only mappings",
    '  (page cache the kernel drops under pressure; on 1M keys most of the database)',
  )
  out.push('')

  const phases = Object.keys(PHASE_LABELS) as (keyof PhaseTimes)[]
  out.push('Where the time goes (cold, median ms and share of the total)')
  out.push(
    textTable(
      ['case', ...phases.map((p) => PHASE_LABELS[p]), 'sig batch*'],
      cases.map((c) => [
        caseLabel(c),
        ...phases.map((p) => `${ms(c.cold.phases[p])} ${pct(c.cold.phases[p] / c.cold.totalMs)}`),
        ms(c.cold.signatureBatchMs),
      ]),
    ),
  )
  out.push(
    '* the signature batch runs on the verifier threads while the validating thread does the steps from',
    '  "tx hashes+root" to "state root"; "sig wait" is the part of it that was not overlapped.',
    '',
  )

  out.push(`What the hardware allows: CPU per transaction, all threads (µs, ${report.machine.cores} cores)`)
  out.push(
    textTable(
      [
        'case',
        'cold',
        'all but signatures (warm)',
        'one signature',
        'CPU-bound ratio*',
        'ratio',
        'allowed for 85 %†',
        'storage writes‡',
        'bound at storage alone‡',
      ],
      cases.map((c) => [
        caseLabel(c),
        n0(c.cpu.coldUsPerTx),
        n0(c.cpu.otherUsPerTx),
        n0(c.cpu.signatureUsPerTx),
        pct(c.cpu.cpuBoundRatio),
        pct(c.ratioToRawLimit),
        c.cpu.otherUsPerTxFor85 > 0 ? n0(c.cpu.otherUsPerTxFor85) : 'none',
        `${n0(c.cpu.storageUsPerTx)} (${n0(c.storage.operations)} ops)`,
        pct(c.cpu.storageBoundRatio),
      ]),
    ),
  )
  out.push(
    '* the best ratio reachable at this CPU cost however well the work overlaps the signature batch:',
    '  cores ÷ ((one signature + all but signatures) × raw limit)',
    '† the CPU all but the signatures may cost per transaction for the ratio to reach 85 %',
    "‡ the block's database writes written again alone into a fresh copy of the state (keys and values",
    '  built): part of "all but signatures" that only another layout or store removes; the bound as if',
    '  everything else but the signatures cost nothing',
    '',
  )

  out.push('Signatures alone, verifications per second (median), and the pure-JS baseline')
  out.push(
    textTable(
      ['case', 'worker pool', 'libuv async', '1 thread', 'noble (all cores)', 'OpenSSL ÷ noble'],
      cases.map((c) => [
        caseLabel(c),
        n0(c.verifiers.pool) + (c.rawLimitVerifier === 'pool' ? ' ◆' : ''),
        n0(c.verifiers.libuv) + (c.rawLimitVerifier === 'libuv' ? ' ◆' : ''),
        n0(c.verifiers.single),
        `${n0(c.noblePerSecond)} (${n0(c.nobleSample)} sigs)`,
        `${(c.rawLimitPerSecond / c.noblePerSecond).toFixed(1)}×`,
      ]),
    ),
  )
  out.push('◆ the raw limit of that case')
  return out.join('\n')
}
