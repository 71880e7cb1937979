import { useQuery } from '@tanstack/react-query'
import { getRouteApi } from '@tanstack/react-router'
import { PageHeader } from '../../ui/page-header.tsx'
import { activityCsvUrl, activityQuery } from './activity-queries.ts'
import { ActivityView } from './activity-view.tsx'

const route = getRouteApi('/app/activity')

export function ActivityPage() {
  const search = route.useSearch()
  const navigate = route.useNavigate()
  const activity = useQuery(activityQuery(search))
  return (
    <>
      <PageHeader title="Activity" />
      <ActivityView
        search={search}
        onSearch={(next) => void navigate({ search: { ...search, ...next }, replace: true })}
        data={activity.data}
        isPending={activity.isPending}
        isFetching={activity.isFetching}
        error={activity.error}
        onRetry={() => void activity.refetch()}
        csvUrl={activityCsvUrl(search)}
      />
    </>
  )
}
