import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/** Workspace lane and privacy settings, key restrictions, encrypted BYOK credentials. */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  // Booleans are 0/1 integers on both engines: one representation, no dialect branches.
  await db.schema.alterTable('workspaces').addColumn('default_lane', 'varchar(16)').execute()
  await db.schema
    .alterTable('workspaces')
    .addColumn('deny_data_collection', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('api_keys').addColumn('allowed_lanes', 'varchar(64)').execute()
  await db.schema.alterTable('api_keys').addColumn('allowed_models', 'text').execute()
  await db.schema
    .alterTable('api_keys')
    .addColumn('management', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()

  // Rate-limit tier and overrides (null: the tier's value). A key's own limits can only be stricter.
  await db.schema.alterTable('workspaces').addColumn('tier', 'varchar(32)').execute()
  await db.schema
    .alterTable('workspaces')
    .addColumn('prompt_cache', 'integer', (column) => column.notNull().defaultTo(1))
    .execute()
  for (const table of ['workspaces', 'api_keys']) {
    for (const column of ['rpm_limit', 'tpm_limit', 'concurrency_limit']) {
      await db.schema.alterTable(table).addColumn(column, 'bigint').execute()
    }
  }

  await db.schema
    .createTable('byok_credentials')
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('provider', 'varchar(64)', (column) => column.notNull())
    .addColumn('ciphertext', 'text', (column) => column.notNull())
    .addColumn('key_id', 'varchar(16)', (column) => column.notNull())
    .addColumn('hint', 'varchar(64)', (column) => column.notNull())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .addPrimaryKeyConstraint('byok_credentials_pkey', ['workspace_id', 'provider'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('byok_credentials').execute()
  for (const column of [
    'allowed_lanes',
    'allowed_models',
    'management',
    'rpm_limit',
    'tpm_limit',
    'concurrency_limit',
  ])
    await db.schema.alterTable('api_keys').dropColumn(column).execute()
  for (const column of [
    'default_lane',
    'deny_data_collection',
    'tier',
    'rpm_limit',
    'tpm_limit',
    'concurrency_limit',
  ])
    await db.schema.alterTable('workspaces').dropColumn(column).execute()
}
