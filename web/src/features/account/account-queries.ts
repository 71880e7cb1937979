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

export interface TwoFactorSetup {
  /** The base32 secret to type into an authenticator app. */
  secret: string
  /** The otpauth:// URI an authenticator app opens. */
  otpauth_url: string
}

/** Starts two-factor setup: a new secret, not active until `enable` confirms a code. */
export function twoFactorSetupMutation() {
  return {
    mutationFn: () => api<TwoFactorSetup>('/api/v1/auth/two-factor/setup', { method: 'POST' }),
  }
}

/** The session answer's `user.totp_enabled` changed: read it again (waits for the answer). */
export function refreshSession(queryClient: QueryClient) {
  return queryClient.invalidateQueries({ queryKey: sessionKeys.all, exact: true })
}

export function twoFactorEnableMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: { code: string }) =>
      api<{ enabled: true }>('/api/v1/auth/two-factor/enable', { method: 'POST', body }),
    onSuccess: () => refreshSession(queryClient),
  }
}

export function twoFactorDisableMutation(queryClient: QueryClient) {
  return {
    // A wrong password is a 400 on the field; a 401 here means the session ended.
    mutationFn: (body: { password: string }) =>
      api<{ enabled: false }>('/api/v1/auth/two-factor/disable', { method: 'POST', body }),
    onSuccess: () => refreshSession(queryClient),
  }
}
