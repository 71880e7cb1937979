import { formatDateTime, formatRelative } from '../../format/dates.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { BudgetMeter } from '../budgets/budget-meter.tsx'
import { limitedPeriods, PERIOD_ADJECTIVE, tightestLimit } from '../budgets/budgets-queries.ts'
import type { ApiKey } from './keys-queries.ts'

interface KeysViewProps {
  keys: ApiKey[] | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
  canWrite: boolean
  /** May set spend limits (budgets.write). */
  canBudget: boolean
  onRevoke: (key: ApiKey) => void
  onSetLimit: (key: ApiKey) => void
}

export function KeysView({
  keys,
  isPending,
  error,
  onRetry,
  canWrite,
  canBudget,
  onRevoke,
  onSetLimit,
}: KeysViewProps) {
  if (error) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || keys === undefined) return <Skeleton lines={5} />
  if (keys.length === 0) {
    return (
      <EmptyState title="No API keys yet">
        {canWrite ? 'Create a key to call the API.' : 'Ask a developer or admin to create one.'}
      </EmptyState>
    )
  }
  return (
    <TableWrap label="API keys">
      <table>
        <caption className="visually-hidden">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Lanes</th>
            <th scope="col">Models</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            <th scope="col">Status</th>
            <th scope="col">Spend limit</th>
            {canWrite || canBudget ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            const expired = key.expires_at !== null && Date.parse(key.expires_at) < Date.now()
            return (
              <tr key={key.id}>
                <th scope="row">
                  {key.name}
                  {key.management ? <span className="badge"> management</span> : null}
                </th>
                <td className="mono">{key.prefix}…</td>
                <td>{key.lanes?.join(', ') ?? 'all'}</td>
                <td className="mono">{key.models?.join(', ') ?? 'all'}</td>
                <td>{formatDateTime(key.created_at)}</td>
                <td title={key.last_used_at ?? undefined}>{formatRelative(key.last_used_at)}</td>
                <td>{key.expires_at ? formatDateTime(key.expires_at) : 'never'}</td>
                <td>
                  {key.revoked_at ? (
                    <span className="badge badge-error">revoked {formatDateTime(key.revoked_at)}</span>
                  ) : expired ? (
                    <span className="badge badge-error">expired</span>
                  ) : (
                    <span className="badge badge-ok">active</span>
                  )}
                </td>
                <td className="budget-cell">
                  <SpendLimit budget={key.budget} />
                </td>
                {canWrite || canBudget ? (
                  <td>
                    {key.revoked_at ? null : (
                      <div className="row-actions">
                        {canBudget ? (
                          <Button
                            size="small"
                            onClick={() => onSetLimit(key)}
                            aria-label={`Set spend limit of ${key.name}`}
                          >
                            Set limit
                          </Button>
                        ) : null}
                        {canWrite ? (
                          <Button
                            size="small"
                            variant="danger"
                            onClick={() => onRevoke(key)}
                            aria-label={`Revoke ${key.name}`}
                          >
                            Revoke
                          </Button>
                        ) : null}
                      </div>
                    )}
                  </td>
                ) : null}
              </tr>
            )
          })}
        </tbody>
      </table>
    </TableWrap>
  )
}

/** The tightest of a key's limits with its meter, and which other periods are limited. */
function SpendLimit({ budget }: { budget: ApiKey['budget'] }) {
  const tightest = tightestLimit(budget)
  if (tightest === null) return <span className="muted">No limit</span>
  const others = limitedPeriods(budget).filter((period) => period.period !== tightest.period)
  return (
    <>
      <BudgetMeter period={tightest} />
      {others.length > 0 ? (
        <span className="muted small">
          Also limited: {others.map((period) => PERIOD_ADJECTIVE[period.period]).join(', ')}
        </span>
      ) : null}
    </>
  )
}
