/**
 * A multi-row INSERT sent as plain SQL with parameters, skipping the query builder: the settlement
 * and request-log batches insert hundreds of rows per transaction, and building a Kysely tree for
 * every value costs more than the insert itself. Identifiers are fixed by the caller (never input).
 *
 * @module
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Dialect } from './schema.ts'

/** Rows per statement on PostgreSQL (65535 parameters allowed): one round trip for a batch. */
const POSTGRES_ROWS_PER_STATEMENT = 200

/**
 * Rows per statement on SQLite, largest first. A batch is cut into these sizes only, so the
 * statement text (and its prepared statement, cached by the driver) takes one of four forms per
 * table: preparing a new many-row statement for every batch size cost more than the inserts
 * and filled the statement cache with large compiled statements.
 */
const SQLITE_CHUNK_SIZES = [64, 16, 4, 1] as const

/** The most rows one INSERT statement carries: a batch above this takes several statements. */
export function maxRowsPerStatement(dialect: Dialect): number {
  return dialect === 'postgres' ? POSTGRES_ROWS_PER_STATEMENT : SQLITE_CHUNK_SIZES[0]
}

/** Cached statement text per table, columns, conflict clause, dialect and row count. */
const statementTexts = new Map<string, string>()

function statementText(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rowCount: number,
  conflictOn: string | undefined,
): string {
  const cacheKey = `${dialect}|${table}|${conflictOn ?? ''}|${rowCount}|${columns.join(',')}`
  let text = statementTexts.get(cacheKey)
  if (text === undefined) {
    const tuples: string[] = []
    let parameter = 0
    for (let row = 0; row < rowCount; row++) {
      const placeholders: string[] = []
      for (let column = 0; column < columns.length; column++)
        placeholders.push(dialect === 'postgres' ? `$${++parameter}` : '?')
      tuples.push(`(${placeholders.join(',')})`)
    }
    const conflict = conflictOn === undefined ? '' : ` on conflict (${conflictOn}) do nothing`
    text = `insert into ${table} (${columns.join(',')}) values ${tuples.join(',')}${conflict}`
    // Only fixed sizes recur on SQLite; PostgreSQL's batch sizes vary, so keep the map small there.
    if (statementTexts.size < 1_000) statementTexts.set(cacheKey, text)
  }
  return text
}

export async function insertRows(
  db: Kysely<unknown> | Transaction<unknown>,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  options: { ignoreConflictOn?: string } = {},
): Promise<void> {
  let start = 0
  while (start < rows.length) {
    const left = rows.length - start
    const count =
      dialect === 'postgres'
        ? Math.min(left, POSTGRES_ROWS_PER_STATEMENT)
        : SQLITE_CHUNK_SIZES.find((size) => size <= left)!
    // Sized once: pushing hundreds of values grew (and copied) the array several times per batch.
    const width = columns.length
    const parameters: unknown[] = new Array(count * width)
    for (let row = 0; row < count; row++) {
      const values = rows[start + row]!
      for (let column = 0; column < width; column++) parameters[row * width + column] = values[column]
    }
    await db.executeQuery(
      CompiledQuery.raw(statementText(dialect, table, columns, count, options.ignoreConflictOn), parameters),
    )
    start += count
  }
}
