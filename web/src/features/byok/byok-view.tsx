import { formatDateTime } from '../../format/dates.ts'
import { formatDuration } from '../../format/numbers.ts'
import { Button } from '../../ui/button.tsx'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'
import type { ByokCredential, ByokTestAnswer } from './byok-queries.ts'

type TestResult = ByokTestAnswer | { error: unknown } | 'pending'

interface ByokViewProps {
  credentials: ByokCredential[] | undefined
  isPending: boolean
  error: unknown
  onRetry: () => void
  canWrite: boolean
  onDelete: (provider: string) => void
  onTest: (provider: string) => void
  results: Record<string, TestResult>
}

export function ByokView(props: ByokViewProps) {
  const { credentials, isPending, error, onRetry, canWrite, onDelete, onTest, results } = props
  if (error) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || credentials === undefined) return <Skeleton lines={3} />
  if (credentials.length === 0) {
    return <EmptyState title="No provider keys stored">Store a key below to use byok/… models.</EmptyState>
  }
  return (
    <TableWrap label="Stored provider keys">
      <table>
        <caption className="visually-hidden">Stored provider keys</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Key</th>
            <th scope="col">Stored</th>
            <th scope="col">Updated</th>
            <th scope="col">Test</th>
            {canWrite ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {credentials.map((credential) => (
            <tr key={credential.provider}>
              <th scope="row">{credential.provider}</th>
              <td className="mono">{credential.hint}</td>
              <td>{formatDateTime(credential.created_at)}</td>
              <td>{formatDateTime(credential.updated_at)}</td>
              <td>
                <Button
                  size="small"
                  onClick={() => onTest(credential.provider)}
                  pending={results[credential.provider] === 'pending'}
                  aria-label={`Test this key (${credential.provider})`}
                >
                  Test this key
                </Button>
                <TestOutcome result={results[credential.provider]} />
              </td>
              {canWrite ? (
                <td>
                  <Button
                    size="small"
                    variant="danger"
                    onClick={() => onDelete(credential.provider)}
                    aria-label={`Delete the ${credential.provider} key`}
                  >
                    Delete
                  </Button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

function TestOutcome({ result }: { result: TestResult | undefined }) {
  if (result === undefined || result === 'pending') return <span role="status" />
  if ('error' in result) return <ErrorMessage error={result.error} />
  return (
    <p role="status" className={result.ok ? 'small ok-text' : 'small field-error'}>
      {result.ok ? 'Works' : 'Failed'}
      {result.status === null ? '' : ` (HTTP ${result.status})`}, {formatDuration(result.latency_ms)}:{' '}
      {result.message}
    </p>
  )
}
