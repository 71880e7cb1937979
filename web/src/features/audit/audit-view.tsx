import type { AuditEntry } from '@contracts/console-api.ts'
import { formatUtc } from '../../format/dates.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { OlderPages, type OlderPagesProps } from '../../ui/older-pages.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { TableWrap } from '../../ui/table-wrap.tsx'

interface AuditViewProps extends OlderPagesProps {
  entries: AuditEntry[] | undefined
  isPending: boolean
  onRetry: () => void
}

export function AuditView({
  entries,
  isPending,
  error,
  onRetry,
  hasMore,
  loadingMore,
  onOlder,
}: AuditViewProps) {
  if (error && entries === undefined) return <ErrorMessage error={error} onRetry={onRetry} />
  if (isPending || entries === undefined) return <Skeleton lines={8} />
  if (entries.length === 0) return <EmptyState title="Nothing recorded yet" />
  return (
    <>
      <TableWrap label="Audit log">
        <table>
          <caption className="visually-hidden">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time (UTC)</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <th scope="row">{formatUtc(entry.created_at)}</th>
                <td>{entry.actor}</td>
                <td className="mono">{entry.action}</td>
                <td>{entry.target ?? '–'}</td>
                <td className="mono">{entry.ip ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <OlderPages error={error} hasMore={hasMore} loadingMore={loadingMore} onOlder={onOlder} />
    </>
  )
}
