import type { SessionSummary } from '@contracts/console-api.ts'
import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
import { forgetSession, sessionKeys } from '../../session/session-queries.ts'

export function sessionsQuery() {
  return queryOptions({
    queryKey: sessionKeys.sessions(),
    queryFn: ({ signal }) =>
      api<{ object: 'list'; data: SessionSummary[] }>('/api/v1/auth/sessions', { signal }),
  })
}

export function revokeSessionMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) =>
      api<{ id: string; revoked: true }>(`/api/v1/auth/sessions/${encodeURIComponent(id)}`, {
        method: 'DELETE',
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: sessionKeys.sessions() }),
  }
}

export function changePasswordMutation(queryClient: QueryClient) {
  return {
    // A wrong current password must not sign the user out.
    meta: { authForm: true },
    mutationFn: (body: { current_password: string; new_password: string }) =>
      api<{ changed: true }>('/api/v1/auth/password', { method: 'POST', body }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: sessionKeys.sessions() }),
  }
}

export function signOutEverywhereMutation(queryClient: QueryClient) {
  return {
    mutationFn: () =>
      api<{ signed_out: true; sessions: number }>('/api/v1/auth/sign-out-everywhere', { method: 'POST' }),
    onSettled: () => forgetSession(queryClient),
  }
}
