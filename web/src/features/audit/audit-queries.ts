import type { AuditEntry } from '@contracts/console-api.ts'
import { infiniteQueryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export const AUDIT_PAGE = 50

export const auditKeys = {
  all: ['audit'] as const,
  list: () => ['audit', 'list'] as const,
}

export function auditQuery() {
  return infiniteQueryOptions({
    queryKey: auditKeys.list(),
    queryFn: ({ pageParam, signal }) =>
      api<{ object: 'list'; data: AuditEntry[]; has_more: boolean }>('/api/v1/audit', {
        query: { limit: AUDIT_PAGE, before: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  })
}
