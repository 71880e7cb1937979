/**
 * The CLI's spend-limit commands: `key budget KEY_ID` and `workspace budget WS`, with
 * `--total/--day/--week/--month USD` (or `none` to remove one). Options left out keep their
 * limit; with none the command shows the limits and spending. Running gateways apply a change
 * within the key cache's TTL.
 *
 * @module
 */
import { formatNanoUsd } from '../billing/cost.ts'
import { BUDGET_PERIODS, type BudgetPeriod, periodResetsAt } from '../contracts/budget-periods.ts'
import { parseUsdNano } from '../contracts/usd.ts'
import { ServiceError } from '../services/workspace-service.ts'
import type { BudgetLimits, BudgetRecord } from '../storage/budget-records.ts'
import type { CommandInput } from './command-options.ts'
import { json, table } from './command-output.ts'

function limitOption(value: string | undefined, period: BudgetPeriod): number | null | undefined {
  if (value === undefined) return undefined
  if (value === 'none') return null
  try {
    return parseUsdNano(value, `--${period}`)
  } catch (error) {
    throw new ServiceError(`${(error as Error).message} (USD, e.g. 25 or 2.50, or none)`)
  }
}

function rows(budget: BudgetRecord | undefined, charged: Record<BudgetPeriod, number>, at: Date) {
  const active = budget?.active === true
  return BUDGET_PERIODS.map((period) => {
    const limit = active ? budget!.periods[period].limitNano : null
    const spent = active ? budget!.periods[period].spentNano : charged[period]
    return {
      period,
      limit: limit === null ? 'none' : formatNanoUsd(limit),
      spent: formatNanoUsd(spent),
      held: active ? formatNanoUsd(budget!.heldNano) : '0',
      resets: periodResetsAt(period, at) ?? 'never',
    }
  })
}

/** Runs a budget command and returns its output, or undefined when the words name another command. */
export async function runBudgetCommand({
  words,
  options,
  store,
  service,
}: CommandInput): Promise<string | undefined> {
  const [noun, verb, argument] = words
  if (verb !== 'budget' || (noun !== 'key' && noun !== 'workspace')) return undefined
  if (!argument)
    throw new ServiceError(
      `usage: onekey ${noun} budget ${noun === 'key' ? 'KEY_ID' : 'WS'} [--month USD|none]`,
    )
  let scope: { scope: 'key' | 'workspace'; scopeId: string; workspaceId: string }
  if (noun === 'key') {
    const key = await store.apiKeys.find(argument)
    if (key === undefined) throw new ServiceError(`no API key ${argument}`)
    scope = { scope: 'key', scopeId: key.id, workspaceId: key.workspaceId }
  } else {
    const workspace = await service.getWorkspace(argument)
    scope = { scope: 'workspace', scopeId: workspace.id, workspaceId: workspace.id }
  }
  const changes: Partial<BudgetLimits> = {}
  for (const period of BUDGET_PERIODS) {
    const value = limitOption(options[period], period)
    if (value !== undefined) changes[period] = value
  }
  const at = new Date()
  let budget = (await store.budgets.find([scope.scopeId], at.toISOString())).get(scope.scopeId)
  if (Object.keys(changes).length > 0) {
    const current = (period: BudgetPeriod) => (budget?.active ? budget.periods[period].limitNano : null)
    const limits = Object.fromEntries(
      BUDGET_PERIODS.map((period) => [
        period,
        changes[period] === undefined ? current(period) : changes[period],
      ]),
    ) as BudgetLimits
    budget = await store.budgets.set({ ...scope, limits, at: at.toISOString() })
  }
  const charged = await store.budgets.charged({ ...scope, at: at.toISOString() })
  const view = rows(budget, charged, at)
  if (options.json) return json({ scope: scope.scope, id: scope.scopeId, periods: view })
  const note =
    Object.keys(changes).length > 0
      ? `limits of ${scope.scope} ${scope.scopeId} set; running gateways apply them within about a second\n`
      : ''
  return note + table(view)
}
