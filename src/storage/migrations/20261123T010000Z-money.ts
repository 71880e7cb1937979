import { type Kysely, sql } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Money: per-workspace balances (a cache of the ledger, updated in the same transaction as each
 * entry), the append-only ledger, credit lots and codes, open reservations per instance, and the
 * request log. Amounts are bigint
 * nano-USD on both engines.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('workspace_balances')
    .addColumn('workspace_id', 'varchar(64)', (column) => column.primaryKey().references('workspaces.id'))
    .addColumn('balance_nano', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('held_nano', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('kind', 'varchar(24)', (column) => column.notNull())
    .addColumn('amount_nano', 'bigint', (column) => column.notNull())
    .addColumn('balance_after_nano', 'bigint', (column) => column.notNull())
    .addColumn('reason', 'varchar(500)', (column) => column.notNull())
    .addColumn('actor', 'varchar(200)', (column) => column.notNull())
    .addColumn('idempotency_key', 'varchar(200)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('ledger_entries_idempotency')
    .on('ledger_entries')
    .columns(['workspace_id', 'idempotency_key'])
    .unique()
    .execute()
  await db.schema
    .createIndex('ledger_entries_workspace_time')
    .on('ledger_entries')
    .columns(['workspace_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('credit_lots')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('entry_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('amount_nano', 'bigint', (column) => column.notNull())
    .addColumn('remaining_nano', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('credit_lots_workspace')
    .on('credit_lots')
    .columns(['workspace_id', 'expires_at', 'created_at'])
    .execute()
  await db.schema
    .createIndex('credit_lots_expiry')
    .on('credit_lots')
    .columns(['expires_at', 'remaining_nano'])
    .execute()

  // Open reservations, summed per gateway instance and workspace: a reservation changes two
  // numbers, never inserts a row. An instance that stops sending heartbeats (it crashed) has its
  // holds returned to the workspaces by any other instance's sweeper.
  await db.schema
    .createTable('instance_holds')
    .addColumn('instance_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('held_nano', 'bigint', (column) => column.notNull())
    .addColumn('heartbeat_at', 'varchar(32)', (column) => column.notNull())
    .addPrimaryKeyConstraint('instance_holds_pkey', ['instance_id', 'workspace_id'])
    .execute()
  await db.schema
    .createIndex('instance_holds_heartbeat')
    .on('instance_holds')
    .column('heartbeat_at')
    .execute()

  await db.schema
    .createTable('credit_codes')
    .addColumn('code_hash', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('prefix', 'varchar(16)', (column) => column.notNull())
    .addColumn('batch_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('amount_nano', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('redeemed_by', 'varchar(64)')
    .addColumn('redeemed_at', 'varchar(32)')
    .execute()
  await db.schema.createIndex('credit_codes_batch').on('credit_codes').column('batch_id').execute()

  // On PostgreSQL the request log is partitioned by day (the key is the ISO timestamp, whose text
  // order is time order): retention drops whole partitions instead of deleting rows. A default
  // partition catches rows for days whose partition does not exist yet.
  const partitioned = dialect === 'postgres'
  let requestLogs = db.schema
    .createTable('request_logs')
    .addColumn('id', 'varchar(64)', (column) => (partitioned ? column.notNull() : column.primaryKey()))
    .addColumn('request_id', 'varchar(128)', (column) => column.notNull())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('key_id', 'varchar(64)', (column) => column.notNull())
    .addColumn('model', 'varchar(200)')
    .addColumn('lane', 'varchar(16)')
    .addColumn('provider', 'varchar(64)')
    .addColumn('upstream_model', 'varchar(200)')
    .addColumn('stream', 'integer', (column) => column.notNull())
    .addColumn('status', 'integer', (column) => column.notNull())
    .addColumn('error_code', 'varchar(64)')
    .addColumn('prompt_tokens', 'integer', (column) => column.notNull())
    .addColumn('completion_tokens', 'integer', (column) => column.notNull())
    .addColumn('cached_tokens', 'integer', (column) => column.notNull())
    .addColumn('cost_nano', 'bigint', (column) => column.notNull())
    .addColumn('latency_ms', 'integer', (column) => column.notNull())
    .addColumn('first_byte_ms', 'integer')
    .addColumn('finish_reason', 'varchar(32)')
    .addColumn('usage_source', 'varchar(16)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
  if (partitioned) {
    requestLogs = requestLogs
      .addPrimaryKeyConstraint('request_logs_pkey', ['id', 'created_at'])
      .modifyEnd(sql`partition by range (created_at)`)
  }
  await requestLogs.execute()
  if (partitioned) await sql`create table request_logs_default partition of request_logs default`.execute(db)
  await db.schema
    .createIndex('request_logs_workspace_time')
    .on('request_logs')
    .columns(['workspace_id', 'created_at'])
    .execute()
  await db.schema.createIndex('request_logs_time').on('request_logs').column('created_at').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'request_logs',
    'credit_codes',
    'instance_holds',
    'credit_lots',
    'ledger_entries',
    'workspace_balances',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
