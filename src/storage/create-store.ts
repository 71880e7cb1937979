/**
 * Builds the {@link Store} for a storage config: SQLite through `node:sqlite`, or PostgreSQL
 * through `pg` (loaded only when configured).
 *
 * @module
 * @see https://kysely.dev/docs/dialects
 */

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely'
import type { StorageConfig } from '../config/config.ts'
import { createAccountRepository } from './account-repository.ts'
import { createAlertRepository } from './alert-repository.ts'
import { createApiKeyRepository } from './api-key-repository.ts'
import { createAutoTopUpRepository } from './auto-top-up-repository.ts'
import { createBudgetRepository } from './budget-repository.ts'
import { createByokCredentialRepository } from './byok-credential-repository.ts'
import type { ChangeNotifications } from './change-notifications.ts'
import { createPostgresChangeNotifications } from './change-notifications-postgres.ts'
import { createSqliteChangeNotifications, SQLITE_NOTIFY_FUNCTION } from './change-notifications-sqlite.ts'
import { createLedgerRepository } from './ledger-repository.ts'
import { DialectMigrationProvider } from './migrations/index.ts'
import { openNodeSqliteDatabase } from './node-sqlite-database.ts'
import { createOperatorRepository } from './operator-repository.ts'
import { createPaymentRepository } from './payment-repository.ts'
import { createRequestLogRepository } from './request-log-repository.ts'
import {
  countingPool,
  countingSqlite,
  createRoundTripCounter,
  type RoundTripCounter,
} from './round-trip-counter.ts'
import type { DatabaseSchema, Dialect } from './schema.ts'
import { isConnectionError, postgresUnreachable, sqliteUnopenable } from './storage-errors.ts'
import type { Store } from './store.ts'
import { createWorkspaceRepository } from './workspace-repository.ts'

export interface CreateStoreOptions {
  /** PostgreSQL only: the schema to use (created if missing). Tests use one per suite. */
  schema?: string
  /** PostgreSQL only: pool size. */
  maxConnections?: number
  /** SQLite only: checkpoint the WAL on a worker thread this often, ms (the server sets it). */
  sqliteCheckpointMs?: number
  /** SQLite only: hears of failing background checkpoints. */
  onCheckpointError?: (error: Error) => void
  /** Failures of the change-notification listener (a lost connection, a failed reconnect). */
  onChangeListenerError?: (error: unknown) => void
}

async function createPostgresKysely(
  url: string,
  options: CreateStoreOptions,
  configuredUrl: string,
  counter: RoundTripCounter,
): Promise<{ db: Kysely<DatabaseSchema>; changes: ChangeNotifications }> {
  const [{ default: pg }, { PostgresDialect }] = await Promise.all([import('pg'), import('kysely')])
  // int8 (count, sums) as JS numbers: every bigint we store stays below 2^53.
  pg.types.setTypeParser(20, (value: string) => Number(value))
  const schema = options.schema
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`invalid schema name ${schema}`)
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
    } catch (error) {
      throw isConnectionError(error) ? postgresUnreachable(configuredUrl, error) : error
    }
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    } finally {
      await client.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  const db = new Kysely<DatabaseSchema>({
    dialect: new PostgresDialect({ pool: countingPool(pool, counter) }),
  })
  const changes = createPostgresChangeNotifications({
    newClient: () =>
      new pg.Client({
        connectionString: url,
        application_name: 'onekey-changes',
        keepAlive: true,
        ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      }),
    // Without a configured schema the tables are in the connection's first schema (usually public).
    schema: schema ?? (() => currentSchema(db, configuredUrl)),
    onError: options.onChangeListenerError,
  })
  return { db, changes }
}

/** PostgreSQL's "schema does not exist" (3F000) about a schema other than ours. */
function droppedMeanwhile(error: unknown, ours: string | undefined): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (code !== '3F000' || typeof message !== 'string') return false
  return ours === undefined || !message.includes(`"${ours}"`)
}

/** The connection's first schema (where unqualified tables go), or the friendly unreachable error. */
async function currentSchema(db: Kysely<DatabaseSchema>, configuredUrl: string): Promise<string> {
  try {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
    return rows[0]?.schema ?? 'public'
  } catch (error) {
    throw isConnectionError(error) ? postgresUnreachable(configuredUrl, error) : error
  }
}

function createSqliteKysely(
  path: string,
  options: CreateStoreOptions,
  counter: RoundTripCounter,
): { db: Kysely<DatabaseSchema>; changes: ChangeNotifications } {
  const changes = createSqliteChangeNotifications({
    db: () => db,
    onError: options.onChangeListenerError,
  })
  let database: ReturnType<typeof openNodeSqliteDatabase>
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const functions = { [SQLITE_NOTIFY_FUNCTION]: (payload: unknown) => changes.deliver(payload) }
    database = openNodeSqliteDatabase(
      path,
      options.sqliteCheckpointMs === undefined
        ? { functions }
        : {
            backgroundCheckpointMs: options.sqliteCheckpointMs,
            onCheckpointError: options.onCheckpointError,
            functions,
          },
    )
  } catch (error) {
    throw sqliteUnopenable(path, error)
  }
  const db = new Kysely<DatabaseSchema>({
    dialect: new SqliteDialect({ database: countingSqlite(database, counter) }),
  })
  return { db, changes }
}

/** Opens the store for a config; call `migrate()` before first use on a new database. */
export async function createStore(config: StorageConfig, options: CreateStoreOptions = {}): Promise<Store> {
  const dialect: Dialect = config.kind
  let db: Kysely<DatabaseSchema>
  let changes: ChangeNotifications
  let schema: string | undefined
  const roundTrips = createRoundTripCounter(dialect)
  if (config.kind === 'postgres') {
    // `?schema=name` in the URL keeps OneKey's tables in their own schema (created if missing).
    const url = new URL(config.url)
    schema = options.schema ?? url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    ;({ db, changes } = await createPostgresKysely(
      url.toString(),
      { ...options, schema },
      config.url,
      roundTrips,
    ))
  } else {
    ;({ db, changes } = createSqliteKysely(config.path, options, roundTrips))
  }
  return {
    dialect,
    roundTrips,
    changes,
    workspaces: createWorkspaceRepository(db),
    apiKeys: createApiKeyRepository(db),
    byokCredentials: createByokCredentialRepository(db),
    ledger: createLedgerRepository(db, dialect),
    requestLogs: createRequestLogRepository(db, dialect),
    operator: createOperatorRepository(db, dialect),
    accounts: createAccountRepository(db),
    payments: createPaymentRepository(db, dialect),
    autoTopUp: createAutoTopUpRepository(db),
    budgets: createBudgetRepository(db, dialect),
    alerts: createAlertRepository(db),
    async migrate() {
      // The migration tables live in our schema too: Kysely looks for them by name across schemas,
      // and another deployment's (or test's) tables must not be mistaken for ours.
      const migrator = new Migrator({
        db,
        provider: new DialectMigrationProvider(dialect),
        ...(schema === undefined ? {} : { migrationTableSchema: schema }),
      })
      let { error, results } = await migrator.migrateToLatest()
      // Kysely's introspection lists tables across every schema: another schema dropped at that
      // moment (another deployment or test sharing the database) fails the listing, not us. Only
      // pending migrations run again.
      for (let retry = 0; retry < 3 && error !== undefined && droppedMeanwhile(error, schema); retry++)
        ({ error, results } = await migrator.migrateToLatest())
      if (error) {
        // No connection means no migration ran: say which database could not be reached.
        if (config.kind === 'postgres' && isConnectionError(error))
          throw postgresUnreachable(config.url, error)
        if (config.kind === 'sqlite' && /unable to open|readonly|read-only/i.test(String(error)))
          throw sqliteUnopenable(config.path, error)
        const failed = results?.find((result) => result.status === 'Error')
        throw new Error(
          `${failed === undefined ? 'migrations' : `migration ${failed.migrationName}`} failed: ${(error as Error).message ?? error}`,
          { cause: error },
        )
      }
    },
    async ping() {
      await sql`select 1`.execute(db)
    },
    async close() {
      await changes.close()
      await db.destroy()
    },
  }
}
