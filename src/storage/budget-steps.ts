/**
 * The spend-limit steps of the money transactions (ledger-repository.ts runs them after locking
 * the workspace's balance, so every check and change of a budget is serialised with the balance
 * on SQLite and PostgreSQL, across instances): read a batch's budgets, check a hold against every
 * period, move held and spent, and track which instance holds what (reclaimed with its balance
 * holds when it goes silent).
 *
 * @module
 */
import type { BudgetObservation, BudgetPeriod } from '../contracts/alert-events.ts'
import { BUDGET_PERIODS, periodResetsAt, periodStart } from '../contracts/budget-periods.ts'
import type { BudgetRecord } from './budget-records.ts'
import type { Database } from './ledger-steps.ts'
import type { SpendBudgetsTable } from './schema.ts'
import type { BudgetMismatch, BudgetRefusal } from './store.ts'

/** A budget row as stored, read into numbers, with the counters of ended periods at zero. */
export function toBudgetRecord(row: SpendBudgetsTable, at: Date): BudgetRecord {
  const periods = {} as BudgetRecord['periods']
  for (const period of BUDGET_PERIODS) {
    const start = periodStart(period, at)
    const limit = row[`${period}_limit_nano`]
    periods[period] = {
      limitNano: limit === null ? null : Number(limit),
      spentNano: row[`${period}_start`] === start ? Number(row[`${period}_spent_nano`]) : 0,
      start,
    }
  }
  return {
    scope: row.scope === 'workspace' ? 'workspace' : 'key',
    scopeId: row.scope_id,
    workspaceId: row.workspace_id,
    active: Number(row.active) === 1,
    heldNano: Number(row.held_nano),
    periods,
    updatedAt: row.updated_at,
  }
}

/** What a budget leaves for new holds: the least, over its limited periods, of limit − spent − held. */
export function budgetRoom(budget: BudgetRecord): number {
  let room = Number.MAX_SAFE_INTEGER
  for (const period of BUDGET_PERIODS) {
    const { limitNano, spentNano } = budget.periods[period]
    if (limitNano !== null) room = Math.min(room, limitNano - spentNano - budget.heldNano)
  }
  return room
}

/** Why `amountNano` more does not fit `budget`, naming the first period it would exceed; or undefined. */
export function budgetRefusal(budget: BudgetRecord, amountNano: number, at: Date): BudgetRefusal | undefined {
  for (const period of BUDGET_PERIODS) {
    const { limitNano, spentNano } = budget.periods[period]
    if (limitNano === null || spentNano + budget.heldNano + amountNano <= limitNano) continue
    return {
      scope: budget.scope,
      scopeId: budget.scopeId,
      period,
      limitNano,
      spentNano,
      heldNano: budget.heldNano,
      resetsAt: periodResetsAt(period, at),
    }
  }
  return undefined
}

/** Charges `amountNano` to every period's counter (as of the record's periods). */
export function addSpent(budget: BudgetRecord, amountNano: number): void {
  for (const period of BUDGET_PERIODS) budget.periods[period].spentNano += amountNano
}

/** The counters of a budget's limited periods, before and after a batch, for alerts. */
export function budgetObservations(before: BudgetRecord, after: BudgetRecord): BudgetObservation[] {
  const observed: BudgetObservation[] = []
  for (const period of BUDGET_PERIODS) {
    const limitNano = after.periods[period].limitNano
    if (limitNano === null) continue
    observed.push({
      scope: after.scope,
      scopeId: after.scopeId,
      period: period as BudgetPeriod,
      limitNano,
      spentBeforeNano: before.periods[period].spentNano,
      spentAfterNano: after.periods[period].spentNano,
      periodStart: after.periods[period].start,
    })
  }
  return observed
}

export function cloneBudget(budget: BudgetRecord): BudgetRecord {
  const periods = {} as BudgetRecord['periods']
  for (const period of BUDGET_PERIODS) periods[period] = { ...budget.periods[period] }
  return { ...budget, periods }
}

/** Reads the budgets of `scopeIds` (locked by the caller's balance lock) as of `at`. */
export async function readBudgets(
  trx: Database,
  scopeIds: readonly string[],
  at: Date,
): Promise<Map<string, BudgetRecord>> {
  const found = new Map<string, BudgetRecord>()
  if (scopeIds.length === 0) return found
  const rows = await trx.selectFrom('spend_budgets').selectAll().where('scope_id', 'in', scopeIds).execute()
  for (const row of rows) found.set(row.scope_id, toBudgetRecord(row, at))
  return found
}

/** Writes a budget's held amount and counters (each period's counter now belongs to its current period). */
export async function writeBudget(trx: Database, budget: BudgetRecord, at: string): Promise<void> {
  const { total, day, week, month } = budget.periods
  await trx
    .updateTable('spend_budgets')
    .set({
      held_nano: budget.heldNano,
      total_spent_nano: total.spentNano,
      total_start: total.start,
      day_spent_nano: day.spentNano,
      day_start: day.start,
      week_spent_nano: week.spentNano,
      week_start: week.start,
      month_spent_nano: month.spentNano,
      month_start: month.start,
      updated_at: at,
    })
    .where('scope_id', '=', budget.scopeId)
    .execute()
}

/** What `instanceId` holds against each of `scopeIds`. */
export async function instanceBudgetHeld(
  trx: Database,
  instanceId: string,
  scopeIds: readonly string[],
): Promise<Map<string, number>> {
  const held = new Map<string, number>()
  if (scopeIds.length === 0) return held
  const rows = await trx
    .selectFrom('instance_budget_holds')
    .select(['scope_id', 'held_nano'])
    .where('instance_id', '=', instanceId)
    .where('scope_id', 'in', scopeIds)
    .execute()
  for (const row of rows) held.set(row.scope_id, Number(row.held_nano))
  return held
}

/** Moves what `instanceId` holds against a scope by `deltaNano` (positive: a hold; negative: released). */
export async function moveInstanceBudgetHeld(
  trx: Database,
  instanceId: string,
  workspaceId: string,
  scopeId: string,
  deltaNano: number,
): Promise<void> {
  await trx
    .insertInto('instance_budget_holds')
    .values({ instance_id: instanceId, scope_id: scopeId, workspace_id: workspaceId, held_nano: deltaNano })
    .onConflict((conflict) =>
      conflict
        .columns(['instance_id', 'scope_id'])
        .doUpdateSet((eb) => ({ held_nano: eb('instance_budget_holds.held_nano', '+', deltaNano) })),
    )
    .execute()
}

/**
 * Returns a silent instance's budget holds in one workspace to their budgets (the caller holds
 * the workspace's balance lock and reclaims its balance holds in the same transaction).
 */
export async function reclaimInstanceBudgetHolds(
  trx: Database,
  instanceId: string,
  workspaceId: string,
): Promise<void> {
  const rows = await trx
    .selectFrom('instance_budget_holds')
    .select(['scope_id', 'held_nano'])
    .where('instance_id', '=', instanceId)
    .where('workspace_id', '=', workspaceId)
    .execute()
  for (const row of rows) {
    const held = Number(row.held_nano)
    if (held > 0) {
      await trx
        .updateTable('spend_budgets')
        .set((eb) => ({ held_nano: eb('held_nano', '-', held) }))
        .where('scope_id', '=', row.scope_id)
        .execute()
    }
  }
  await trx
    .deleteFrom('instance_budget_holds')
    .where('instance_id', '=', instanceId)
    .where('workspace_id', '=', workspaceId)
    .execute()
}

/** Spend limits whose held amount differs from the sum of the instances' holds on them. */
export async function verifyBudgetHolds(db: Database): Promise<BudgetMismatch[]> {
  const rows = await db
    .selectFrom('spend_budgets as budgets')
    .select([
      'budgets.scope_id',
      'budgets.workspace_id',
      'budgets.held_nano',
      (eb) =>
        eb
          .selectFrom('instance_budget_holds')
          .select((inner) => inner.fn.coalesce(inner.fn.sum<number>('held_nano'), inner.lit(0)).as('total'))
          .whereRef('instance_budget_holds.scope_id', '=', 'budgets.scope_id')
          .as('open_holds'),
    ])
    .execute()
  return rows
    .map((row) => ({
      kind: 'budget' as const,
      workspaceId: row.workspace_id,
      scopeId: row.scope_id,
      heldNano: Number(row.held_nano),
      openHoldsNano: Number(row.open_holds ?? 0),
    }))
    .filter((row) => row.heldNano !== row.openHoldsNano)
}
