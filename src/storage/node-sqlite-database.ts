/**
 * Adapts Node's built-in `node:sqlite` to the small database interface Kysely's SqliteDialect
 * drives (the better-sqlite3 shape), so the embedded default needs no native add-on.
 *
 * @module
 * @see https://nodejs.org/api/sqlite.html
 * @see https://kysely-org.github.io/kysely-apidoc/interfaces/SqliteDatabase.html
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { startSqliteCheckpointer } from './sqlite-checkpointer.ts'

const STATEMENT_CACHE_SIZE = 256
/** Pages of WAL after which a commit checkpoints by itself (SQLite's default is 1000). */
const AUTOCHECKPOINT_PAGES = 10_000

export interface NodeSqliteOptions {
  /**
   * Checkpoint the WAL on a worker thread every this many milliseconds (sqlite-checkpointer.ts);
   * commits then checkpoint by themselves only past ten times the usual WAL. For the long-running
   * server; off for `:memory:` and by default.
   */
  backgroundCheckpointMs?: number
  /** Hears of failing background checkpoints (the backstop checkpoints meanwhile). */
  onCheckpointError?: (error: Error) => void
  /** SQL functions to register on the connection (the change triggers call one). */
  functions?: Record<string, (...args: unknown[]) => null>
}

function toStatement(statement: StatementSync): SqliteStatement {
  const reader = statement.columns().length > 0
  return {
    reader,
    all: (parameters) => statement.all(...(parameters as SQLInputValue[])) as unknown[],
    run: (parameters) => statement.run(...(parameters as SQLInputValue[])),
    iterate: (parameters) =>
      statement.iterate(...(parameters as SQLInputValue[])) as IterableIterator<unknown>,
  }
}

/**
 * Opens a SQLite file (or `:memory:`) with WAL journaling and a prepared-statement cache.
 * The statement cache matters: Kysely prepares every query, and preparing costs more than
 * running a point lookup.
 */
export function openNodeSqliteDatabase(path: string, options: NodeSqliteOptions = {}): SqliteDatabase {
  const database = new DatabaseSync(path)
  const background = options.backgroundCheckpointMs !== undefined && path !== ':memory:'
  const autocheckpoint = background ? AUTOCHECKPOINT_PAGES * 10 : AUTOCHECKPOINT_PAGES
  // The busy timeout first: another connection (the CLI, the checkpointer) may hold a lock already.
  database.exec(
    `PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = ${autocheckpoint};`,
  )
  for (const [name, implementation] of Object.entries(options.functions ?? {}))
    database.function(name, implementation as (...args: unknown[]) => null)
  const checkpointer = background
    ? startSqliteCheckpointer(path, options.backgroundCheckpointMs!, options.onCheckpointError)
    : undefined
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => {
      checkpointer?.stop()
      statements.clear()
      database.close()
    },
    prepare: (sql) => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = toStatement(database.prepare(sql))
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!)
        statements.set(sql, statement)
      }
      return statement
    },
  }
}
