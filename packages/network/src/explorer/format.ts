/** Formatting helpers of the explorer page (pure). */

/** `abcdef…7890`: enough of a hash to tell it apart on screen (the full value goes in `title`). */
export function short(hex: string, head = 10, tail = 6): string {
  return hex.length <= head + tail + 1 ? hex : `${hex.slice(0, head)}…${hex.slice(-tail)}`
}

export function timeOf(ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleTimeString(undefined, { hour12: false })
}

export function dateTimeOf(ms: number): string {
  const d = new Date(ms)
  return Number.isNaN(d.getTime())
    ? '—'
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
}

/** A number with up to `digits` decimals and no trailing zeros. */
export function num(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return '—'
  return Number(v.toFixed(digits)).toLocaleString('en', { maximumFractionDigits: digits })
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${num(n / 1024, 1)} KiB`
  return `${num(n / 1024 / 1024, 1)} MiB`
}

/** Stable JSON (object keys sorted) for comparing values that went through different encoders. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

export const HEX64 = /^[0-9a-f]{64}$/
