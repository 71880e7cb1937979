import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Alerts: a workspace's settings (the balance threshold, email on or off), the webhooks it
 * registered (URL, signing secret, the events it wants), every alert raised (its dedupe key is
 * unique: inserting it if absent is what makes a threshold crossing alert once across instances)
 * and one delivery per event and target, which the delivery workers claim, send and retry.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('alert_settings')
    .addColumn('workspace_id', 'varchar(64)', (column) => column.primaryKey().references('workspaces.id'))
    // Null: no balance alert.
    .addColumn('balance_below_nano', 'bigint')
    .addColumn('email', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('alert_webhooks')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('url', 'varchar(2048)', (column) => column.notNull())
    .addColumn('secret', 'varchar(100)', (column) => column.notNull())
    // Comma-separated alert kinds; null: every kind.
    .addColumn('events', 'varchar(1000)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('disabled', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('alert_webhooks_workspace')
    .on('alert_webhooks')
    .columns(['workspace_id', 'id'])
    .execute()

  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('kind', 'varchar(64)', (column) => column.notNull())
    .addColumn('dedupe_key', 'varchar(300)', (column) => column.notNull().unique())
    .addColumn('summary', 'varchar(500)', (column) => column.notNull())
    // JSON object: the webhook's `data`.
    .addColumn('data', 'text', (column) => column.notNull())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('alert_events_workspace')
    .on('alert_events')
    .columns(['workspace_id', 'created_at'])
    .execute()

  await db.schema
    .createTable('alert_deliveries')
    // Time-ordered: newest first is `id desc`.
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('event_id', 'varchar(64)', (column) => column.notNull().references('alert_events.id'))
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('channel', 'varchar(16)', (column) => column.notNull())
    // The webhook's ID (no reference: a deleted webhook leaves its deliveries in the log).
    .addColumn('webhook_id', 'varchar(64)')
    // The webhook's URL or the email address, as it was when the alert was raised.
    .addColumn('target', 'varchar(2048)', (column) => column.notNull())
    .addColumn('status', 'varchar(16)', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'varchar(300)')
    .addColumn('delivered_at', 'varchar(32)')
    // A worker owns the delivery until then (a crashed worker's claim runs out).
    .addColumn('claimed_until', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('alert_deliveries_workspace')
    .on('alert_deliveries')
    .columns(['workspace_id', 'id'])
    .execute()
  await db.schema
    .createIndex('alert_deliveries_due')
    .on('alert_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['alert_deliveries', 'alert_events', 'alert_webhooks', 'alert_settings']) {
    await db.schema.dropTable(table).execute()
  }
}
