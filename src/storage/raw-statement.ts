/**
 * A fixed SQL statement, written once with `?` placeholders and run as plain SQL on either
 * dialect (PostgreSQL gets `$1, $2, …`). For the statements every settlement and reservation
 * runs: building them with Kysely's query builder allocated several kilobytes per statement, and
 * cost more CPU than SQLite took to run them. The text must hold no `?` other than placeholders
 * and no input: identifiers and SQL are the caller's constants, values always parameters.
 *
 * @module
 * @see https://kysely-org.github.io/kysely-apidoc/classes/CompiledQuery.html
 */
import { CompiledQuery, type Kysely, type QueryResult } from 'kysely'
import type { Dialect } from './schema.ts'

/** Anything that runs a compiled query: a Kysely instance or a transaction, of any schema. */
export type QueryRunner = Pick<Kysely<unknown>, 'executeQuery'>

export type RawStatement<Row> = (db: QueryRunner, parameters: readonly unknown[]) => Promise<QueryResult<Row>>

/** Numbers the `?` placeholders of `text` for PostgreSQL. */
export function numberPlaceholders(text: string): string {
  let index = 0
  return text.replaceAll('?', () => `$${++index}`)
}

export function rawStatement<Row = never>(dialect: Dialect, text: string): RawStatement<Row> {
  const sql = dialect === 'postgres' ? numberPlaceholders(text) : text
  return (db, parameters) => db.executeQuery<Row>(CompiledQuery.raw(sql, parameters as unknown[]))
}
