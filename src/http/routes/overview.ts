/**
 * The console's Overview numbers and the Activity CSV export, summed on the server in integer
 * nano-USD (the browser never adds money):
 *
 *   GET /api/v1/overview                         balance, held, available; spend and requests today,
 *                                                last 7 and 30 days; 30 days of daily totals (zeros included)
 *   GET /api/v1/activity.csv?days=&group_by=     the Activity rows as CSV, exact decimal strings
 *
 * @module
 */
import { formatNanoUsd } from '../../billing/cost.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RequestLogWriter } from '../../logging/request-log-writer.ts'
import type { ActivityRow, LedgerRepository, RequestLogRepository } from '../../storage/store.ts'
import { csvLine } from '../csv.ts'

export interface OverviewRouteDependencies {
  ledger: LedgerRepository
  requestLogs: RequestLogWriter
  requestLogRepository: RequestLogRepository
  now?: () => Date
}

const DAY_MS = 86_400_000
const GROUPS = ['model', 'provider', 'lane', 'key'] as const

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function createOverviewRoutes(dependencies: OverviewRouteDependencies) {
  const now = dependencies.now ?? (() => new Date())

  async function rows(workspaceId: string, days: number, groupBy: string): Promise<ActivityRow[]> {
    await dependencies.requestLogs.flush()
    const since = dayOf(now().getTime() - (days - 1) * DAY_MS)
    return dependencies.requestLogRepository.activity(workspaceId, since, groupBy as 'model')
  }

  return {
    async overview(caller: { workspaceId: string }): Promise<string> {
      const [{ balanceNano, heldNano }, activity] = await Promise.all([
        dependencies.ledger.balance(caller.workspaceId),
        rows(caller.workspaceId, 30, 'lane'),
      ])
      const todayMs = now().getTime()
      const perDay = new Map<string, { requests: number; costNano: number }>()
      for (let index = 29; index >= 0; index--)
        perDay.set(dayOf(todayMs - index * DAY_MS), { requests: 0, costNano: 0 })
      for (const row of activity) {
        const day = perDay.get(row.day)
        if (day === undefined) continue
        day.requests += row.requests
        day.costNano += row.costNano
      }
      const days = [...perDay.entries()]
      const total = (count: number) => {
        let requests = 0
        let costNano = 0
        for (const [, day] of days.slice(-count)) {
          requests += day.requests
          costNano += day.costNano
        }
        return { requests, spend: formatNanoUsd(costNano) }
      }
      const today = total(1)
      const week = total(7)
      const month = total(30)
      return JSON.stringify({
        object: 'overview',
        currency: 'USD',
        balance: formatNanoUsd(balanceNano),
        held: formatNanoUsd(heldNano),
        available: formatNanoUsd(Math.max(balanceNano - heldNano, 0)),
        spend: { today: today.spend, last_7_days: week.spend, last_30_days: month.spend },
        requests: { today: today.requests, last_7_days: week.requests, last_30_days: month.requests },
        daily: days.map(([day, totals]) => ({
          day,
          requests: totals.requests,
          spend: formatNanoUsd(totals.costNano),
        })),
      })
    },

    async activityCsv(caller: { workspaceId: string }, query: URLSearchParams): Promise<string> {
      const days = Number(query.get('days') ?? 30)
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new GatewayError('invalid_parameter', "Invalid 'days': an integer from 1 to 366.", {
          param: 'days',
        })
      const groupBy = query.get('group_by') ?? 'model'
      if (!(GROUPS as readonly string[]).includes(groupBy))
        throw new GatewayError('invalid_parameter', "Invalid 'group_by': model, provider, lane or key.", {
          param: 'group_by',
        })
      let csv = csvLine(['day', groupBy, 'requests', 'prompt_tokens', 'completion_tokens', 'spend_usd'])
      for (const row of await rows(caller.workspaceId, days, groupBy)) {
        csv += csvLine([
          row.day,
          row.group,
          row.requests,
          row.promptTokens,
          row.completionTokens,
          formatNanoUsd(row.costNano),
        ])
      }
      return csv
    },
  }
}
