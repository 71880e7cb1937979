import { useInfiniteQuery } from '@tanstack/react-query'
import { ApiError } from '../../api/api-client.ts'
import { useCan } from '../../session/use-session.ts'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { auditQuery } from './audit-queries.ts'
import { AuditView } from './audit-view.tsx'

const NOT_OWNER = new ApiError(
  'Only the workspace owner can read the audit log.',
  403,
  null,
  null,
  null,
  null,
)

export function AuditPage() {
  const allowed = useCan('audit.read')
  const audit = useInfiniteQuery({ ...auditQuery(), enabled: allowed })
  return (
    <>
      <PageHeader title="Audit log" />
      {allowed ? (
        <AuditView
          entries={audit.data?.pages.flatMap((page) => page.data)}
          isPending={audit.isPending}
          error={audit.error}
          onRetry={() => void audit.refetch()}
          hasMore={audit.hasNextPage}
          loadingMore={audit.isFetchingNextPage}
          onOlder={() => void audit.fetchNextPage()}
        />
      ) : (
        <ErrorMessage error={NOT_OWNER} />
      )}
    </>
  )
}
