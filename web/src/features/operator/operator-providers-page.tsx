import { useQuery } from '@tanstack/react-query'
import { formatDateTime } from '../../format/dates.ts'
import { formatCount, formatDuration } from '../../format/numbers.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import { formatRate, formatThroughput } from './operator-forms.ts'
import { type ProviderAccount, providersQuery } from './operator-queries.ts'

/** Operator: every provider account with its circuit and recent error rate, latency and speed. */
export function OperatorProvidersPage() {
  const providers = useQuery(providersQuery())
  return (
    <>
      <PageHeader title="Operator: Providers" />
      <p className="muted">
        As this gateway instance sees them, refreshed every 10 seconds. Error rate, latency (time to first
        byte) and throughput weigh the most recent attempts most.
      </p>
      <ProvidersView
        accounts={providers.data?.data}
        isPending={providers.isPending}
        error={providers.error}
        onRetry={() => void providers.refetch()}
      />
    </>
  )
}

interface ProvidersViewProps {
  accounts: ProviderAccount[] | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
}

const STATE_LABEL: Record<ProviderAccount['circuit']['state'], string> = {
  closed: 'closed (healthy)',
  open: 'open (resting)',
  half_open: 'half-open (probing)',
}

export function ProvidersView({ accounts, isPending, error, onRetry }: ProvidersViewProps) {
  if (error && accounts === undefined) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || accounts === undefined) return <Skeleton lines={5} label="Loading provider accounts…" />
  if (accounts.length === 0) {
    return (
      <EmptyState title="No provider accounts">
        Configure providers and their accounts in the config file.
      </EmptyState>
    )
  }
  return (
    <>
      {error ? <ErrorMessage error={error} onRetry={onRetry} /> : null}
      <TableWrap label="Provider accounts">
        <table>
          <caption className="visually-hidden">Provider accounts</caption>
          <thead>
            <tr>
              <th scope="col">Provider / account</th>
              <th scope="col">Lanes</th>
              <th scope="col">Circuit</th>
              <th scope="col" className="num">
                Error rate
              </th>
              <th scope="col" className="num">
                Latency
              </th>
              <th scope="col" className="num">
                Throughput
              </th>
              <th scope="col" className="num">
                Samples
              </th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={`${account.provider}/${account.account}`}>
                <th scope="row">
                  <span className="mono">
                    {account.provider}/{account.account}
                  </span>
                  <div className="small muted">
                    {account.kind}, {account.trust}, weight {account.weight}
                  </div>
                </th>
                <td>
                  {account.lanes.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    account.lanes.join(', ')
                  )}
                </td>
                <td>
                  <span
                    className={account.circuit.state === 'closed' ? 'badge badge-ok' : 'badge badge-error'}
                  >
                    {STATE_LABEL[account.circuit.state]}
                  </span>
                  {account.circuit.open_until ? (
                    <div className="small muted">until {formatDateTime(account.circuit.open_until)}</div>
                  ) : null}
                  {account.circuit.consecutive_failures > 0 ? (
                    <div className="small muted">
                      {formatCount(account.circuit.consecutive_failures)} failures in a row
                    </div>
                  ) : null}
                </td>
                <td className="num">{formatRate(account.stats.error_rate)}</td>
                <td className="num">{formatDuration(account.stats.latency_ms)}</td>
                <td className="num">{formatThroughput(account.stats.tokens_per_second)}</td>
                <td className="num">{formatCount(account.stats.samples)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  )
}
