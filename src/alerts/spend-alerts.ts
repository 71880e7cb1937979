/**
 * The alerts one settlement batch calls for: the balance crossing below the workspace's threshold,
 * and each budget crossing 80 % or 100 % of its limit in its period. A crossing is a move from
 * below the line to at or past it within the batch, so a batch that stays past the line alerts
 * nothing; the dedupe keys name the crossing (the batch's entry for the balance, the period for a
 * budget), so seeing the same batch twice alerts once.
 *
 * @module
 */

import type { AlertEvent, BudgetObservation, SpendObservation } from '../contracts/alert-events.ts'
import { periodAdjective } from '../contracts/budget-periods.ts'
import { formatDecimal } from '../contracts/usd.ts'

/** Percent of a budget's limit at which it alerts. */
export const BUDGET_THRESHOLDS = [80, 100] as const

/** Nano-USD → exact decimal USD ("4.2", "0.000001"): the form of every amount in `data`. */
export function usdOf(nano: number): string {
  return formatDecimal(nano, 9)
}

/** Nano-USD → "$4.20": at least cents, every further digit kept (for summaries). */
export function dollarsOf(nano: number): string {
  const exact = usdOf(nano)
  const negative = exact.startsWith('-')
  const [whole, fraction = ''] = (negative ? exact.slice(1) : exact).split('.')
  return `${negative ? '-' : ''}$${whole}.${fraction.padEnd(2, '0')}`
}

/** The smallest spend at or past `percent` % of `limitNano` (exact for any limit). */
export function thresholdOf(limitNano: number, percent: number): number {
  return Number((BigInt(limitNano) * BigInt(percent) + 99n) / 100n)
}

function balanceLow(observation: SpendObservation, thresholdNano: number): AlertEvent {
  const after = observation.balanceAfterNano
  return {
    workspaceId: observation.workspaceId,
    kind: 'balance.low',
    dedupeKey: `balance.low:${observation.workspaceId}:${observation.entryId}`,
    summary: `Balance fell below ${dollarsOf(thresholdNano)}: ${dollarsOf(after)} left`,
    data: {
      threshold: usdOf(thresholdNano),
      balance: usdOf(after),
      available: usdOf(Math.max(after - observation.heldAfterNano, 0)),
    },
    at: observation.at,
  }
}

function budgetCrossed(
  observation: SpendObservation,
  budget: BudgetObservation,
  percent: number,
): AlertEvent {
  const what = budget.scope === 'key' ? `Key ${budget.scopeId}` : 'The workspace'
  const period = periodAdjective(budget.period)
  return {
    workspaceId: observation.workspaceId,
    kind: 'budget.threshold',
    dedupeKey: `budget:${budget.scopeId}:${budget.period}:${budget.periodStart}:${percent}`,
    summary:
      percent >= 100
        ? `${what} reached its ${period} spend limit of ${dollarsOf(budget.limitNano)}`
        : `${what} used ${percent} % of its ${period} spend limit (${dollarsOf(budget.spentAfterNano)} of ${dollarsOf(budget.limitNano)})`,
    data: {
      scope: budget.scope,
      scope_id: budget.scopeId,
      period: budget.period,
      period_start: budget.periodStart,
      limit: usdOf(budget.limitNano),
      spent: usdOf(budget.spentAfterNano),
      percent,
    },
    at: observation.at,
  }
}

/**
 * The alerts `observation` calls for, given the workspace's balance threshold (null: none).
 * Pure: the caller records them (and the dedupe keys make that once per crossing).
 */
export function spendAlerts(observation: SpendObservation, balanceBelowNano: number | null): AlertEvent[] {
  const events: AlertEvent[] = []
  if (
    balanceBelowNano !== null &&
    observation.balanceBeforeNano >= balanceBelowNano &&
    balanceBelowNano > observation.balanceAfterNano
  )
    events.push(balanceLow(observation, balanceBelowNano))
  for (const budget of observation.budgets) {
    if (budget.limitNano <= 0) continue
    for (const percent of BUDGET_THRESHOLDS) {
      const line = thresholdOf(budget.limitNano, percent)
      if (budget.spentBeforeNano < line && line <= budget.spentAfterNano)
        events.push(budgetCrossed(observation, budget, percent))
    }
  }
  return events
}
