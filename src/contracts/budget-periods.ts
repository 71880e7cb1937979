/**
 * Spend-limit periods in UTC: the day from midnight, the ISO week from Monday midnight, the
 * month from the 1st, and `total` (all time). A counter belongs to the period that began at its
 * start; once `at` is in a later period the counter reads zero.
 *
 * @module
 */
import type { BudgetPeriod } from './alert-events.ts'

export type { BudgetPeriod } from './alert-events.ts'

/** Every period, in the order limits are checked and shown. */
export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['total', 'day', 'week', 'month']

/** The start of `total`: the epoch. */
export const ALL_TIME = '1970-01-01T00:00:00.000Z'

const DAY_MS = 86_400_000

/** When the period containing `at` began (ISO, UTC). */
export function periodStart(period: BudgetPeriod, at: Date): string {
  if (period === 'total') return ALL_TIME
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())
  if (period === 'day') return new Date(day).toISOString()
  if (period === 'week') return new Date(day - ((at.getUTCDay() + 6) % 7) * DAY_MS).toISOString()
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString()
}

/** When the period containing `at` ends and its counter starts again at zero (null: never). */
export function periodResetsAt(period: BudgetPeriod, at: Date): string | null {
  if (period === 'total') return null
  const start = new Date(periodStart(period, at))
  if (period === 'day') return new Date(start.getTime() + DAY_MS).toISOString()
  if (period === 'week') return new Date(start.getTime() + 7 * DAY_MS).toISOString()
  return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)).toISOString()
}

/** The words for a period in messages: "daily", "monthly", … */
export function periodAdjective(period: BudgetPeriod): string {
  return { total: 'total', day: 'daily', week: 'weekly', month: 'monthly' }[period]
}
