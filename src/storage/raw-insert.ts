/**
 * A multi-row INSERT sent as plain SQL with parameters, skipping the query builder: the settlement
 * and request-log batches insert hundreds of rows per transaction, and building a Kysely tree for
 * every value costs more than the insert itself. Identifiers are fixed by the caller (never input).
 *
 * @module
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Dialect } from './schema.ts'

/** Rows per statement: SQLite allows 32766 parameters, PostgreSQL 65535. */
const ROWS_PER_STATEMENT = 200

export async function insertRows(
  db: Kysely<unknown> | Transaction<unknown>,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: { ignoreConflictOn?: string } = {},
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const batch = rows.slice(start, start + ROWS_PER_STATEMENT)
    const parameters: unknown[] = []
    const tuples: string[] = []
    for (const row of batch) {
      const placeholders: string[] = []
      for (const value of row) {
        parameters.push(value)
        placeholders.push(dialect === 'postgres' ? `$${parameters.length}` : '?')
      }
      tuples.push(`(${placeholders.join(',')})`)
    }
    const conflict =
      options.ignoreConflictOn === undefined ? '' : ` on conflict (${options.ignoreConflictOn}) do nothing`
    await db.executeQuery(
      CompiledQuery.raw(
        `insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}${conflict}`,
        parameters,
      ),
    )
  }
}
