/**
 * Friendly errors for a database that cannot be reached or opened: which one (password masked)
 * and what to check, instead of a bare `connect ECONNREFUSED` from the driver.
 *
 * @module
 */

/** The configured database cannot be reached or opened; the message is meant for an operator. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError'
}

/** Network and login failures: the database is not there, or will not let us in. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  // PostgreSQL SQLSTATE: invalid authorization, bad password, no such database.
  '28000',
  '28P01',
  '3D000',
])

/** A connection URL with its password (userinfo or `?password=`) replaced by `***`. */
export function maskUrl(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not parseable: mask anything between "://user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@')
  }
  if (parsed.password !== '') parsed.password = '***'
  for (const key of [...parsed.searchParams.keys()])
    if (/pass/i.test(key)) parsed.searchParams.set(key, '***')
  return parsed.toString().replaceAll('%2A%2A%2A', '***')
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  // `localhost` tries ::1 and 127.0.0.1: Node reports both in an AggregateError.
  if (error instanceof AggregateError) return error.errors.map(codeOf).find(Boolean)
  return undefined
}

function reasonOf(error: unknown, url: string): string {
  const code = codeOf(error)
  let message = error instanceof Error ? error.message : String(error)
  if (message === '' && error instanceof AggregateError)
    message = error.errors.map((inner) => (inner as Error).message).join('; ')
  // Drivers do not echo passwords, but never risk it.
  try {
    const password = decodeURIComponent(new URL(url).password)
    if (password !== '') message = message.replaceAll(password, '***')
  } catch {}
  return message === '' ? (code ?? 'unknown error') : message
}

/** True for errors that mean "cannot reach or log in to the database", not a failing statement. */
export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined && CONNECTION_CODES.has(code)) return true
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|timeout expired|connection timeout/i.test(message)
}

/** The operator-facing error for a PostgreSQL server that cannot be reached at `url`. */
export function postgresUnreachable(url: string, error: unknown): StorageUnavailableError {
  let where = ''
  try {
    const parsed = new URL(url)
    where = ` (host ${parsed.hostname}, port ${parsed.port || '5432'})`
  } catch {}
  return new StorageUnavailableError(
    `cannot connect to PostgreSQL at ${maskUrl(url)}${where}: ${reasonOf(error, url)}\n` +
      '  check: is PostgreSQL running and listening on that host and port? ' +
      'is storage.url (or ONEKEY_STORAGE_URL) right, user, password and database included? ' +
      'does a firewall or container network stand between this machine and the database?',
    { cause: error },
  )
}

/** The operator-facing error for a SQLite file that cannot be created or opened at `path`. */
export function sqliteUnopenable(path: string, error: unknown): StorageUnavailableError {
  const code = codeOf(error)
  const message = error instanceof Error ? error.message : String(error)
  return new StorageUnavailableError(
    `cannot open SQLite database ${path}: ${code !== undefined && !message.includes(code) ? `${code}: ` : ''}${message}\n` +
      '  check: does the directory exist (or can it be created) and is it writable by this user? ' +
      'is storage.url (or ONEKEY_STORAGE_URL) the path you meant, e.g. sqlite:./data/onekey.db?',
    { cause: error },
  )
}
