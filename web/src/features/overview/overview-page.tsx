import { useQuery } from '@tanstack/react-query'
import { bootData } from '../../api/boot-data.ts'
import { PageHeader } from '../../ui/page-header.tsx'
import { modelsQuery, overviewQuery } from './overview-queries.ts'
import { OverviewView } from './overview-view.tsx'
import { QuickStart } from './quick-start.tsx'
import { laneExamples } from './quick-start-snippets.ts'

export function OverviewPage() {
  const overview = useQuery(overviewQuery())
  const models = useQuery(modelsQuery())
  const examples = laneExamples(models.data?.data.map((model) => model.id) ?? [])
  return (
    <>
      <PageHeader title="Overview" />
      <OverviewView
        data={overview.data}
        isPending={overview.isPending}
        error={overview.error}
        onRetry={() => void overview.refetch()}
      />
      <QuickStart baseUrl={bootData().base_url} examples={examples} modelsLoading={models.isPending} />
    </>
  )
}
