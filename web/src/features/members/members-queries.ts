import type { InviteSummary, MemberSummary, MembersAnswer } from '@contracts/console-api.ts'
import type { Role } from '@contracts/permissions.ts'
import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export type AssignableRole = Exclude<Role, 'owner'>
export const ASSIGNABLE_ROLES: readonly AssignableRole[] = ['admin', 'developer', 'billing', 'viewer']

export const membersKeys = { all: ['members'] as const }

export function membersQuery() {
  return queryOptions({
    queryKey: membersKeys.all,
    queryFn: ({ signal }) => api<MembersAnswer>('/api/v1/members', { signal }),
  })
}

function invalidate(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: membersKeys.all })
  void queryClient.invalidateQueries({ queryKey: ['audit'] })
}

const member = (userId: string) => `/api/v1/members/${encodeURIComponent(userId)}`

export function inviteMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: { email: string; role: AssignableRole }) =>
      api<InviteSummary>('/api/v1/members/invites', { method: 'POST', body }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function revokeInviteMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) =>
      api<{ id: string; revoked: true }>(`/api/v1/members/invites/${encodeURIComponent(id)}`, {
        method: 'DELETE',
      }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function changeRoleMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ userId, role }: { userId: string; role: AssignableRole }) =>
      api<MemberSummary>(member(userId), { method: 'PATCH', body: { role } }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function removeMemberMutation(queryClient: QueryClient) {
  return {
    mutationFn: (userId: string) =>
      api<{ user_id: string; removed: true }>(member(userId), { method: 'DELETE' }),
    onSuccess: () => invalidate(queryClient),
  }
}

export function transferOwnershipMutation(queryClient: QueryClient) {
  return {
    mutationFn: (userId: string) =>
      api<MembersAnswer>('/api/v1/members/transfer-ownership', { method: 'POST', body: { user_id: userId } }),
    onSuccess: (answer: MembersAnswer) => {
      queryClient.setQueryData(membersKeys.all, answer)
      // Our own role changed: the session carries it.
      void queryClient.invalidateQueries({ queryKey: ['session'] })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}
