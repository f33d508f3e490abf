/**
 * pino logging. One root logger per node, a child per module (`logger.child({ module })`).
 * Data supplied by peers or clients is logged at debug level only (security.md): a flood of bad
 * input must not flood the info log.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export type LoggerOptions = {
  readonly level?: string
  /** A file path to append to; stdout when absent. */
  readonly file?: string
  readonly name?: string
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const destination =
    opts.file === undefined
      ? pino.destination(1)
      : pino.destination({ dest: opts.file, mkdir: true, sync: true })
  return pino(
    {
      level: opts.level ?? 'info',
      ...(opts.name === undefined ? {} : { name: opts.name }),
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  )
}

/** A logger that discards everything (tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
