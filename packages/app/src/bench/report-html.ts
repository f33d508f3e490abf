/**
 * The HTML report: one self-contained page (inline CSS and SVG, no script, nothing fetched) with
 * the machine facts, the tables, a stacked bar per case showing where the time goes, validated
 * tx/s against block size per state size with the raw limit, and each case's CPU per transaction
 * against what the raw limit leaves.
 */
import { TARGET_RATIO, usPerTxAtRatio } from './cpu-budget.js'
import { PHASE_LABELS, formatReport } from './report-table.js'
import type { CaseResult, PhaseTimes, ValidationBenchReport } from './types.js'

const COLORS: Readonly<Record<keyof PhaseTimes, string>> = {
  decode: '#8dd3c7',
  header: '#d9d9d9',
  txRoot: '#bebada',
  certificate: '#ffffb3',
  evidence: '#cccccc',
  transactions: '#bc80bd',
  execution: '#fb8072',
  stateRoot: '#80b1d3',
  signatures: '#fdb462',
  persist: '#b3de69',
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const n0 = (n: number) => Math.round(n).toLocaleString('en-US')
/** A case's label at the left of its bar. */
const barLabel = (c: CaseResult) => `${c.stateKeys.toLocaleString('en-US')} keys · ${n0(c.txs)} txs`

function phaseChart(cases: readonly CaseResult[], which: 'cold' | 'warm'): string {
  const phases = Object.keys(PHASE_LABELS) as (keyof PhaseTimes)[]
  const rowH = 30
  const left = 190
  const width = 900
  const barW = width - left - 80
  const h = cases.length * rowH + 60
  const bars = cases
    .map((c, i) => {
      const f = c[which]
      let x = left
      const y = 10 + i * rowH
      const segs = phases
        .map((p) => {
          const w = (f.phases[p] / f.totalMs) * barW
          const seg = `<rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(0, w).toFixed(1)}" height="${rowH - 6}" fill="${COLORS[p]}"><title>${PHASE_LABELS[p]}: ${f.phases[p].toFixed(1)} ms (${((100 * f.phases[p]) / f.totalMs).toFixed(0)}%)</title></rect>`
          x += w
          return seg
        })
        .join('')
      const label = barLabel(c)
      // The signature batch (overlapping the steps), as a line from where it starts.
      const start = left + ((f.phases.decode + f.phases.header) / f.totalMs) * barW
      const batch =
        f.signatureBatchMs > 0
          ? `<line x1="${start.toFixed(1)}" x2="${(start + (f.signatureBatchMs / f.totalMs) * barW).toFixed(1)}" y1="${y + rowH - 4}" y2="${y + rowH - 4}" stroke="#333" stroke-width="2"><title>signature batch: ${f.signatureBatchMs.toFixed(1)} ms</title></line>`
          : ''
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${label}</text>${segs}${batch}<text x="${left + barW + 6}" y="${y + 15}">${n0(f.totalMs)} ms</text>`
    })
    .join('')
  const legend = phases
    .map((p, i) => {
      const x = left + (i % 5) * 140
      const y = cases.length * rowH + 22 + Math.floor(i / 5) * 18
      return `<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${COLORS[p]}"/><text x="${x + 16}" y="${y}">${PHASE_LABELS[p]}</text>`
    })
    .join('')
  return `<svg viewBox="0 0 ${width} ${h + 20}" width="${width}" role="img" aria-label="phase breakdown">${bars}${legend}</svg>`
}

/**
 * CPU per transaction against what the raw limit leaves (cpu-budget.ts), one bar per case: one
 * signature on one thread, the block's database writes alone (the storage floor), and the rest of
 * a warm round; the ticks are the CPU a transaction may cost for the ratio to reach 85 % and
 * 100 % (cores ÷ (ratio × raw limit)). Bars longer than the scale are cut and labelled.
 */
function cpuChart(cases: readonly CaseResult[], cores: number): string {
  const rowH = 30
  const left = 190
  const width = 900
  const barW = width - left - 110
  const budget = (c: CaseResult, ratio: number) => usPerTxAtRatio(cores, c.rawLimitPerSecond, ratio)
  // The scale: the costs and the 85 % budgets, but a case far beyond them (a 1M-key case of 100
  // transactions costs ten times more) is cut rather than squeezing the rest.
  const budgets = cases.map((c) => budget(c, TARGET_RATIO))
  const costs = cases.map((c) => c.cpu.signatureUsPerTx + c.cpu.otherUsPerTx)
  const maxUs = Math.min(Math.max(...costs, ...budgets), 3 * Math.max(...budgets))
  const x = (us: number) => left + (Math.min(us, maxUs) / maxUs) * barW
  const segments = [
    { name: 'one signature (1 thread)', color: '#fdb462', us: (c: CaseResult) => c.cpu.signatureUsPerTx },
    { name: 'database writes alone', color: '#b3de69', us: (c: CaseResult) => c.cpu.storageUsPerTx },
    {
      name: 'the rest of validation',
      color: '#bebada',
      us: (c: CaseResult) => Math.max(0, c.cpu.otherUsPerTx - c.cpu.storageUsPerTx),
    },
  ]
  const rows = cases
    .map((c, i) => {
      const y = 10 + i * rowH
      let at = 0
      const bars = segments
        .map((seg) => {
          const us = seg.us(c)
          const rect = `<rect x="${x(at).toFixed(1)}" y="${y}" width="${(x(at + us) - x(at)).toFixed(1)}" height="${rowH - 6}" fill="${seg.color}"><title>${seg.name}: ${n0(us)} µs</title></rect>`
          at += us
          return rect
        })
        .join('')
      const ticks = [TARGET_RATIO, 1]
        .map((ratio) => {
          const tx = x(budget(c, ratio)).toFixed(1)
          return `<line x1="${tx}" x2="${tx}" y1="${y - 3}" y2="${y + rowH - 3}" stroke="#333" stroke-width="${ratio === 1 ? 1 : 2}"${ratio === 1 ? ' stroke-dasharray="3 2"' : ''}><title>${ratio * 100} % of the raw limit allows ${n0(budget(c, ratio))} µs</title></line>`
        })
        .join('')
      const label = barLabel(c)
      const total = costs[i]!
      return `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${label}</text>${bars}${ticks}<text x="${left + barW + 6}" y="${y + 15}">${n0(total)} µs${total > maxUs ? ' (cut)' : ''}</text>`
    })
    .join('')
  const legend = segments
    .map((seg, i) => {
      const lx = left + i * 200
      const ly = cases.length * rowH + 22
      return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${seg.color}"/><text x="${lx + 16}" y="${ly}">${seg.name}</text>`
    })
    .join('')
  const h = cases.length * rowH + 40
  return `<svg viewBox="0 0 ${width} ${h}" width="${width}" role="img" aria-label="CPU per transaction against the raw limit">${rows}${legend}</svg>`
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)))
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!
}

function throughputChart(cases: readonly CaseResult[]): string {
  const states = [...new Set(cases.map((c) => c.stateKeys))].sort((a, b) => a - b)
  const sizes = [...new Set(cases.map((c) => c.txs))].sort((a, b) => a - b)
  const w = 900
  const h = 360
  const pad = { l: 80, r: 230, t: 20, b: 50 }
  const top = Math.max(...cases.flatMap((c) => [c.txsPerSecond, c.warm.txsPerSecond, c.rawLimitPerSecond]))
  const step = niceStep(top / 5)
  const maxY = Math.ceil((top * 1.05) / step) * step
  const lx = (txs: number) => {
    const i = sizes.indexOf(txs)
    return pad.l + (sizes.length === 1 ? 0.5 : i / (sizes.length - 1)) * (w - pad.l - pad.r)
  }
  const ly = (v: number) => h - pad.b - (v / maxY) * (h - pad.t - pad.b)
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd']
  const series: string[] = []
  const legend: string[] = []
  states.forEach((s, si) => {
    const cs = cases.filter((c) => c.stateKeys === s).sort((a, b) => a.txs - b.txs)
    const color = palette[si % palette.length]!
    const line = (pick: (c: CaseResult) => number, dash: string, name: string, k: number) => {
      const pts = cs.map((c) => `${lx(c.txs).toFixed(1)},${ly(pick(c)).toFixed(1)}`).join(' ')
      series.push(
        `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/>` +
          cs
            .map(
              (c) =>
                `<circle cx="${lx(c.txs).toFixed(1)}" cy="${ly(pick(c)).toFixed(1)}" r="3" fill="${color}"><title>${name}: ${n0(pick(c))} tx/s</title></circle>`,
            )
            .join(''),
      )
      const y = pad.t + (si * 3 + k) * 18
      legend.push(
        `<line x1="${w - pad.r + 12}" y1="${y}" x2="${w - pad.r + 36}" y2="${y}" stroke="${color}" stroke-width="2" stroke-dasharray="${dash}"/><text x="${w - pad.r + 40}" y="${y + 4}">${name}</text>`,
      )
    }
    const label = `${s.toLocaleString('en-US')} keys`
    line((c) => c.txsPerSecond, '', `${label}: cold`, 0)
    line((c) => c.warm.txsPerSecond, '6 3', `${label}: warm`, 1)
    line((c) => c.rawLimitPerSecond, '2 3', `${label}: raw limit`, 2)
  })
  const ticks = Array.from({ length: Math.round(maxY / step) + 1 }, (_, i) => step * i)
  const axes =
    ticks
      .map(
        (t) =>
          `<line x1="${pad.l}" x2="${w - pad.r}" y1="${ly(t)}" y2="${ly(t)}" stroke="#eee"/><text x="${pad.l - 6}" y="${ly(t) + 4}" text-anchor="end">${n0(t)}</text>`,
      )
      .join('') +
    sizes
      .map((s) => `<text x="${lx(s)}" y="${h - pad.b + 18}" text-anchor="middle">${n0(s)}</text>`)
      .join('') +
    `<text x="${(pad.l + w - pad.r) / 2}" y="${h - 10}" text-anchor="middle">transactions per block</text>` +
    `<text x="16" y="${(pad.t + h - pad.b) / 2}" transform="rotate(-90 16 ${(pad.t + h - pad.b) / 2})" text-anchor="middle">tx/s</text>`
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" role="img" aria-label="throughput by block size">${axes}${series.join('')}${legend.join('')}</svg>`
}

export function renderHtml(report: ValidationBenchReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>govchain bench validate — ${esc(report.date)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
svg text{font:12px system-ui,sans-serif;fill:#333}
.note{color:#555}
</style></head><body>
<h1>govchain bench validate</h1>
<p class="note">${esc(report.date)} · ${esc(report.machine.cores + ' × ' + report.machine.cpuModel)} · Node ${esc(report.machine.node)} · OpenSSL ${esc(report.machine.openssl)}</p>
<h2>Validated transactions per second by block size</h2>
<p class="note">Solid: cold (signature cache empty); dashed: warm (signatures verified at mempool admission); dotted: raw limit (the block's signatures verified alone by the fastest verifier on all cores, same run).</p>
${throughputChart(report.cases)}
<h2>Where the time goes (cold)</h2>
<p class="note">Consecutive steps of the validating thread, as shares of the total. The black line under a bar is the signature batch: it runs on the verifier threads from the end of the header checks, alongside the steps above it; "sig wait" is what was left of it afterwards.</p>
${phaseChart(report.cases, 'cold')}
<h2>Where the time goes (warm)</h2>
${phaseChart(report.cases, 'warm')}
<h2>CPU per transaction: what the hardware allows</h2>
<p class="note">All threads, µs per transaction. Once the signature batch fills the cores, every other microsecond of CPU lowers the best ratio reachable, however well it overlaps. Solid tick: what a transaction may cost in all for 85 % of the raw limit on these ${report.machine.cores} cores; dashed: for 100 %. "Database writes alone": the block's writes written again into a fresh copy of the state.</p>
${cpuChart(report.cases, report.machine.cores)}
<h2>Figures</h2>
<pre>${esc(formatReport(report))}</pre>
</body></html>
`
}
