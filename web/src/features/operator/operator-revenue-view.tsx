import { formatDay } from '../../format/dates.ts'
import { formatCount } from '../../format/numbers.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import { Money } from '../../ui/money.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { RevenueAnswer, RevenueDay } from './operator-queries.ts'

/** The report's columns in order, with what each means to the operator. */
export const REVENUE_COLUMNS: readonly { key: Exclude<keyof RevenueDay, 'usage_by_lane'>; label: string }[] =
  [
    { key: 'usage', label: 'Usage charged' },
    { key: 'purchases', label: 'Purchases' },
    { key: 'purchase_fees', label: 'Purchase fees' },
    { key: 'redemptions', label: 'Code redemptions' },
    { key: 'refunds', label: 'Refunds' },
    { key: 'adjustments', label: 'Adjustments' },
    { key: 'expired', label: 'Expired credit' },
  ]

/** Totals of the period, then usage per lane, then every day (newest first). */
export function RevenueReport({ data }: { data: RevenueAnswer }) {
  const lanes = Object.entries(data.totals.usage_by_lane)
  const days = [...data.data].reverse()
  return (
    <>
      <section className="section" aria-labelledby="revenue-totals-heading">
        <h2 id="revenue-totals-heading">
          Totals since {formatDay(data.since)} ({data.days} {data.days === 1 ? 'day' : 'days'}, UTC)
        </h2>
        <dl className="stats">
          {REVENUE_COLUMNS.map((column) => (
            <div className="stat" key={column.key}>
              <dt>{column.label}</dt>
              <dd>
                <Money amount={data.totals[column.key]} />
              </dd>
            </div>
          ))}
        </dl>
        <p className="small muted">
          Purchases, redemptions and refunds are credit given to workspaces; usage, fees and expired credit
          were taken from them; adjustments keep their sign (positive: credited).
        </p>
      </section>
      <section className="section" aria-labelledby="revenue-lanes-heading">
        <h2 id="revenue-lanes-heading">Usage per lane</h2>
        {lanes.length === 0 ? (
          <EmptyState title="No requests in this period" />
        ) : (
          <TableWrap label="Revenue totals">
            <table>
              <thead>
                <tr>
                  <th scope="col">Lane</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" className="num">
                    Charged
                  </th>
                </tr>
              </thead>
              <tbody>
                {lanes.map(([lane, usage]) => (
                  <tr key={lane}>
                    <th scope="row">{lane === '-' ? 'none (refused before routing)' : lane}</th>
                    <td className="num">{formatCount(usage.requests)}</td>
                    <td className="num">
                      <Money amount={usage.charged} precision="cost" />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section className="section" aria-labelledby="revenue-days-heading">
        <h2 id="revenue-days-heading">Per day</h2>
        <TableWrap label="Revenue by day">
          <table className="dense">
            <caption className="visually-hidden">Revenue per UTC day, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                {REVENUE_COLUMNS.map((column) => (
                  <th scope="col" className="num" key={column.key}>
                    {column.label}
                  </th>
                ))}
                <th scope="col">Usage per lane</th>
              </tr>
            </thead>
            <tbody>
              {days.map((day) => (
                <tr key={day.day}>
                  <th scope="row">{day.day}</th>
                  {REVENUE_COLUMNS.map((column) => (
                    <td className="num" key={column.key}>
                      <Money amount={day[column.key]} />
                    </td>
                  ))}
                  <td className="small">
                    {Object.entries(day.usage_by_lane).map(([lane, usage]) => (
                      <div key={lane}>
                        {lane === '-' ? 'none' : lane}: <Money amount={usage.charged} /> (
                        {formatCount(usage.requests)})
                      </div>
                    ))}
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
