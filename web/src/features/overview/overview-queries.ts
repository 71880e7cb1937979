import { queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export interface OverviewAnswer {
  object: 'overview'
  currency: 'USD'
  balance: string
  held: string
  available: string
  spend: { today: string; last_7_days: string; last_30_days: string }
  requests: { today: number; last_7_days: number; last_30_days: number }
  daily: { day: string; requests: number; spend: string }[]
}

export interface ModelsAnswer {
  object: 'list'
  data: { id: string; name?: string; lane?: string }[]
}

export const overviewKeys = {
  all: ['overview'] as const,
  models: ['models'] as const,
}

export function overviewQuery() {
  return queryOptions({
    queryKey: overviewKeys.all,
    queryFn: ({ signal }) => api<OverviewAnswer>('/api/v1/overview', { signal }),
  })
}

export function modelsQuery() {
  return queryOptions({
    queryKey: overviewKeys.models,
    queryFn: ({ signal }) => api<ModelsAnswer>('/api/v1/models', { signal }),
    staleTime: 5 * 60_000,
  })
}
