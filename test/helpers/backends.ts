/**
 * Which real backends the tests may use. In CI (`CI=true`) PostgreSQL and Redis are mandatory:
 * a missing service fails the run instead of skipping. Elsewhere the suites skip with a clear
 * message.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import pg from 'pg'

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const IN_CI = process.env.CI === 'true' || process.env.CI === '1'

async function canReachPostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return (error as Error).message
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Resolves to `false` (run the suite) when PostgreSQL answers, else to a skip reason; in CI an
 * unreachable PostgreSQL throws so the run fails.
 */
export async function postgresSkipReason(): Promise<string | false> {
  const problem = await canReachPostgres()
  if (problem === undefined) return false
  if (IN_CI) throw new Error(`CI=true requires PostgreSQL at ${TEST_POSTGRES_URL}: ${problem}`)
  const reason = `PostgreSQL not reachable at ${TEST_POSTGRES_URL} (${problem}); set TEST_POSTGRES_URL or start it`
  console.warn(`# SKIP postgres suite: ${reason}`)
  return reason
}

/** Sends PING over a plain socket (no client library needed to decide whether to skip). */
async function canReachRedis(): Promise<string | undefined> {
  const url = new URL(TEST_REDIS_URL)
  return new Promise((resolve) => {
    const socket = connect(Number(url.port || 6379), url.hostname)
    const timer = setTimeout(() => finish('timed out'), 3000)
    function finish(problem: string | undefined): void {
      clearTimeout(timer)
      socket.destroy()
      resolve(problem)
    }
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) =>
      finish(data.toString().startsWith('+PONG') ? undefined : data.toString().trim()),
    )
    socket.on('error', (error) => finish(error.message))
  })
}

/** Like {@link postgresSkipReason}, for Redis. */
export async function redisSkipReason(): Promise<string | false> {
  const problem = await canReachRedis()
  if (problem === undefined) return false
  if (IN_CI) throw new Error(`CI=true requires Redis at ${TEST_REDIS_URL}: ${problem}`)
  const reason = `Redis not reachable at ${TEST_REDIS_URL} (${problem}); set TEST_REDIS_URL or start it`
  console.warn(`# SKIP redis suite: ${reason}`)
  return reason
}

/** A fresh schema name so suites never see each other's rows. */
export function uniqueSchemaName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`
}

/** Drops a schema created for a test suite. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
