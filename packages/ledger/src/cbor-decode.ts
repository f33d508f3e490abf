/**
 * A fast path for `decode` (encoding.ts): a one-pass reader for canonical CBOR in govchain's
 * everyday subset — shortest-form unsigned and negative safe integers, byte strings, ASCII text,
 * definite arrays, maps with ASCII text keys in canonical order (shorter first, then bytewise;
 * strictly increasing, so no duplicates), false, true, null.
 *
 * Whatever it accepts, the strict path (cborg's strict decode, the float check, re-encoding and
 * comparing) accepts too, with an equal value: byte strings are fresh copies as cborg makes
 * them (or, when asked, views into the input), maps are plain objects with their keys in the
 * order received. Anything else — another major type, a non-shortest head, non-ASCII text,
 * unsorted keys, `__proto__`, deep nesting, truncation, trailing bytes — makes it give up
 * (`undefined`), and the strict path decides and reports. So it changes no verdict and no
 * error; it only skips cborg's token lists and the re-encoding for the values a node decodes by
 * the thousand (blocks, transactions, records).
 */

/** Deeper values go to the strict path (which refuses nesting beyond 64). */
const MAX_DEPTH = 60

/** Returned by the readers when the input is outside the subset. */
const GIVE_UP: unique symbol = Symbol('give up')

const EMPTY: Uint8Array = new Uint8Array(0)
let data: Uint8Array = EMPTY
let pos = 0
/** Byte strings as views into `data` rather than copies (see `decodeCanonicalFast`). */
let views = false
/** Short keys and texts are built from here (a view of the input would move it off V8's heap). */
const chars = new Uint16Array(64)
/** `chars.subarray(0, n)` for every n, made once (a view per text was a good part of decoding's garbage). */
const charViews = Array.from({ length: 65 }, (_, n) => chars.subarray(0, n))

/**
 * Recently decoded short texts by a hash of their bytes: map keys, statuses, kinds, member ids
 * recur in every record and transaction, and a hit (checked character by character) allocates
 * nothing. Any text equal to the bytes is the same value, so a hit changes no result.
 */
const INTERN_MAX = 32
const INTERN_SLOTS = 4096
const interned: string[] = new Array<string>(INTERN_SLOTS).fill('')

/** The argument of a head with additional info `info`, if in shortest form; -1 otherwise. */
function argument(info: number): number {
  if (info < 24) return info
  const p = pos
  if (info === 24) {
    if (p + 1 > data.length) return -1
    const n = data[p]!
    pos = p + 1
    return n < 24 ? -1 : n
  }
  if (info === 25) {
    if (p + 2 > data.length) return -1
    const n = (data[p]! << 8) | data[p + 1]!
    pos = p + 2
    return n < 0x100 ? -1 : n
  }
  if (info === 26) {
    if (p + 4 > data.length) return -1
    const n = data[p]! * 0x1000000 + ((data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!)
    pos = p + 4
    return n < 0x10000 ? -1 : n
  }
  if (info === 27) {
    if (p + 8 > data.length) return -1
    const hi = data[p]! * 0x1000000 + ((data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!)
    const lo = data[p + 4]! * 0x1000000 + ((data[p + 5]! << 16) | (data[p + 6]! << 8) | data[p + 7]!)
    pos = p + 8
    // Shortest form means ≥ 2^32; a safe integer means hi < 2^21.
    if (hi === 0 || hi >= 0x200000) return -1
    return hi * 0x100000000 + lo
  }
  return -1
}

/** ASCII text of `n` bytes at pos, or GIVE_UP. */
function ascii(n: number): string | typeof GIVE_UP {
  const start = pos
  const end = start + n
  if (end > data.length) return GIVE_UP
  let hash = n
  for (let i = start; i < end; i++) {
    const c = data[i]!
    if (c > 0x7f) return GIVE_UP
    hash = Math.imul(hash ^ c, 0x01000193)
  }
  pos = end
  if (n > INTERN_MAX) return n <= 64 ? fromChars(start, n) : latin1(start, end)
  const slot = (hash ^ (hash >>> 15)) & (INTERN_SLOTS - 1)
  const known = interned[slot]!
  if (known.length === n) {
    let same = true
    for (let i = 0; i < n; i++) {
      if (known.charCodeAt(i) !== data[start + i]) {
        same = false
        break
      }
    }
    if (same) return known
  }
  const s = fromChars(start, n)
  interned[slot] = s
  return s
}

function fromChars(start: number, n: number): string {
  for (let i = 0; i < n; i++) chars[i] = data[start + i]!
  return String.fromCharCode.apply(null, charViews[n] as unknown as number[])
}

function latin1(start: number, end: number): string {
  let s = ''
  for (let i = start; i < end; i += 4096)
    s += String.fromCharCode.apply(null, data.subarray(i, Math.min(end, i + 4096)) as unknown as number[])
  return s
}

/** Canonical map key order (cborg's): shorter first, then bytewise (ASCII: as strings). */
function keyBefore(a: string, b: string): boolean {
  return a.length !== b.length ? a.length < b.length : a < b
}

function item(depth: number): unknown {
  if (pos >= data.length || depth > MAX_DEPTH) return GIVE_UP
  const initial = data[pos++]!
  const major = initial >> 5
  const info = initial & 31
  if (major === 7) {
    if (info === 20) return false
    if (info === 21) return true
    if (info === 22) return null
    return GIVE_UP
  }
  const n = argument(info)
  if (n < 0) return GIVE_UP
  switch (major) {
    case 0:
      return n
    case 1:
      // -1 - n must be a safe integer: n ≤ 2^53 − 2.
      return n > Number.MAX_SAFE_INTEGER - 1 ? GIVE_UP : -1 - n
    case 2: {
      const end = pos + n
      if (end > data.length) return GIVE_UP
      const bytes = views ? data.subarray(pos, end) : data.slice(pos, end)
      pos = end
      return bytes
    }
    case 3:
      return ascii(n)
    case 4: {
      if (n > data.length - pos) return GIVE_UP // every item takes at least one byte
      // Made at its final length (growing by push reallocates); every slot is filled below.
      const out = new Array<unknown>(n)
      for (let i = 0; i < n; i++) {
        const v = item(depth + 1)
        if (v === GIVE_UP) return GIVE_UP
        out[i] = v
      }
      return out
    }
    case 5: {
      if (n > (data.length - pos) / 2) return GIVE_UP
      const out: Record<string, unknown> = {}
      let last = ''
      for (let i = 0; i < n; i++) {
        if (pos >= data.length) return GIVE_UP
        const head = data[pos++]!
        if (head >> 5 !== 3) return GIVE_UP
        const length = argument(head & 31)
        if (length < 0) return GIVE_UP
        const key = ascii(length)
        if (key === GIVE_UP || key === '__proto__' || (i > 0 && !keyBefore(last, key))) return GIVE_UP
        const v = item(depth + 1)
        if (v === GIVE_UP) return GIVE_UP
        out[key] = v
        last = key
      }
      return out
    }
    default:
      return GIVE_UP
  }
}

/**
 * The value of `bytes` if they are one canonical CBOR item of the subset above (and nothing
 * after it); `undefined` to let the strict path decide. `byteViews`: byte strings are views
 * into `bytes` (plain Uint8Arrays sharing its memory) instead of copies.
 */
export function decodeCanonicalFast(bytes: Uint8Array, byteViews = false): { value: unknown } | undefined {
  // A Buffer's slice() is a view: read through a plain Uint8Array, as cborg does.
  data =
    Object.getPrototypeOf(bytes) === Uint8Array.prototype
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  pos = 0
  views = byteViews
  try {
    const value = item(0)
    if (value === GIVE_UP || pos !== bytes.length) return undefined
    return { value }
  } finally {
    data = EMPTY
  }
}
