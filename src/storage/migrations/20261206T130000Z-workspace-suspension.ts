import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * The operator's controls: a suspended workspace's API keys are refused (`suspended`, 0/1 like
 * the other booleans, so no dialect branch), and a credit code can be revoked before it is used
 * (`revoked_at`; a revoked code is never redeemed).
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    .addColumn('suspended', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('credit_codes').addColumn('revoked_at', 'varchar(32)').execute()
  // The operator's list pages newest first.
  await db.schema
    .createIndex('credit_codes_created')
    .on('credit_codes')
    .columns(['created_at', 'code_hash'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('credit_codes_created').execute()
  await db.schema.alterTable('credit_codes').dropColumn('revoked_at').execute()
  await db.schema.alterTable('workspaces').dropColumn('suspended').execute()
}
