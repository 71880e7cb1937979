import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { api, withQuery } from '../../api/api-client.ts'
import type { LogsSearch } from '../../search-schemas.ts'

/** One request's metadata (never its prompt or answer). */
export interface LogRow {
  id: string
  request_id: string
  key_id: string | null
  model: string
  lane: string | null
  provider: string | null
  upstream_model: string | null
  stream: boolean
  status: number
  error_code: string | null
  prompt_tokens: number | null
  completion_tokens: number | null
  cached_tokens: number | null
  usage_source: string | null
  cost: string
  charged: string
  ledger_entry_id: string | null
  latency_ms: number | null
  first_byte_ms: number | null
  finish_reason: string | null
  created_at: string
}

export interface LogsPage {
  object: 'list'
  data: LogRow[]
  has_more: boolean
}

export const PAGE_SIZE = 50

export const logsKeys = {
  all: ['logs'] as const,
  list: (search: LogsSearch) => ['logs', 'list', search] as const,
  detail: (id: string) => ['logs', 'detail', id] as const,
}

export function logsQuery(search: LogsSearch) {
  return infiniteQueryOptions({
    queryKey: logsKeys.list(search),
    queryFn: ({ pageParam, signal }) =>
      api<LogsPage>('/api/v1/logs', {
        query: { limit: PAGE_SIZE, before: pageParam, model: search.model, lane: search.lane },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  })
}

/** `GET /api/v1/generation?id=` takes the log row's `id` (the generation ID). */
export function generationQuery(id: string) {
  return queryOptions({
    queryKey: logsKeys.detail(id),
    queryFn: ({ signal }) =>
      api<LogRow & { object: 'generation' }>('/api/v1/generation', { query: { id }, signal }),
  })
}

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]
/** The longest range the server exports at once. */
export const MAX_EXPORT_DAYS = 366
const DAY_MS = 86_400_000

/** A date range picked as UTC days, both ends included (`YYYY-MM-DD`). */
export interface ExportRange {
  format: ExportFormat
  from: string
  to: string
}

/** The default range: the last 30 UTC days, today included. */
export function defaultExportRange(now: Date): ExportRange {
  const today = now.toISOString().slice(0, 10)
  return { format: 'csv', from: new Date(now.getTime() - 29 * DAY_MS).toISOString().slice(0, 10), to: today }
}

/** Why the range cannot be exported, or null. */
export function exportRangeProblem(range: ExportRange): string | null {
  const from = Date.parse(range.from)
  const to = Date.parse(range.to)
  if (!Number.isFinite(from) || !Number.isFinite(to)) return 'Pick both dates.'
  if (to < from) return 'The end date is before the start date.'
  if ((to - from) / DAY_MS + 1 > MAX_EXPORT_DAYS) return `At most ${MAX_EXPORT_DAYS} days at once.`
  return null
}

/**
 * The export link: the page's filters and the range, whose last day is included (the API's `to`
 * is exclusive, so it is the next day). A plain GET: the browser sends the session cookie.
 */
export function logsExportUrl(search: LogsSearch, range: ExportRange): string {
  const to = new Date(Date.parse(range.to) + DAY_MS).toISOString().slice(0, 10)
  return withQuery('/api/v1/logs/export', {
    format: range.format,
    from: range.from,
    to,
    model: search.model,
    lane: search.lane,
  })
}
