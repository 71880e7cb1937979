import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
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
