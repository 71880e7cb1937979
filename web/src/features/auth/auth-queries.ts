/**
 * Signed-out flows: sign-in, sign-up, email verification, password reset and invites. Each
 * answer that opens a session goes through `applySession` (CSRF token + cached session).
 *
 * @module
 */
import type { SessionAnswer, SignInBody, SignUpBody } from '@contracts/console-api.ts'
import type { QueryClient } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
import { applySession } from '../../session/session-queries.ts'

/** These forms answer 401 for a wrong password: the form shows it, no global sign-out. */
const authForm = { authForm: true }

export function signInMutation(queryClient: QueryClient) {
  return {
    meta: authForm,
    mutationFn: (body: SignInBody) => api<SessionAnswer>('/api/v1/auth/sign-in', { method: 'POST', body }),
    onSuccess: (session: SessionAnswer) => applySession(queryClient, session),
  }
}

export function signUpMutation(queryClient: QueryClient) {
  return {
    meta: authForm,
    mutationFn: (body: SignUpBody) => api<SessionAnswer>('/api/v1/auth/sign-up', { method: 'POST', body }),
    onSuccess: (session: SessionAnswer) => applySession(queryClient, session),
  }
}

export function acceptInviteMutation(queryClient: QueryClient) {
  return {
    mutationFn: (token: string) =>
      api<SessionAnswer>('/api/v1/auth/accept-invite', { method: 'POST', body: { token } }),
    onSuccess: (session: SessionAnswer) => applySession(queryClient, session),
  }
}

export function verifyEmailMutation(queryClient: QueryClient) {
  return {
    meta: authForm,
    mutationFn: (token: string) =>
      api<{ verified: true }>('/api/v1/auth/verify-email', { method: 'POST', body: { token } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['session'] }),
  }
}

export function requestResetMutation() {
  return {
    meta: authForm,
    mutationFn: (email: string) =>
      api<{ sent: true }>('/api/v1/auth/password-reset', { method: 'POST', body: { email } }),
  }
}

export function confirmResetMutation() {
  return {
    meta: authForm,
    mutationFn: (body: { token: string; password: string }) =>
      api<{ reset: true }>('/api/v1/auth/password-reset/confirm', { method: 'POST', body }),
  }
}
