/**
 * A multi-row INSERT sent as plain SQL with parameters, skipping the query builder: the settlement
 * and request-log batches insert hundreds of rows per transaction, and building a Kysely tree for
 * every value costs more than the insert itself. Identifiers are fixed by the caller (never input).
 *
 * On PostgreSQL the rows go as one array per column through `unnest`: a short statement whatever
 * the batch size. A VALUES list of 100 rows × 22 columns (2,200 parameters) cost PostgreSQL
 * 117–142 µs of CPU per row to parse, plan and run, the same rows through `unnest` 27 µs (measured
 * on this project's 2-core machine, 2026-12-06); it was most of PostgreSQL's CPU per request.
 *
 * @module
 * @see https://www.postgresql.org/docs/current/functions-array.html (unnest with several arrays)
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely'
import type { Dialect } from './schema.ts'

/** Rows per statement on PostgreSQL: one round trip for a batch. */
const POSTGRES_ROWS_PER_STATEMENT = 1_000

/** A column's PostgreSQL type, for its parameter array (`$n::<type>[]`). */
export type PostgresColumnType = 'text' | 'int4' | 'int8'

/**
 * The columns an insert writes, in the order of each row's values, with their PostgreSQL types
 * (`test/contract/raw-insert-columns.test.ts` checks them against the migrated schema).
 */
export type InsertColumns = Readonly<Record<string, PostgresColumnType>>

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

/** Cached statement text per dialect, table, conflict clause, columns and (SQLite) row count. */
const statementTexts = new Map<string, string>()

function statementText(
  dialect: Dialect,
  table: string,
  columnTypes: InsertColumns,
  rowCount: number,
  conflictOn: string | undefined,
): string {
  const columns = Object.keys(columnTypes)
  // PostgreSQL's text is the same whatever the number of rows.
  const rows = dialect === 'postgres' ? 0 : rowCount
  const cacheKey = `${dialect}|${table}|${conflictOn ?? ''}|${rows}|${columns.join(',')}`
  let text = statementTexts.get(cacheKey)
  if (text !== undefined) return text
  const conflict = conflictOn === undefined ? '' : ` on conflict (${conflictOn}) do nothing`
  if (dialect === 'postgres') {
    const arrays = columns.map((column, index) => `$${index + 1}::${columnTypes[column]}[]`)
    text = `insert into ${table} (${columns.join(',')}) select * from unnest(${arrays.join(',')})${conflict}`
  } else {
    const tuple = `(${columns.map(() => '?').join(',')})`
    text = `insert into ${table} (${columns.join(',')}) values ${Array(rowCount).fill(tuple).join(',')}${conflict}`
  }
  statementTexts.set(cacheKey, text)
  return text
}

/** Inserts `rows` (each its values in the order of `columns`) into `table`. */
export async function insertRows(
  db: Kysely<unknown> | Transaction<unknown>,
  dialect: Dialect,
  table: string,
  columns: InsertColumns,
  rows: readonly (readonly unknown[])[],
  options: { ignoreConflictOn?: string } = {},
): Promise<void> {
  const width = Object.keys(columns).length
  let start = 0
  while (start < rows.length) {
    const left = rows.length - start
    const count =
      dialect === 'postgres'
        ? Math.min(left, POSTGRES_ROWS_PER_STATEMENT)
        : SQLITE_CHUNK_SIZES.find((size) => size <= left)!
    // Sized once: pushing hundreds of values grew (and copied) the array several times per batch.
    let parameters: unknown[]
    if (dialect === 'postgres') {
      // One array per column, as its literal (the driver's own conversion allocated 4 KB per row).
      parameters = new Array(width)
      for (let column = 0; column < width; column++)
        parameters[column] = arrayLiteral(rows, start, count, column)
    } else {
      parameters = new Array(count * width)
      for (let row = 0; row < count; row++) {
        const values = rows[start + row]!
        for (let column = 0; column < width; column++) parameters[row * width + column] = values[column]
      }
    }
    await db.executeQuery(
      CompiledQuery.raw(statementText(dialect, table, columns, count, options.ignoreConflictOn), parameters),
    )
    start += count
  }
}

const NEEDS_ESCAPE = /["\\]/
const ESCAPED = /["\\]/g

/**
 * One column of `count` rows from `start` as a PostgreSQL array literal: `{"text",12,NULL}`. Text
 * is always quoted (so the word NULL stays text) with `"` and `\` escaped; numbers go bare.
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */
function arrayLiteral(
  rows: readonly (readonly unknown[])[],
  start: number,
  count: number,
  column: number,
): string {
  let literal = '{'
  for (let row = 0; row < count; row++) {
    if (row > 0) literal += ','
    const value = rows[start + row]![column]
    if (value === null || value === undefined) literal += 'NULL'
    else if (typeof value === 'number' || typeof value === 'bigint') literal += String(value)
    else {
      const text = String(value)
      literal += `"${NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, '\\$&') : text}"`
    }
  }
  return `${literal}}`
}
