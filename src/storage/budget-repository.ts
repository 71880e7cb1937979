/**
 * Setting and reading spend limits (off the request path; the checks themselves run in the
 * ledger's reservations and settlements). Setting a limit takes the workspace's balance lock, so
 * it never interleaves with a reservation or settlement of the same workspace.
 *
 * @module
 */
import { type Kysely, sql } from 'kysely'
import { BUDGET_PERIODS, periodStart } from '../contracts/budget-periods.ts'
import type { BudgetRecord, BudgetRepository } from './budget-records.ts'
import { readBudgets, toBudgetRecord } from './budget-steps.ts'
import { checkAmount, createLedgerSteps } from './ledger-steps.ts'
import type { DatabaseSchema, Dialect } from './schema.ts'

export function createBudgetRepository(db: Kysely<DatabaseSchema>, dialect: Dialect): BudgetRepository {
  const steps = createLedgerSteps(dialect)
  return {
    async set({ scope, scopeId, workspaceId, limits, at }) {
      for (const period of BUDGET_PERIODS) {
        const limit = limits[period]
        if (limit !== null) checkAmount(limit, `${period} limit`)
      }
      const now = new Date(at)
      const active = BUDGET_PERIODS.some((period) => limits[period] !== null) ? 1 : 0
      return db.transaction().execute(async (trx) => {
        await steps.lockBalance(trx, workspaceId, at)
        const existing = (await readBudgets(trx, [scopeId], now)).get(scopeId)
        if (existing !== undefined && existing.workspaceId !== workspaceId)
          throw new Error(`budget scope ${scopeId} belongs to another workspace`)
        const starts = Object.fromEntries(
          BUDGET_PERIODS.map((period) => [`${period}_start`, periodStart(period, now)]),
        ) as Record<`${(typeof BUDGET_PERIODS)[number]}_start`, string>
        const limitColumns = {
          total_limit_nano: limits.total,
          day_limit_nano: limits.day,
          week_limit_nano: limits.week,
          month_limit_nano: limits.month,
        }
        if (existing?.active) {
          // Already counting: only the limits change.
          await trx
            .updateTable('spend_budgets')
            .set({ ...limitColumns, active, updated_at: at })
            .where('scope_id', '=', scopeId)
            .execute()
        } else {
          // Counting starts now: each period's counter from what the request log says was charged.
          const spent = await chargedSince(trx, scope, scopeId, workspaceId, starts)
          const counters = {
            ...limitColumns,
            ...starts,
            total_spent_nano: spent.total,
            day_spent_nano: spent.day,
            week_spent_nano: spent.week,
            month_spent_nano: spent.month,
            active,
            updated_at: at,
          }
          if (existing === undefined) {
            await trx
              .insertInto('spend_budgets')
              .values({ scope_id: scopeId, workspace_id: workspaceId, scope, held_nano: 0, ...counters })
              .execute()
          } else {
            await trx.updateTable('spend_budgets').set(counters).where('scope_id', '=', scopeId).execute()
          }
        }
        return (await readBudgets(trx, [scopeId], now)).get(scopeId)!
      })
    },

    charged({ scope, scopeId, workspaceId, at }) {
      const now = new Date(at)
      return chargedSince(db, scope, scopeId, workspaceId, {
        total_start: periodStart('total', now),
        day_start: periodStart('day', now),
        week_start: periodStart('week', now),
        month_start: periodStart('month', now),
      })
    },

    find(scopeIds, at) {
      return readBudgets(db, scopeIds, new Date(at))
    },

    async list(workspaceId, at): Promise<BudgetRecord[]> {
      const rows = await db
        .selectFrom('spend_budgets')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('scope_id')
        .execute()
      return rows.map((row) => toBudgetRecord(row, new Date(at)))
    },
  }
}

/** What the request log says the key (or the whole workspace) was charged in each current period. */
async function chargedSince(
  db: Kysely<DatabaseSchema>,
  scope: 'key' | 'workspace',
  scopeId: string,
  workspaceId: string,
  starts: Record<'total_start' | 'day_start' | 'week_start' | 'month_start', string>,
): Promise<Record<'total' | 'day' | 'week' | 'month', number>> {
  const since = (start: string) =>
    sql<string | number>`coalesce(sum(case when created_at >= ${start} then charged_nano else 0 end), 0)`
  let query = db
    .selectFrom('request_logs')
    .select([
      sql<string | number>`coalesce(sum(charged_nano), 0)`.as('total'),
      since(starts.day_start).as('day'),
      since(starts.week_start).as('week'),
      since(starts.month_start).as('month'),
    ])
    .where('workspace_id', '=', workspaceId)
  if (scope === 'key') query = query.where('key_id', '=', scopeId)
  const row = await query.executeTakeFirstOrThrow()
  return { total: Number(row.total), day: Number(row.day), week: Number(row.week), month: Number(row.month) }
}
