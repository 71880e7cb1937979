import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Spend limits of API keys and workspaces. One row per limited scope (a key's ID or a
 * workspace's ID) with, per period (total, UTC day, ISO week, month), the limit, what was spent
 * in the period that began at `<period>_start`, and what running requests hold against it.
 * `instance_budget_holds` says which gateway instance holds how much of it, so a crashed
 * instance's share is returned with its balance holds. Every change runs under the workspace's
 * balance lock, in the same transaction as the balance check.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  let table = db.schema
    .createTable('spend_budgets')
    .addColumn('scope_id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('scope', 'varchar(16)', (column) => column.notNull())
    // 1 while any limit is set: authentication reads it to route the key's holds through storage.
    .addColumn('active', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('held_nano', 'bigint', (column) => column.notNull().defaultTo(0))
  for (const period of ['total', 'day', 'week', 'month']) {
    table = table
      .addColumn(`${period}_limit_nano`, 'bigint')
      .addColumn(`${period}_spent_nano`, 'bigint', (column) => column.notNull().defaultTo(0))
      .addColumn(`${period}_start`, 'varchar(32)', (column) => column.notNull())
  }
  await table.addColumn('updated_at', 'varchar(32)', (column) => column.notNull()).execute()
  await db.schema.createIndex('spend_budgets_workspace').on('spend_budgets').column('workspace_id').execute()

  await db.schema
    .createTable('instance_budget_holds')
    .addColumn('instance_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('scope_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('held_nano', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('instance_budget_holds_pk', ['instance_id', 'scope_id'])
    .execute()
  await db.schema
    .createIndex('instance_budget_holds_workspace')
    .on('instance_budget_holds')
    .columns(['instance_id', 'workspace_id'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('instance_budget_holds').execute()
  await db.schema.dropTable('spend_budgets').execute()
}
