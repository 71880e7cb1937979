import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/** Workspaces (tenants) and their API keys, stored as hashes. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('name', 'varchar(200)', (column) => column.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('name', 'varchar(200)', (column) => column.notNull())
    .addColumn('prefix', 'varchar(32)', (column) => column.notNull())
    .addColumn('hash', 'varchar(64)', (column) => column.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('last_used_at', 'varchar(32)')
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('revoked_at', 'varchar(32)')
    .execute()

  await db.schema.createIndex('api_keys_workspace_id').on('api_keys').column('workspace_id').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_keys').execute()
  await db.schema.dropTable('workspaces').execute()
}
