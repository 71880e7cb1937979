/**
 * Spend limits of keys and of the workspace: the queries, the mutations, and the pure helpers
 * the Keys page and the Budgets & alerts page share (the tightest limit, how much of it is used,
 * the form's body). Amounts stay decimal strings; the share used is worked out on whole
 * nano-dollars (BigInt), never on floats.
 *
 * @module
 */
import type { BudgetAnswer, BudgetView } from '@contracts/console-answers.ts'
import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
import { parseUsdInput } from '../../format/money.ts'

export type { BudgetAnswer, BudgetView }
export type BudgetPeriodView = BudgetView['periods'][number]
export type BudgetPeriod = BudgetPeriodView['period']
export type KeyBudgetBody = Partial<Record<BudgetPeriod, string | null>>

/** The periods in the order they are shown and typed. */
export const PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month', 'total']

export const PERIOD_LABEL: Readonly<Record<BudgetPeriod, string>> = {
  total: 'Total',
  day: 'Per day',
  week: 'Per week',
  month: 'Per month',
}

/** "daily", "weekly", … (as the server's messages say). */
export const PERIOD_ADJECTIVE: Readonly<Record<BudgetPeriod, string>> = {
  total: 'total',
  day: 'daily',
  week: 'weekly',
  month: 'monthly',
}

/** Words after an amount: "$0.40 of $1.00 today". */
export const PERIOD_SPAN: Readonly<Record<BudgetPeriod, string>> = {
  total: 'in total',
  day: 'today',
  week: 'this week',
  month: 'this month',
}

export const budgetKeys = {
  all: ['budgets'] as const,
  workspace: () => ['budgets', 'workspace'] as const,
}

export function workspaceBudgetQuery() {
  return queryOptions({
    queryKey: budgetKeys.workspace(),
    queryFn: ({ signal }) => api<BudgetAnswer>('/api/v1/workspace/budget', { signal }),
  })
}

/** `PUT /api/v1/keys/{id}/budget`: the key list carries budgets, so it is refreshed. */
export function setKeyBudgetMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ id, body }: { id: string; body: KeyBudgetBody }) =>
      api<BudgetAnswer>(`/api/v1/keys/${encodeURIComponent(id)}/budget`, { method: 'PUT', body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['keys'] })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export function setWorkspaceBudgetMutation(queryClient: QueryClient) {
  return {
    mutationFn: (month: string | null) =>
      api<BudgetAnswer>('/api/v1/workspace/budget', { method: 'PUT', body: { month } }),
    onSuccess: (saved: BudgetAnswer) => {
      queryClient.setQueryData(budgetKeys.workspace(), saved)
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/

/** A non-negative decimal string as whole nano-dollars; null when it is not one. */
export function toNano(amount: string): bigint | null {
  const match = DECIMAL.exec(amount)
  if (match === null) return null
  const fraction = (match[2] ?? '').slice(0, 9).padEnd(9, '0')
  return BigInt(match[1]!) * 1_000_000_000n + BigInt(fraction)
}

/** How much of a limit is used, in whole percent (spent / limit, floored; a zero limit is 100 % used). */
export function percentUsed(spent: string, limit: string): number {
  const used = toNano(spent) ?? 0n
  const cap = toNano(limit)
  if (cap === null) return 0
  if (cap === 0n) return 100
  return Number((used * 100n) / cap)
}

/** The periods that have a limit. */
export function limitedPeriods(budget: BudgetView | null): (BudgetPeriodView & { limit: string })[] {
  if (budget === null) return []
  return budget.periods.filter(
    (period): period is BudgetPeriodView & { limit: string } => period.limit !== null,
  )
}

/**
 * The limit closest to stopping requests: the least remaining, then the highest share used.
 * Null when nothing is limited.
 */
export function tightestLimit(budget: BudgetView | null): (BudgetPeriodView & { limit: string }) | null {
  let best: (BudgetPeriodView & { limit: string }) | null = null
  for (const period of limitedPeriods(budget)) {
    if (best === null) {
      best = period
      continue
    }
    const left = toNano(period.remaining ?? '0') ?? 0n
    const bestLeft = toNano(best.remaining ?? '0') ?? 0n
    if (
      left < bestLeft ||
      (left === bestLeft && percentUsed(period.spent, period.limit) > percentUsed(best.spent, best.limit))
    )
      best = period
  }
  return best
}

/** A meter's state: under 80 % fine, then warning, at 100 % (or nothing left) full. */
export function meterTone(percent: number, remaining: string | null): 'ok' | 'warning' | 'full' {
  if (percent >= 100 || (remaining !== null && toNano(remaining) === 0n)) return 'full'
  if (percent >= 80) return 'warning'
  return 'ok'
}

export type LimitInput =
  | { kind: 'empty' }
  | { kind: 'invalid'; message: string }
  | { kind: 'ok'; amount: string }

/** A limit typed in a form: empty is "no limit"; "$25", " 25.5 " are forgiven. */
export function parseLimit(text: string): LimitInput {
  const input = parseUsdInput(text)
  return input.kind === 'invalid'
    ? { kind: 'invalid', message: 'Enter an amount in dollars, like 25 or 2.50, or leave it empty.' }
    : input
}

/** The key budget body from the four fields (every period sent: empty = null, no limit), or errors by field. */
export function buildKeyBudgetBody(
  fields: Readonly<Record<BudgetPeriod, string>>,
): { body: Required<KeyBudgetBody> } | { errors: Partial<Record<BudgetPeriod, string>> } {
  const errors: Partial<Record<BudgetPeriod, string>> = {}
  const body: Required<KeyBudgetBody> = { total: null, day: null, week: null, month: null }
  for (const period of PERIODS) {
    const input = parseLimit(fields[period])
    if (input.kind === 'invalid') errors[period] = input.message
    else if (input.kind === 'ok') body[period] = input.amount
  }
  return Object.keys(errors).length > 0 ? { errors } : { body }
}

/** A limit as the form shows it: "25" stays "25", "2.500000000" becomes "2.50". */
export function limitFieldValue(limit: string | null): string {
  if (limit === null) return ''
  const match = DECIMAL.exec(limit)
  if (match === null) return limit
  const fraction = (match[2] ?? '').replace(/0+$/, '')
  if (fraction === '') return match[1]!
  return `${match[1]}.${fraction.padEnd(2, '0')}`
}
