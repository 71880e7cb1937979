import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export interface WorkspaceSettings {
  id: string
  name: string
  created_at: string
  default_lane: 'cheap' | 'resale'
  deny_data_collection: boolean
  prompt_cache: boolean
}

export type SettingsPatch = Partial<
  Pick<WorkspaceSettings, 'default_lane' | 'deny_data_collection' | 'prompt_cache'>
>

export const settingsKeys = { all: ['workspace'] as const }

export function settingsQuery() {
  return queryOptions({
    queryKey: settingsKeys.all,
    queryFn: ({ signal }) => api<WorkspaceSettings>('/api/v1/workspace', { signal }),
  })
}

export function updateSettingsMutation(queryClient: QueryClient) {
  return {
    mutationFn: (patch: SettingsPatch) =>
      api<WorkspaceSettings>('/api/v1/workspace', { method: 'PATCH', body: patch }),
    onSuccess: (saved: WorkspaceSettings) => {
      queryClient.setQueryData(settingsKeys.all, saved)
      void queryClient.invalidateQueries({ queryKey: ['models'] })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

/** Only the fields that changed, so a PATCH never overwrites someone else's edit of another field. */
export function changedSettings(saved: WorkspaceSettings, next: Required<SettingsPatch>): SettingsPatch {
  const patch: SettingsPatch = {}
  if (next.default_lane !== saved.default_lane) patch.default_lane = next.default_lane
  if (next.deny_data_collection !== saved.deny_data_collection)
    patch.deny_data_collection = next.deny_data_collection
  if (next.prompt_cache !== saved.prompt_cache) patch.prompt_cache = next.prompt_cache
  return patch
}
