import type { AuditEntry } from '@contracts/console-api.ts'
import { formatUtc } from '../../format/dates.ts'
import { EmptyState } from '../../ui/empty-state.tsx'
import type { OlderPagesProps } from '../../ui/older-pages.tsx'
import { PagedTable } from '../../ui/paged-table.tsx'

interface AuditViewProps extends OlderPagesProps {
  entries: AuditEntry[] | undefined
  isPending: boolean
  onRetry: () => void
}

export function AuditView({ entries, ...list }: AuditViewProps) {
  return (
    <PagedTable
      {...list}
      items={entries}
      skeletonLines={8}
      empty={<EmptyState title="Nothing recorded yet" />}
      label="Audit log"
    >
      {(entries) => (
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
      )}
    </PagedTable>
  )
}
