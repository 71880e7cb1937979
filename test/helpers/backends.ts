/**
 * Which real backends the tests may use. In CI (`CI=true`) PostgreSQL and Redis are mandatory:
 * a missing service fails the run instead of skipping. Elsewhere the suites skip with a clear
 * message.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
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
