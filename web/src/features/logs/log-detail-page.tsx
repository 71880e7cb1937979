import { useQuery } from '@tanstack/react-query'
import { getRouteApi, Link } from '@tanstack/react-router'
import type { ReactNode } from 'react'
import { formatDateTime, formatUtc } from '../../format/dates.ts'
import { formatCount, formatDuration } from '../../format/numbers.ts'
import { ErrorMessage } from '../../ui/error-message.tsx'
import { Money } from '../../ui/money.tsx'
import { PageHeader } from '../../ui/page-header.tsx'
import { Skeleton } from '../../ui/skeleton.tsx'
import { generationQuery, type LogRow } from './logs-queries.ts'

const route = getRouteApi('/app/logs/$id')

export function LogDetailPage() {
  const { id } = route.useParams()
  const generation = useQuery(generationQuery(id))
  return (
    <>
      <PageHeader title="Request details" />
      <p>
        <Link to="/logs" search={{ model: undefined, lane: undefined }}>
          Back to logs
        </Link>
      </p>
      {generation.error ? (
        <ErrorMessage error={generation.error} onRetry={() => void generation.refetch()} />
      ) : generation.isPending ? (
        <Skeleton lines={10} />
      ) : (
        <LogDetailView row={generation.data} />
      )}
    </>
  )
}

export function LogDetailView({ row }: { row: LogRow }) {
  const items: [string, ReactNode][] = [
    ['Generation ID', <code key="id">{row.id}</code>],
    ['Request ID', <code key="rid">{row.request_id}</code>],
    ['Time', `${formatDateTime(row.created_at)} (${formatUtc(row.created_at)})`],
    ['Key', row.key_id ?? '–'],
    ['Model', row.model],
    ['Lane', row.lane ?? '–'],
    ['Provider', row.provider ?? '–'],
    ['Upstream model', row.upstream_model ?? '–'],
    ['Streamed', row.stream ? 'Yes' : 'No'],
    ['Status', String(row.status)],
    ['Error code', row.error_code ?? '–'],
    ['Finish reason', row.finish_reason ?? '–'],
    ['Prompt tokens', formatCount(row.prompt_tokens)],
    ['Completion tokens', formatCount(row.completion_tokens)],
    ['Cached tokens', formatCount(row.cached_tokens)],
    ['Usage source', row.usage_source ?? '–'],
    ['Cost', <Money key="cost" amount={row.cost} precision="cost" />],
    ['Charged', <Money key="charged" amount={row.charged} precision="cost" />],
    ['Ledger entry', row.ledger_entry_id ?? '–'],
    ['Latency', formatDuration(row.latency_ms)],
    ['First byte', formatDuration(row.first_byte_ms)],
  ]
  return (
    <dl className="details-list">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}
