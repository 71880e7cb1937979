import { useInfiniteQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import { PageHeader } from '../../ui/page-header.tsx'
import { LogsExport } from './logs-export.tsx'
import { logsQuery } from './logs-queries.ts'
import { LogsView } from './logs-view.tsx'

const route = getRouteApi('/app/logs')

export function LogsPage() {
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const logs = useInfiniteQuery(logsQuery(search))
  return (
    <>
      <PageHeader title="Logs" />
      <LogsExport search={search} />
      <LogsView
        search={search}
        onSearch={(next) => void navigate({ search: next })}
        rows={logs.data?.pages.flatMap((page) => page.data)}
        isPending={logs.isPending}
        error={logs.error}
        onRetry={() => void logs.refetch()}
        hasMore={logs.hasNextPage}
        loadingMore={logs.isFetchingNextPage}
        onOlder={() => void logs.fetchNextPage()}
      />
    </>
  )
}
