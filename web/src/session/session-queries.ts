/**
 * The current user: `GET /api/v1/auth/session` is the session query (null when signed out). Every
 * answer that carries a session (sign-in, sign-up, switch, accept-invite, new workspace) stores
 * its CSRF token and replaces the cached session; a change of workspace drops every other query.
 *
 * @module
 */
import type { SessionAnswer } from '@contracts/console-api.ts'
import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { ApiError, api, setCsrfToken } from '../api/api-client.ts'

export const sessionKeys = {
  all: ['session'] as const,
  sessions: () => ['session', 'list'] as const,
}

/** The signed-in session, or null when signed out (401). */
export function sessionQuery() {
  return queryOptions({
    queryKey: sessionKeys.all,
    queryFn: async ({ signal }): Promise<SessionAnswer | null> => {
      try {
        const session = await api<SessionAnswer>('/api/v1/auth/session', { signal })
        setCsrfToken(session.csrf_token)
        return session
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null)
          return null
        }
        throw error
      }
    },
    staleTime: 60_000,
  })
}

/** Stores a new session answer; when the workspace changed, cached workspace data is dropped. */
export function applySession(queryClient: QueryClient, session: SessionAnswer): void {
  setCsrfToken(session.csrf_token)
  const previous = queryClient.getQueryData<SessionAnswer | null>(sessionKeys.all)
  if (previous?.workspace?.id !== session.workspace?.id || previous?.user.id !== session.user.id) {
    queryClient.clear()
  }
  queryClient.setQueryData(sessionKeys.all, session)
}

/** Forgets the session after sign-out or a 401. */
export function forgetSession(queryClient: QueryClient): void {
  setCsrfToken(null)
  queryClient.clear()
  queryClient.setQueryData(sessionKeys.all, null)
}

export function switchWorkspaceMutation(queryClient: QueryClient) {
  return {
    mutationFn: (workspaceId: string) =>
      api<SessionAnswer>('/api/v1/auth/switch-workspace', {
        method: 'POST',
        body: { workspace_id: workspaceId },
      }),
    onSuccess: (session: SessionAnswer) => applySession(queryClient, session),
  }
}

export function createWorkspaceMutation(queryClient: QueryClient) {
  return {
    mutationFn: (name: string) =>
      api<SessionAnswer>('/api/v1/workspaces', { method: 'POST', body: { name } }),
    onSuccess: (session: SessionAnswer) => applySession(queryClient, session),
  }
}

export function signOutMutation(queryClient: QueryClient) {
  return {
    mutationFn: () => api<{ signed_out: true }>('/api/v1/auth/sign-out', { method: 'POST' }),
    onSettled: () => forgetSession(queryClient),
  }
}

export function resendVerificationMutation() {
  return {
    mutationFn: () => api<{ sent: true }>('/api/v1/auth/resend-verification', { method: 'POST' }),
  }
}
