import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Usage entries: the ledger gets one `usage` entry per settlement batch and workspace instead of
 * one `charge` entry per request; each request's charge lives on its request-log row
 * (`charged_nano`), which names that entry (`ledger_entry_id`) and is written in the same
 * transaction. `onekey ledger verify` checks every usage entry against the sum of its rows.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('request_logs')
    .addColumn('charged_nano', 'bigint', (column) => column.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('request_logs').addColumn('ledger_entry_id', 'varchar(64)').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('request_logs').dropColumn('ledger_entry_id').execute()
  await db.schema.alterTable('request_logs').dropColumn('charged_nano').execute()
}
