import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Auto top-up: per workspace, whether to charge its saved card off-session when the available
 * balance falls below a threshold, for how much, the card (Stripe customer and payment method,
 * brand and last four digits for display), and the attempts (the last one's time and ID, which a
 * conditional update claims so at most one charge starts per interval across instances; the
 * consecutive failures; why it was switched off). A purchase's `kind` tells a checkout from an
 * auto top-up on the receipts.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('auto_top_ups')
    .addColumn('workspace_id', 'varchar(64)', (column) => column.primaryKey().references('workspaces.id'))
    .addColumn('enabled', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('threshold_nano', 'bigint')
    .addColumn('amount_nano', 'bigint')
    .addColumn('customer_id', 'varchar(255)')
    .addColumn('payment_method', 'varchar(255)')
    .addColumn('card_brand', 'varchar(32)')
    .addColumn('card_last4', 'varchar(4)')
    .addColumn('last_attempt_at', 'varchar(32)')
    .addColumn('last_attempt_id', 'varchar(64)')
    .addColumn('failures', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('disabled_reason', 'varchar(300)')
    .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
    .execute()
  await db.schema
    .alterTable('purchases')
    .addColumn('kind', 'varchar(16)', (column) => column.notNull().defaultTo('checkout'))
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('purchases').dropColumn('kind').execute()
  await db.schema.dropTable('auto_top_ups').execute()
}
