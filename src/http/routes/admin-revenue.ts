/**
 * The operator's revenue report: per UTC day, money in and out by ledger kind and what requests
 * were charged per lane, summed by the database; totals for the period added here in exact
 * integers. Wired by admin-operator.ts; the route is listed there.
 *
 * @module
 */
import { formatNanoUsd } from '../../billing/cost.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { LaneUsageRow, LedgerDayRow, OperatorRepository } from '../../storage/operator-repository.ts'

export interface RevenueRouteDependencies {
  operator: OperatorRepository
  now?: () => Date
}

const DAY_MS = 86_400_000

/**
 * The report's columns and the ledger kinds each sums. Signs are the operator's: credit given to
 * workspaces (purchases, redemptions, refunds) and money taken from them (fees, usage, expired
 * credit) are both positive; adjustments keep their sign (positive: credited to the workspace).
 */
const COLUMNS = {
  purchases: { kinds: ['purchase'], sign: 1n },
  purchase_fees: { kinds: ['purchase_fee'], sign: -1n },
  redemptions: { kinds: ['redemption'], sign: 1n },
  refunds: { kinds: ['refund'], sign: 1n },
  adjustments: { kinds: ['adjustment'], sign: 1n },
  expired: { kinds: ['expiry'], sign: -1n },
  // `charge`: one request's charge, from before per-batch usage entries.
  usage: { kinds: ['usage', 'charge'], sign: -1n },
} as const

type Column = keyof typeof COLUMNS
const COLUMN_NAMES = Object.keys(COLUMNS) as Column[]
const COLUMN_OF_KIND = new Map<string, Column>(
  COLUMN_NAMES.flatMap((column) => COLUMNS[column].kinds.map((kind) => [kind, column] as const)),
)

interface DayTotals {
  columns: Record<Column, bigint>
  lanes: Map<string, { requests: number; charged: bigint }>
}

function emptyDay(): DayTotals {
  return {
    columns: Object.fromEntries(COLUMN_NAMES.map((column) => [column, 0n])) as Record<Column, bigint>,
    lanes: new Map(),
  }
}

function usd(nano: bigint): string {
  if (nano > BigInt(Number.MAX_SAFE_INTEGER) || nano < BigInt(Number.MIN_SAFE_INTEGER))
    throw new RangeError('amount too large')
  return formatNanoUsd(Number(nano))
}

function publicDay(totals: DayTotals) {
  const lanes = [...totals.lanes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    ...Object.fromEntries(COLUMN_NAMES.map((column) => [column, usd(totals.columns[column])])),
    usage_by_lane: Object.fromEntries(
      lanes.map(([lane, usage]) => [lane, { requests: usage.requests, charged: usd(usage.charged) }]),
    ),
  }
}

/** Folds the database's per-day rows into every day of the period (days without rows are zeros). */
export function foldRevenue(
  days: readonly string[],
  ledger: readonly LedgerDayRow[],
  lanes: readonly LaneUsageRow[],
): { perDay: Map<string, DayTotals>; total: DayTotals } {
  const perDay = new Map(days.map((day) => [day, emptyDay()]))
  const total = emptyDay()
  for (const row of ledger) {
    const column = COLUMN_OF_KIND.get(row.kind)
    const day = perDay.get(row.day)
    if (column === undefined || day === undefined) continue
    const amount = BigInt(row.amountNano) * COLUMNS[column].sign
    day.columns[column] += amount
    total.columns[column] += amount
  }
  for (const row of lanes) {
    const day = perDay.get(row.day)
    if (day === undefined) continue
    for (const target of [day, total]) {
      const usage = target.lanes.get(row.lane) ?? { requests: 0, charged: 0n }
      usage.requests += row.requests
      usage.charged += BigInt(row.chargedNano)
      target.lanes.set(row.lane, usage)
    }
  }
  return { perDay, total }
}

/** The revenue handler; returns the JSON answer. */
export function createRevenueRoutes(dependencies: RevenueRouteDependencies) {
  const now = dependencies.now ?? (() => new Date())
  return {
    /** `GET /api/v1/admin/revenue?days=30`: the last `days` UTC days, today included. */
    async revenue(query: URLSearchParams): Promise<string> {
      const days = Number(query.get('days') ?? 30)
      if (!Number.isInteger(days) || days < 1 || days > 366)
        throw new GatewayError('invalid_parameter', "Invalid 'days': an integer from 1 to 366.", {
          param: 'days',
        })
      const todayMs = Date.parse(now().toISOString().slice(0, 10))
      const dayList = Array.from({ length: days }, (_, index) =>
        new Date(todayMs - (days - 1 - index) * DAY_MS).toISOString().slice(0, 10),
      )
      const since = dayList[0]!
      const [ledger, lanes] = await Promise.all([
        dependencies.operator.ledgerByDay(since),
        dependencies.operator.usageByLane(since),
      ])
      const { perDay, total } = foldRevenue(dayList, ledger, lanes)
      return JSON.stringify({
        object: 'revenue',
        currency: 'USD',
        days,
        since,
        totals: publicDay(total),
        data: dayList.map((day) => ({ day, ...publicDay(perDay.get(day)!) })),
      })
    },
  }
}
