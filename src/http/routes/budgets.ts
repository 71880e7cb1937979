/**
 * Spend limits through the management API, and a key's own view of its spending:
 *
 *   PUT /api/v1/keys/{id}/budget     {total?, day?, week?, month?}: the key's limits (USD strings; null: none)
 *   GET /api/v1/workspace/budget     the workspace's monthly limit and spending
 *   PUT /api/v1/workspace/budget     {month}: the workspace's monthly limit
 *   GET /api/v1/key                  the calling API key: its limits, usage and what remains (any key)
 *
 * A limit applies at once on this instance and on others within about a second (change
 * notifications, storage/change-notifications.ts). Requests already running when a limit is
 * first set count against it only if they settle after it.
 *
 * @module
 */
import type { Authenticator } from '../../auth/authenticator.ts'
import { formatNanoUsd } from '../../billing/cost.ts'
import type { BudgetPeriod } from '../../contracts/alert-events.ts'
import { BUDGET_PERIODS, periodResetsAt } from '../../contracts/budget-periods.ts'
import { keyBudgetBody, workspaceBudgetBody } from '../../contracts/console-api.ts'
import { parseUsdNano } from '../../contracts/usd.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { BudgetLimits, BudgetRecord, BudgetRepository } from '../../storage/budget-records.ts'
import type { ApiKeyRecord, ApiKeyRepository } from '../../storage/store.ts'
import { parseBody } from '../parse-body.ts'
import type { WorkspaceCaller } from '../workspace-caller.ts'
import type { AuditWriter } from './management.ts'

export interface BudgetRouteDependencies {
  budgets: BudgetRepository
  apiKeys: ApiKeyRepository
  authenticator: Authenticator
  audit: AuditWriter
  now?: () => Date
}

const usd = (nano: number | null) => (nano === null ? null : formatNanoUsd(nano))

/**
 * A scope's limits and spending as the API answers them: per period the limit (null: none), what
 * was spent in the current period, what remains (null without a limit) and when it resets; and
 * what running requests hold. Without an active budget, `spent` comes from the request log.
 */
export function publicBudget(
  budget: BudgetRecord | undefined,
  charged: Record<BudgetPeriod, number> | undefined,
  at: Date,
) {
  const held = budget?.active ? budget.heldNano : 0
  return {
    held: formatNanoUsd(held),
    periods: BUDGET_PERIODS.map((period) => {
      const state = budget?.active ? budget.periods[period] : undefined
      const limitNano = state?.limitNano ?? null
      const spentNano = state?.spentNano ?? charged?.[period] ?? 0
      return {
        period,
        limit: usd(limitNano),
        spent: formatNanoUsd(spentNano),
        remaining: limitNano === null ? null : formatNanoUsd(Math.max(limitNano - spentNano - held, 0)),
        resets_at: periodResetsAt(period, at),
      }
    }),
  }
}

function limitsFrom(body: Partial<Record<BudgetPeriod, string | null | undefined>>): BudgetLimits {
  const limit = (period: BudgetPeriod) => {
    const value = body[period]
    return value === undefined || value === null ? null : parseUsdNano(value, period)
  }
  return { total: limit('total'), day: limit('day'), week: limit('week'), month: limit('month') }
}

function describeLimits(limits: BudgetLimits): string {
  const set = BUDGET_PERIODS.filter((period) => limits[period] !== null).map(
    (period) => `${period} $${formatNanoUsd(limits[period]!)}`,
  )
  return set.length === 0 ? 'no limit' : set.join(', ')
}

export function createBudgetRoutes(dependencies: BudgetRouteDependencies) {
  const { budgets, apiKeys, authenticator, audit } = dependencies
  const now = dependencies.now ?? (() => new Date())

  async function keyOf(caller: WorkspaceCaller, id: string): Promise<ApiKeyRecord> {
    const record = await apiKeys.find(id)
    // Another workspace's key is answered exactly like a missing one.
    if (record === undefined || record.workspaceId !== caller.workspaceId)
      throw new GatewayError('not_found', `No API key \`${id}\` in this workspace.`)
    return record
  }

  async function viewOf(scope: 'key' | 'workspace', scopeId: string, workspaceId: string, at: Date) {
    const budget = (await budgets.find([scopeId], at.toISOString())).get(scopeId)
    const charged = budget?.active
      ? undefined
      : await budgets.charged({ scope, scopeId, workspaceId, at: at.toISOString() })
    return publicBudget(budget, charged, at)
  }

  async function setLimits(
    scope: 'key' | 'workspace',
    scopeId: string,
    workspaceId: string,
    limits: BudgetLimits,
  ) {
    const at = now()
    const budget = await budgets.set({ scope, scopeId, workspaceId, limits, at: at.toISOString() })
    return { budget, at }
  }

  return {
    /** `PUT /api/v1/keys/{id}/budget` */
    async setKeyBudget(caller: WorkspaceCaller, id: string, body: Record<string, unknown>): Promise<string> {
      const limits = limitsFrom(parseBody(keyBudgetBody, body))
      const record = await keyOf(caller, id)
      const { budget, at } = await setLimits('key', record.id, record.workspaceId, limits)
      authenticator.invalidate(record.hash)
      await audit(
        caller.workspaceId,
        caller.actor,
        'key.budget_set',
        `${record.id} (${record.name}): ${describeLimits(limits)}`,
      )
      return JSON.stringify({
        object: 'budget',
        scope: 'key',
        id: record.id,
        ...publicBudget(budget, undefined, at),
      })
    },

    /** `GET /api/v1/workspace/budget` */
    async workspaceBudget(caller: WorkspaceCaller): Promise<string> {
      const at = now()
      const view = await viewOf('workspace', caller.workspaceId, caller.workspaceId, at)
      return JSON.stringify({ object: 'budget', scope: 'workspace', id: caller.workspaceId, ...view })
    },

    /** `PUT /api/v1/workspace/budget` */
    async setWorkspaceBudget(caller: WorkspaceCaller, body: Record<string, unknown>): Promise<string> {
      const limits = limitsFrom(parseBody(workspaceBudgetBody, body))
      const { budget, at } = await setLimits('workspace', caller.workspaceId, caller.workspaceId, limits)
      authenticator.invalidateWorkspace(caller.workspaceId)
      await audit(caller.workspaceId, caller.actor, 'workspace.budget_set', describeLimits(limits))
      return JSON.stringify({
        object: 'budget',
        scope: 'workspace',
        id: caller.workspaceId,
        ...publicBudget(budget, undefined, at),
      })
    },

    /** Every key's limits and spending in the current periods, by key ID (for the key list). */
    async keyBudgets(workspaceId: string): Promise<Map<string, ReturnType<typeof publicBudget>>> {
      const at = now()
      const views = new Map<string, ReturnType<typeof publicBudget>>()
      for (const budget of await budgets.list(workspaceId, at.toISOString())) {
        if (budget.scope === 'key' && budget.active)
          views.set(budget.scopeId, publicBudget(budget, undefined, at))
      }
      return views
    },

    /** `GET /api/v1/key`: what the calling key may still spend (OpenRouter's fields, and ours per period). */
    async ownKey(key: { keyId: string; workspaceId: string; name: string; prefix: string }): Promise<string> {
      const at = now()
      const view = await viewOf('key', key.keyId, key.workspaceId, at)
      const total = view.periods.find((period) => period.period === 'total')!
      // The tightest limit that applies: what the key may still spend before one refuses it.
      const remaining = view.periods
        .map((period) => period.remaining)
        .filter((value): value is string => value !== null)
        .sort((a, b) => Number(a) - Number(b))[0]
      return JSON.stringify({
        data: {
          id: key.keyId,
          label: key.name,
          prefix: key.prefix,
          workspace_id: key.workspaceId,
          usage: total.spent,
          limit: total.limit,
          limit_remaining: remaining ?? null,
          ...view,
        },
      })
    },
  }
}
