import type { SessionAnswer } from '@contracts/console-api.ts'
import { type Action, can } from '@contracts/permissions.ts'
import { useQuery } from '@tanstack/react-query'
import { sessionQuery } from './session-queries.ts'

/** The session inside the signed-in layout (the route guard loaded it). */
export function useSession(): SessionAnswer {
  const { data } = useQuery(sessionQuery())
  if (!data) throw new Error('useSession outside the signed-in layout')
  return data
}

/** Whether the current member may take `action` in the current workspace. */
export function useCan(action: Action): boolean {
  const { data } = useQuery(sessionQuery())
  const role = data?.workspace?.role
  return role !== undefined && can(role, action)
}
