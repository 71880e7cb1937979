/**
 * Structured JSON logs, one object per line, written in batches off the request path: lines
 * are queued and flushed on the next tick of the event loop (or when the queue is large), so a
 * request never waits on stdout. `flush()` writes what is queued synchronously, for shutdown.
 *
 * Never log prompts, completions, keys or upstream credentials: callers pass metadata only.
 *
 * @module
 */
import { writeSync } from 'node:fs'
import { isoTime } from './iso-time.ts'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const LEVELS: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type LogFields = Record<string, string | number | boolean | null | undefined>

export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  debug(message: string, fields?: LogFields): void
  flush(): void
}

export interface LoggerOptions {
  level: LogLevel | 'silent'
  /** Where batches go; defaults to stdout (file descriptor 1). */
  write?: (text: string) => void
  now?: () => number
}

const MAX_QUEUED_LINES = 512

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LEVELS[options.level]
  const write = options.write ?? ((text: string) => writeSync(1, text))
  const now = options.now ?? Date.now
  let queue: string[] = []
  let scheduled = false

  function flush(): void {
    scheduled = false
    if (queue.length === 0) return
    const text = queue.join('')
    queue = []
    try {
      write(text)
    } catch {
      // stdout closed or full: dropping log lines must never take a request down
    }
  }

  function log(level: LogLevel, message: string, fields?: LogFields): void {
    if (LEVELS[level] < threshold) return
    // One stringify of the caller's object, no merged copy: this runs once per request.
    const head = `{"time":"${isoTime(now())}","level":"${level}","msg":${JSON.stringify(message)}`
    const rest = fields === undefined ? '}' : JSON.stringify(fields).slice(1)
    queue.push(rest === '}' ? `${head}}\n` : `${head},${rest}\n`)
    if (queue.length >= MAX_QUEUED_LINES) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }

  return {
    log,
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    debug: (message, fields) => log('debug', message, fields),
    flush,
  }
}

/** Error details safe for logs: name, code and message, never a request body. */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) }
  const cause = error.cause instanceof Error ? error.cause : undefined
  return {
    error: error.message,
    error_name: error.name,
    error_code: (error as { code?: string }).code,
    cause: cause ? `${cause.name}: ${cause.message}` : undefined,
    stack: error.stack?.split('\n').slice(1, 6).join(' | '),
  }
}
