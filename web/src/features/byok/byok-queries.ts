import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export interface ByokCredential {
  provider: string
  /** A masked hint such as "sk-…abcd": the key itself is never sent back. */
  hint: string
  created_at: string
  updated_at: string
}

export interface ByokTestAnswer {
  ok: boolean
  status: number | null
  message: string
  latency_ms: number
}

export const byokKeys = {
  all: ['byok'] as const,
  list: () => ['byok', 'list'] as const,
}

const path = (provider: string) => `/api/v1/byok/${encodeURIComponent(provider)}`

export function byokQuery() {
  return queryOptions({
    queryKey: byokKeys.list(),
    queryFn: ({ signal }) => api<{ object: 'list'; data: ByokCredential[] }>('/api/v1/byok', { signal }),
  })
}

function invalidate(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: byokKeys.all })
  void queryClient.invalidateQueries({ queryKey: ['models'] })
  void queryClient.invalidateQueries({ queryKey: ['audit'] })
}

export function putByokMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ provider, apiKey }: { provider: string; apiKey: string }) =>
      api<ByokCredential>(path(provider), { method: 'PUT', body: { api_key: apiKey } }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function deleteByokMutation(queryClient: QueryClient) {
  return {
    mutationFn: (provider: string) =>
      api<{ provider: string; deleted: true }>(path(provider), { method: 'DELETE' }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function testByokMutation() {
  return {
    mutationFn: (provider: string) => api<ByokTestAnswer>(`${path(provider)}/test`, { method: 'POST' }),
  }
}

/** Provider names as the catalog spells them: lower case letters, digits, dot, dash, underscore. */
export const PROVIDER_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
