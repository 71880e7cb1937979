import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Card purchases through Stripe Checkout: one row per checkout session (what was asked, what was
 * paid, refunded and disputed, the receipt), and the webhook events already applied, so a
 * delivery is recognised whatever the order or number of deliveries. Money moves only in the
 * ledger, in the same transaction that changes a purchase's state.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('purchases')
    .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
    .addColumn('workspace_id', 'varchar(64)', (column) => column.notNull().references('workspaces.id'))
    .addColumn('session_id', 'varchar(255)', (column) => column.notNull().unique())
    .addColumn('payment_intent', 'varchar(255)')
    .addColumn('amount_nano', 'bigint', (column) => column.notNull())
    .addColumn('fee_nano', 'bigint', (column) => column.notNull())
    .addColumn('total_cents', 'bigint', (column) => column.notNull())
    .addColumn('currency', 'varchar(8)', (column) => column.notNull())
    .addColumn('status', 'varchar(16)', (column) => column.notNull())
    .addColumn('paid_cents', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('refunded_cents', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('taken_back_nano', 'bigint', (column) => column.notNull().defaultTo(0))
    // What refunds and disputes asked to take back so far (a refund may arrive before the payment).
    .addColumn('take_back_target_nano', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('disputed', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('receipt_url', 'varchar(1000)')
    .addColumn('created_by', 'varchar(300)', (column) => column.notNull())
    .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
    .addColumn('paid_at', 'varchar(32)')
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema.createIndex('purchases_workspace').on('purchases').columns(['workspace_id', 'id']).execute()
  await db.schema.createIndex('purchases_payment_intent').on('purchases').column('payment_intent').execute()

  await db.schema
    .createTable('payment_events')
    .addColumn('event_id', 'varchar(255)', (column) => column.primaryKey())
    .addColumn('type', 'varchar(100)', (column) => column.notNull())
    .addColumn('outcome', 'varchar(200)', (column) => column.notNull())
    .addColumn('received_at', 'varchar(32)', (column) => column.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('payment_events').execute()
  await db.schema.dropTable('purchases').execute()
}
