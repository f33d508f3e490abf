/**
 * Declarative payload schemas. A payload is the canonical CBOR encoding of a text-keyed map
 * whose key set is exactly the schema's (optional fields are present as `null`, so every
 * payload has one encoding). Decoding is strict: bounded size, canonical bytes, no unknown or
 * missing key, every field checked by its reader; failures are `APP_BAD_PAYLOAD` (or
 * `APP_PAYLOAD_TOO_LARGE`) with the offending field's path in the message and details.
 *
 * The same schemas convert JSON (bytes as lowercase hex) for the CLI and scripts.
 */
import {
  decode,
  DecodeErrorCode,
  encode,
  fromHex,
  isGovchainError,
  toHex,
  type Encodable,
} from '@govchain/ledger'
import { AppError, AppErrorCode } from '../errors.js'

export type Field<T> = {
  /** Strict check of a decoded CBOR value (also used on builder input). */
  readonly read: (value: unknown, path: string) => T
  /** JSON form → CBOR form (hex → bytes), checked afterwards by `read`. */
  readonly fromJson: (value: unknown, path: string) => unknown
  /** One-line description for docs and CLI help. */
  readonly describe: string
  /** Set by `f.optional`: the field may be null (and left out of JSON input). */
  readonly nullable?: true
}

export type FieldType<F> = F extends Field<infer T> ? T : never
export type Schema = { readonly [key: string]: Field<unknown> }
export type PayloadOf<S extends Schema> = { readonly [K in keyof S]: FieldType<S[K]> }

export function badPayload(path: string, expected: string): AppError {
  return new AppError(AppErrorCode.BAD_PAYLOAD, `${path || 'payload'}: expected ${expected}`, {
    field: path,
  })
}

const same = (v: unknown): unknown => v

function pattern(re: RegExp, describe: string): Field<string> {
  return {
    read: (v, path) => {
      if (typeof v !== 'string' || !re.test(v)) throw badPayload(path, describe)
      return v
    },
    fromJson: same,
    describe,
  }
}

/** Record ids are URL-safe: they appear in `GET /v1/records/:id`. */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/
/** Member ids and account names follow the genesis rule: 1–64 printable ASCII, no spaces. */
export const IDENT_PATTERN = /^[\x21-\x7e]{1,64}$/
export const KIND_PATTERN = /^[a-z][a-z0-9-]{0,31}$/
export const CODE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/
export const FIELD_NAME_PATTERN = /^[a-z][A-Za-z0-9_-]{0,31}$/
export const CURRENCY_PATTERN = /^[A-Z]{3}$/

/** Amounts are integers in minor units (cents); the cap keeps every sum a safe integer. */
export const MAX_AMOUNT = 1_000_000_000_000_000
export const MAX_COMMITTED_FIELDS = 16

export const f = {
  pattern,
  recordId: (): Field<string> => pattern(RECORD_ID_PATTERN, 'a record id (1–64 of A-Z a-z 0-9 . _ : -)'),
  ident: (): Field<string> => pattern(IDENT_PATTERN, 'an identifier (1–64 printable ASCII, no spaces)'),
  kind: (): Field<string> => pattern(KIND_PATTERN, 'a kind (1–32 of a-z 0-9 -, starting with a letter)'),
  code: (): Field<string> =>
    pattern(CODE_PATTERN, 'a reason code (1–64 of a-z 0-9 -, starting with a letter)'),
  currency: (): Field<string> => pattern(CURRENCY_PATTERN, 'an ISO 4217 currency code'),

  text: (min: number, max: number): Field<string> => ({
    read: (v, path) => {
      if (typeof v !== 'string' || v.length < min || v.length > max) {
        throw badPayload(path, `text of ${min}–${max} characters`)
      }
      return v
    },
    fromJson: same,
    describe: `text (${min}–${max} characters)`,
  }),

  uint: (min = 0, max = Number.MAX_SAFE_INTEGER): Field<number> => ({
    read: (v, path) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
        throw badPayload(path, `an integer in [${min}, ${max}]`)
      }
      return v
    },
    fromJson: same,
    describe: `integer in [${min}, ${max}]`,
  }),

  amount: (): Field<number> => f.uint(1, MAX_AMOUNT),
  height: (): Field<number> => f.uint(1),

  bytes: (length: number): Field<Uint8Array> => ({
    read: (v, path) => {
      if (!(v instanceof Uint8Array) || v.length !== length) throw badPayload(path, `${length} bytes`)
      return v
    },
    fromJson: (v, path) => {
      if (typeof v !== 'string') throw badPayload(path, `${length} bytes as lowercase hex`)
      try {
        return fromHex(v, length, path)
      } catch {
        throw badPayload(path, `${length} bytes as lowercase hex`)
      }
    },
    describe: `${length} bytes (hex in JSON)`,
  }),

  oneOf: <const V extends string>(values: readonly V[]): Field<V> => ({
    read: (v, path) => {
      if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
        throw badPayload(path, `one of ${values.join(', ')}`)
      }
      return v as V
    },
    fromJson: same,
    describe: values.join(' | '),
  }),

  optional: <T>(field: Field<T>): Field<T | null> => ({
    read: (v, path) => (v === null ? null : field.read(v, path)),
    fromJson: (v, path) => (v === null || v === undefined ? null : field.fromJson(v, path)),
    describe: `${field.describe} or null`,
    nullable: true,
  }),

  list: <T>(
    item: Field<T>,
    min: number,
    max: number,
    opts: { unique?: (x: T) => string } = {},
  ): Field<readonly T[]> => ({
    read: (v, path) => {
      if (!Array.isArray(v) || v.length < min || v.length > max) {
        throw badPayload(path, `a list of ${min}–${max} items`)
      }
      const out = v.map((x, i) => item.read(x, `${path}[${i}]`))
      if (opts.unique) {
        const seen = new Set<string>()
        out.forEach((x, i) => {
          const k = opts.unique!(x)
          if (seen.has(k)) throw badPayload(`${path}[${i}]`, 'no repeated item')
          seen.add(k)
        })
      }
      return out
    },
    fromJson: (v, path) => (Array.isArray(v) ? v.map((x, i) => item.fromJson(x, `${path}[${i}]`)) : v),
    describe: `list of ${min}–${max} × ${item.describe}`,
  }),

  /** A text-keyed map with keys matching `keyPattern`, e.g. field name → commitment. */
  dict: <T>(
    keyPattern: RegExp,
    value: Field<T>,
    min: number,
    max: number,
  ): Field<Readonly<Record<string, T>>> => ({
    read: (v, path) => {
      const m = asMap(v, path)
      const keys = Object.keys(m)
      if (keys.length < min || keys.length > max) throw badPayload(path, `a map of ${min}–${max} entries`)
      const out: Record<string, T> = {}
      for (const k of keys) {
        if (!keyPattern.test(k)) throw badPayload(`${path}.${k}`, `a key matching ${String(keyPattern)}`)
        out[k] = value.read(m[k], `${path}.${k}`)
      }
      return out
    },
    fromJson: (v, path) => {
      if (!isPlainObject(v)) return v
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = value.fromJson(x, `${path}.${k}`)
      return out
    },
    describe: `map of ${min}–${max} entries`,
  }),

  object: <S extends Schema>(schema: S): Field<PayloadOf<S>> => ({
    read: (v, path) => readObject(schema, v, path),
    fromJson: (v, path) => objectFromJson(schema, v, path),
    describe: `{ ${Object.keys(schema).join(', ')} }`,
  }),

  /** A map tagged by its `type` key, each tag with its own schema. */
  tagged: <U extends { readonly [tag: string]: Schema }>(
    variants: U,
  ): Field<{ [T in keyof U & string]: { readonly type: T } & PayloadOf<U[T]> }[keyof U & string]> => {
    const tags = Object.keys(variants)
    // Each variant's schema with its `type` field, made once.
    const schemas = new Map<string, Schema>(
      tags.map((tag) => [tag, { type: f.oneOf([tag]), ...variants[tag] }]),
    )
    const variantOf = (v: unknown, path: string): [string, Schema] => {
      const m = asMap(v, path)
      const tag = m.type
      if (typeof tag !== 'string' || !Object.hasOwn(variants, tag)) {
        throw badPayload(`${path}.type`, `one of ${tags.join(', ')}`)
      }
      return [tag, schemas.get(tag)!]
    }
    return {
      read: (v, path) => {
        const [, schema] = variantOf(v, path)
        return readObject(schema, v, path) as never
      },
      fromJson: (v, path) => {
        if (!isPlainObject(v)) return v
        const [, schema] = variantOf(v, path)
        return objectFromJson(schema, v, path)
      },
      describe: tags.join(' | '),
    }
  },
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
}

function asMap(v: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(v) || Object.getPrototypeOf(v) !== Object.prototype) throw badPayload(path, 'a map')
  return v
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

/** Each schema's entries, listed once (schemas are constants; every payload read walks one). */
const schemaEntries = new WeakMap<Schema, readonly (readonly [string, Field<unknown>])[]>()

function entriesOf(schema: Schema): readonly (readonly [string, Field<unknown>])[] {
  let entries = schemaEntries.get(schema)
  if (entries === undefined) schemaEntries.set(schema, (entries = Object.entries(schema)))
  return entries
}

export function readObject<S extends Schema>(schema: S, v: unknown, path: string): PayloadOf<S> {
  const m = asMap(v, path)
  for (const k of Object.keys(m)) {
    if (!Object.hasOwn(schema, k)) throw badPayload(join(path, k), 'no such field')
  }
  const out: Record<string, unknown> = {}
  for (const [k, field] of entriesOf(schema)) {
    if (!Object.hasOwn(m, k)) throw badPayload(join(path, k), `a value (${field.describe})`)
    out[k] = field.read(m[k], join(path, k))
  }
  return out as PayloadOf<S>
}

function objectFromJson(schema: Schema, v: unknown, path: string): unknown {
  if (!isPlainObject(v)) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) {
    // Unknown keys pass through and are refused by `read` with their name.
    out[k] = Object.hasOwn(schema, k) ? schema[k]!.fromJson(x, join(path, k)) : x
  }
  for (const [k, field] of Object.entries(schema)) {
    // An optional field may be left out of JSON; it is `null` in the payload.
    if (!Object.hasOwn(out, k) && field.nullable) out[k] = null
  }
  return out
}

/** Strictly decodes a payload: size, canonical CBOR, then the schema. */
export function decodeWithSchema<S extends Schema>(
  schema: S,
  bytes: Uint8Array,
  maxBytes: number,
  what: string,
): PayloadOf<S> {
  let value: unknown
  try {
    // Byte fields are views into the payload bytes (a transaction keeps them anyway).
    value = decode(bytes, maxBytes, what, { byteViews: true })
  } catch (e) {
    if (isGovchainError(e) && e.code === DecodeErrorCode.TOO_LARGE) {
      throw new AppError(AppErrorCode.PAYLOAD_TOO_LARGE, e.message, { limit: maxBytes, size: bytes.length })
    }
    throw new AppError(AppErrorCode.BAD_PAYLOAD, isGovchainError(e) ? e.message : `${what}: malformed`, {
      field: '',
    })
  }
  return readObject(schema, value, '')
}

/** Checks a payload against its schema and encodes it canonically. */
export function encodeWithSchema<S extends Schema>(
  schema: S,
  payload: PayloadOf<S>,
  maxBytes: number,
  what: string,
): Uint8Array {
  const checked = readObject(schema, payload, '')
  const bytes = encode(checked as unknown as Encodable)
  if (bytes.length > maxBytes) {
    throw new AppError(AppErrorCode.PAYLOAD_TOO_LARGE, `${what}: ${bytes.length} bytes exceeds ${maxBytes}`, {
      limit: maxBytes,
      size: bytes.length,
    })
  }
  return bytes
}

export function fromJsonWithSchema<S extends Schema>(schema: S, json: unknown): PayloadOf<S> {
  return readObject(schema, objectFromJson(schema, json, ''), '')
}

/** Encodable → JSON: bytes become lowercase hex (for the CLI, HTTP answers and logs). */
export function toJsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v)
  if (Array.isArray(v)) return v.map(toJsonValue)
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x)
    return out
  }
  return v
}
