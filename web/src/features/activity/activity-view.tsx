import { useId, useMemo } from 'react'
import { dayRange, formatDay } from '../../format/dates.ts'
import { formatChartUsd } from '../../format/money.ts'
import { formatCount } from '../../format/numbers.ts'
import { ACTIVITY_DAYS, type ActivitySearch, GROUP_BY, type GroupBy } from '../../search-schemas.ts'
import { Chart } from '../../ui/chart/chart.tsx'
import type { ChartSeries } from '../../ui/chart/chart-types.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { type ActivityAnswer, chartData } from './activity-queries.ts'

const GROUP_LABELS: Record<GroupBy, string> = {
  model: 'Model',
  provider: 'Provider',
  lane: 'Lane',
  key: 'Key',
}

interface ActivityViewProps {
  search: ActivitySearch
  onSearch: (next: Partial<ActivitySearch>) => void
  data: ActivityAnswer | undefined
  isPending: boolean
  isFetching: boolean
  error: unknown
  onRetry: () => void
  csvUrl: string
}

export function ActivityView({
  search,
  onSearch,
  data,
  isPending,
  isFetching,
  error,
  onRetry,
  csvUrl,
}: ActivityViewProps) {
  const daysId = useId()
  const groupId = useId()
  return (
    <>
      <form className="filters" aria-label="Activity filters" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor={daysId}>Period</label>
          <select
            id={daysId}
            value={search.days}
            onChange={(event) => onSearch({ days: Number(event.target.value) })}
          >
            {ACTIVITY_DAYS.map((days) => (
              <option key={days} value={days}>
                Last {days} days
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={groupId}>Group by</label>
          <select
            id={groupId}
            value={search.group_by}
            onChange={(event) => onSearch({ group_by: event.target.value as GroupBy })}
          >
            {GROUP_BY.map((group) => (
              <option key={group} value={group}>
                {GROUP_LABELS[group]}
              </option>
            ))}
          </select>
        </div>
        <a className="button button-secondary" href={csvUrl} download>
          Download CSV
        </a>
        {isFetching && !isPending ? (
          <span className="muted small" role="status">
            Updating…
          </span>
        ) : null}
      </form>
      {error ? (
        <ErrorMessage error={error} onRetry={onRetry} />
      ) : isPending || data === undefined ? (
        <Skeleton lines={8} />
      ) : data.data.length === 0 ? (
        <EmptyState title="No activity in this period">
          Requests made with your API keys show up here.
        </EmptyState>
      ) : (
        <ActivityData data={data} />
      )}
    </>
  )
}

function ActivityData({ data }: { data: ActivityAnswer }) {
  const label = GROUP_LABELS[data.group_by]
  const chart = useMemo(() => {
    const today = new Date().toISOString().slice(0, 10)
    return chartData(data, dayRange(data.since, today))
  }, [data])
  const series = useMemo<ChartSeries[]>(
    () =>
      chart.groups.map((group, index) => ({
        label: group,
        kind: 'bars',
        values: chart.spend[index] ?? [],
        format: (value) => formatChartUsd(value),
      })),
    [chart],
  )
  const summary = `Spend per day by ${label.toLowerCase()} since ${formatDay(data.since)}, stacked for ${chart.groups.length} ${
    chart.groups.length === 1 ? 'group' : 'groups'
  }; the table below lists every value.`
  const rows = [...data.data].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0))
  return (
    <>
      <section aria-labelledby="activity-chart-heading" className="section">
        <h2 id="activity-chart-heading">Spend per day by {label.toLowerCase()}</h2>
        <Chart days={chart.days} series={series} stacked summary={summary} />
      </section>
      <section aria-labelledby="activity-table-heading" className="section">
        <h2 id="activity-table-heading">Details</h2>
        <TableWrap label="Activity by day">
          <table>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">{label}</th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Prompt tokens
                </th>
                <th scope="col" className="num">
                  Completion tokens
                </th>
                <th scope="col" className="num">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.day}|${String(row[data.group_by])}`}>
                  <td>{row.day}</td>
                  <th scope="row" className="mono">
                    {String(row[data.group_by] ?? '(none)')}
                  </th>
                  <td className="num">{formatCount(row.requests)}</td>
                  <td className="num">{formatCount(row.prompt_tokens)}</td>
                  <td className="num">{formatCount(row.completion_tokens)}</td>
                  <td className="num">
                    <Money amount={row.spend} precision="cost" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </section>
    </>
  )
}
