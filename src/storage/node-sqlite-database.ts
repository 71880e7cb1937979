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

const STATEMENT_CACHE_SIZE = 256

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
export function openNodeSqliteDatabase(path: string): SqliteDatabase {
  const database = new DatabaseSync(path)
  database.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 10000;',
  )
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => {
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
