/**
 * Every migration, in order. File names start with a UTC timestamp; each `up` receives the
 * dialect so one file serves SQLite and PostgreSQL, with rare, commented branches.
 *
 * @module
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely'
import type { Dialect } from '../schema.ts'
import * as workspacesAndKeys from './20261122T200000Z-workspaces-and-keys.ts'
import * as lanesAndByok from './20261123T000000Z-lanes-and-byok.ts'
import * as money from './20261123T010000Z-money.ts'
import * as usageEntries from './20261206T000000Z-usage-entries.ts'
import * as consoleAccounts from './20261206T120000Z-console-accounts.ts'
import * as workspaceSuspension from './20261206T130000Z-workspace-suspension.ts'
import * as twoFactor from './20261206T140000Z-two-factor.ts'
import * as purchases from './20261206T150000Z-purchases.ts'
import * as spendBudgets from './20261206T160000Z-spend-budgets.ts'
import * as alerts from './20261206T170000Z-alerts.ts'
import * as autoTopUp from './20261206T171000Z-auto-top-up.ts'
import * as changeNotifications from './20261206T180000Z-change-notifications.ts'

interface DialectMigration {
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>
  down?(db: Kysely<unknown>, dialect: Dialect): Promise<void>
}

const MIGRATIONS: Record<string, DialectMigration> = {
  '20261122T200000Z-workspaces-and-keys': workspacesAndKeys,
  '20261123T000000Z-lanes-and-byok': lanesAndByok,
  '20261123T010000Z-money': money,
  '20261206T000000Z-usage-entries': usageEntries,
  '20261206T120000Z-console-accounts': consoleAccounts,
  '20261206T130000Z-workspace-suspension': workspaceSuspension,
  '20261206T140000Z-two-factor': twoFactor,
  '20261206T150000Z-purchases': purchases,
  '20261206T160000Z-spend-budgets': spendBudgets,
  '20261206T170000Z-alerts': alerts,
  '20261206T171000Z-auto-top-up': autoTopUp,
  '20261206T180000Z-change-notifications': changeNotifications,
}

/** Hands Kysely's Migrator our migrations with the dialect bound in. */
export class DialectMigrationProvider implements MigrationProvider {
  readonly #dialect: Dialect
  constructor(dialect: Dialect) {
    this.#dialect = dialect
  }
  async getMigrations(): Promise<Record<string, Migration>> {
    const dialect = this.#dialect
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, migration]) => [
        name,
        {
          up: (db: Kysely<unknown>) => migration.up(db, dialect),
          down: migration.down ? (db: Kysely<unknown>) => migration.down!(db, dialect) : undefined,
        } satisfies Migration,
      ]),
    )
  }
}
