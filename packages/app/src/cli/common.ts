/**
 * Shared pieces of the `govchain` CLI: coded CLI errors, exit codes, option parsers, output.
 *
 * Exit codes: 0 success · 1 refused or failed (by the node, the chain, the network; an invalid
 * proof) · 2 bad usage or input (arguments, JSON, payload, key file, genesis) · 3 `verify`: the
 * record is proven revoked · 4 `verify`: proven but not in force (expired, suspended, …).
 */
import { readFileSync } from 'node:fs'
import { GovchainError, isGovchainError } from '@govchain/ledger'
import { isAppError } from '../errors.js'
import {
  ClientError,
  ClientErrorCode,
  GovchainClient,
  isClientError,
  ProofErrorCode,
} from '../client/index.js'

export const CliErrorCode = {
  /** Bad command-line usage: unknown option, missing argument, malformed value. */
  USAGE: 'CLI_USAGE',
  /** `--payload` (or a file) is not JSON. */
  BAD_JSON: 'CLI_BAD_JSON',
  /** A file to read is missing / unreadable, or a file to write exists. */
  FILE: 'CLI_FILE',
  /** No node URL: give `--node URL` or set GOVCHAIN_NODE. */
  NO_NODE: 'CLI_NO_NODE',
} as const
export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode]
export class CliError extends GovchainError<CliErrorCode> {}

export const ExitCode = { ok: 0, failed: 1, usage: 2, revoked: 3, inactive: 4 } as const

const INPUT_CODES = new Set<string>([
  ClientErrorCode.BAD_INPUT,
  ClientErrorCode.BAD_KEY_FILE,
  ClientErrorCode.BAD_NETWORK_FILE,
  ProofErrorCode.BAD_GENESIS,
  ProofErrorCode.BAD_CHECKPOINT,
])

/** Exit code of an error: input errors found locally are 2, everything else 1. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CliError) return ExitCode.usage
  if (isClientError(e)) {
    if (e.httpStatus !== undefined || e.nodeError !== undefined) return ExitCode.failed
    return INPUT_CODES.has(e.code) ? ExitCode.usage : ExitCode.failed
  }
  // Payload and commitment checks run before anything is sent.
  if (isAppError(e)) return ExitCode.usage
  if (isGovchainError(e) && INPUT_CODES.has(e.code)) return ExitCode.usage
  return ExitCode.failed
}

export function printError(e: unknown): void {
  if (isGovchainError(e)) {
    process.stderr.write(`govchain: ${e.code}: ${e.message}\n`)
    if (e instanceof ClientError && e.httpStatus !== undefined)
      process.stderr.write(`govchain: (HTTP ${e.httpStatus} from the node)\n`)
  } else {
    process.stderr.write(`govchain: INTERNAL: ${(e as Error)?.stack ?? String(e)}\n`)
  }
}

/** Prints a result as JSON (bytes already hex). */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new CliError(
      CliErrorCode.FILE,
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    )
  }
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new CliError(CliErrorCode.BAD_JSON, `${what} is not JSON: ${(e as Error).message}`)
  }
}

/** `--payload` value: inline JSON, `@file`, or `-` for stdin. */
export function readJsonArg(value: string, what: string): unknown {
  if (value === '-') return parseJson(readTextFile('/dev/stdin', what), what)
  if (value.startsWith('@')) return parseJson(readTextFile(value.slice(1), what), what)
  return parseJson(value, what)
}

export function intArg(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    if (!/^[0-9]{1,16}$/.test(v) || Number(v) < min || Number(v) > max)
      throw new CliError(
        CliErrorCode.USAGE,
        `${name} must be an integer in [${min}, ${max}], got ${v.slice(0, 40)}`,
      )
    return Number(v)
  }
}

/** Repeatable `--field name=value`. */
export function collectField(v: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = v.indexOf('=')
  if (eq <= 0) throw new CliError(CliErrorCode.USAGE, `--field expects name=value, got ${v.slice(0, 60)}`)
  const name = v.slice(0, eq)
  if (Object.hasOwn(previous, name)) throw new CliError(CliErrorCode.USAGE, `--field ${name} given twice`)
  return { ...previous, [name]: v.slice(eq + 1) }
}

/** The node to talk to: `--node URL`, else GOVCHAIN_NODE. */
export function clientFor(opts: { node?: string; timeout?: number }): GovchainClient {
  const url = opts.node ?? process.env.GOVCHAIN_NODE
  if (url === undefined || url === '')
    throw new CliError(CliErrorCode.NO_NODE, 'no node: give --node URL (or set GOVCHAIN_NODE)')
  return new GovchainClient(url, opts.timeout === undefined ? {} : { commitTimeoutMs: opts.timeout })
}
