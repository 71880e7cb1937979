import { useQuery } from '@tanstack/react-query'
import { useId, useState } from 'react'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { REVENUE_PERIODS, revenueQuery } from './operator-queries.ts'
import { RevenueReport } from './operator-revenue-view.tsx'

/** Operator: money in and out per day, by ledger kind and per lane, over a chosen period. */
export function OperatorRevenuePage() {
  const periodId = useId()
  const [days, setDays] = useState<number>(30)
  const revenue = useQuery(revenueQuery(days))
  return (
    <>
      <PageHeader title="Operator: Revenue" />
      <form className="filters" aria-label="Revenue period" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor={periodId}>Period</label>
          <select id={periodId} value={days} onChange={(event) => setDays(Number(event.target.value))}>
            {REVENUE_PERIODS.map((period) => (
              <option key={period} value={period}>
                Last {period} days
              </option>
            ))}
          </select>
        </div>
        {revenue.isFetching && !revenue.isPending ? (
          <span className="muted small" role="status">
            Updating…
          </span>
        ) : null}
      </form>
      {revenue.error ? (
        <ErrorMessage error={revenue.error} onRetry={() => void revenue.refetch()} />
      ) : revenue.isPending || revenue.data === undefined ? (
        <Skeleton lines={8} label="Loading revenue…" />
      ) : (
        <RevenueReport data={revenue.data} />
      )}
    </>
  )
}
