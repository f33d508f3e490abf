/** Whether a text of `v` (a value, a member, a key) starts with U+FEFF, which the writer refuses. */
export function hasLeadingBom(v: unknown): boolean {
  if (typeof v === 'string') return v.charCodeAt(0) === 0xfeff
  if (Array.isArray(v)) return v.some(hasLeadingBom)
  if (v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v)))
    return Object.entries(v).some(([k, x]) => hasLeadingBom(k) || hasLeadingBom(x))
  return false
}
