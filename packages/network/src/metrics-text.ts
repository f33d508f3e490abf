/**
 * Reading a node's `/metrics` answer (Prometheus text exposition format) back into numbers: for
 * the load benchmark's scrapes and for tests. Samples only; `# HELP` / `# TYPE` lines are skipped.
 */

/** Prometheus text → `name{labels}` (as written) → value. A line that is not a sample is skipped. */
export function parseMetricsText(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const sp = line.lastIndexOf(' ')
    if (sp <= 0) continue
    const v = Number(line.slice(sp + 1))
    if (Number.isFinite(v)) out.set(line.slice(0, sp), v)
  }
  return out
}
