import { useMemo } from 'react'
import { formatDay } from '../../format/dates.ts'
import { formatChartUsd, formatUsd } from '../../format/money.ts'
import { formatCount } from '../../format/numbers.ts'
import { Chart } from '../../ui/chart/chart.tsx'
import type { ChartSeries } from '../../ui/chart/chart-types.ts'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { OverviewAnswer } from './overview-queries.ts'

interface OverviewViewProps {
  data: OverviewAnswer | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
}

export function OverviewView({ data, isPending, error, onRetry }: OverviewViewProps) {
  if (error) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || data === undefined) return <Skeleton lines={6} />
  return (
    <>
      <section aria-labelledby="balance-heading" className="section">
        <h2 id="balance-heading">Balance</h2>
        <dl className="stats">
          <Stat label="Balance" value={<Money amount={data.balance} />} />
          <Stat label="Held for running requests" value={<Money amount={data.held} />} />
          <Stat label="Available" value={<Money amount={data.available} />} />
        </dl>
      </section>
      <section aria-labelledby="usage-heading" className="section">
        <h2 id="usage-heading">Usage</h2>
        <dl className="stats">
          <Stat label="Spend today" value={<Money amount={data.spend.today} />} />
          <Stat label="Spend, last 7 days" value={<Money amount={data.spend.last_7_days} />} />
          <Stat label="Spend, last 30 days" value={<Money amount={data.spend.last_30_days} />} />
          <Stat label="Requests today" value={formatCount(data.requests.today)} />
          <Stat label="Requests, last 7 days" value={formatCount(data.requests.last_7_days)} />
          <Stat label="Requests, last 30 days" value={formatCount(data.requests.last_30_days)} />
        </dl>
        <DailyChart data={data} />
      </section>
    </>
  )
}

function Stat({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  )
}

function DailyChart({ data }: { data: OverviewAnswer }) {
  const days = useMemo(() => data.daily.map((row) => row.day), [data.daily])
  const series = useMemo<ChartSeries[]>(
    () => [
      {
        label: 'Requests',
        kind: 'bars',
        integer: true,
        scale: 'y',
        values: data.daily.map((row) => row.requests),
        format: (value) => formatCount(value),
      },
      {
        label: 'Spend (USD)',
        kind: 'line',
        scale: 'y2',
        // Plotting only: the amounts shown as text come from the API strings.
        values: data.daily.map((row) => Number(row.spend)),
        format: (value) => formatChartUsd(value),
      },
    ],
    [data.daily],
  )
  const first = data.daily[0]?.day
  const last = data.daily.at(-1)?.day
  const summary =
    first && last
      ? `Requests and spend per day from ${formatDay(first)} to ${formatDay(last)}: ${formatCount(
          data.requests.last_30_days,
        )} requests and ${formatUsd(data.spend.last_30_days)} spent in the last 30 days.`
      : 'No daily usage yet.'
  if (data.daily.length === 0) return <p className="muted">No requests yet.</p>
  return (
    <figure className="figure">
      <figcaption className="visually-hidden">Requests and spend per day</figcaption>
      <Chart days={days} series={series} summary={summary} />
      <details className="table-twin">
        <summary>Show the numbers as a table</summary>
        <TableWrap label="Daily requests and spend">
          <table>
            <caption className="visually-hidden">Requests and spend per day</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Spend
                </th>
              </tr>
            </thead>
            <tbody>
              {data.daily.map((row) => (
                <tr key={row.day}>
                  <th scope="row">{row.day}</th>
                  <td className="num">{formatCount(row.requests)}</td>
                  <td className="num">
                    <Money amount={row.spend} precision="cost" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </details>
    </figure>
  )
}
