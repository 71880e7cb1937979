import type { Kysely } from 'kysely'
import type { Dialect } from '../schema.ts'

/**
 * Two-factor sign-in (TOTP): the user's secret, encrypted with the master key (never in the
 * clear), when it was switched on (null: set up but not confirmed), and the last time step
 * accepted, so a code cannot be used twice.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_secret', 'varchar(500)').execute()
  await db.schema.alterTable('users').addColumn('totp_enabled_at', 'varchar(32)').execute()
  await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['totp_last_step', 'totp_enabled_at', 'totp_secret']) {
    await db.schema.alterTable('users').dropColumn(column).execute()
  }
}
