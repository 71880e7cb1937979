import type { BudgetView } from '@contracts/console-answers.ts'
import { type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
import { parseOptionalInteger } from '../../format/numbers.ts'

export interface ApiKey {
  id: string
  name: string
  prefix: string
  created_at: string
  last_used_at: string | null
  expires_at: string | null
  revoked_at: string | null
  lanes: string[] | null
  models: string[] | null
  management: boolean
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null }
  /** The key's spend limits and spending per period; null: no spend limit. */
  budget: BudgetView | null
}

export interface CreatedKey extends ApiKey {
  /** The full key: shown once, never again. */
  key: string
}

export interface NewKeyBody {
  name: string
  lanes?: string[]
  models?: string[]
  expires_in_days?: number
  limits?: { rpm?: number; tpm?: number; concurrency?: number }
  management: boolean
}

export const keysKeys = {
  all: ['keys'] as const,
  list: () => ['keys', 'list'] as const,
}

export function keysQuery() {
  return queryOptions({
    queryKey: keysKeys.list(),
    queryFn: ({ signal }) => api<{ object: 'list'; data: ApiKey[] }>('/api/v1/keys', { signal }),
  })
}

export function createKeyMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: NewKeyBody) => api<CreatedKey>('/api/v1/keys', { method: 'POST', body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keysKeys.all })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export function revokeKeyMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) => api<ApiKey>(`/api/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: keysKeys.all })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export const ALL_LANES = ['cheap', 'resale', 'byok'] as const

export interface KeyFormInput {
  name: string
  lanes: readonly string[]
  models: string
  expiresInDays: string
  rpm: string
  tpm: string
  concurrency: string
  management: boolean
}

/** The create-key body from the form, or errors by field name. All lanes checked = no restriction. */
export function buildKeyBody(input: KeyFormInput): { body: NewKeyBody } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {}
  const name = input.name.trim()
  if (name === '' || name.length > 100) errors.name = 'Enter a name of 1 to 100 characters.'
  if (input.lanes.length === 0) errors.lanes = 'Pick at least one lane.'
  const models = input.models
    .split(/[\n,]/)
    .map((model) => model.trim())
    .filter(Boolean)
  const days = parseOptionalInteger(input.expiresInDays)
  if (days !== undefined && (Number.isNaN(days) || days < 1 || days > 3650))
    errors.expires_in_days = 'Enter a whole number of days from 1 to 3650, or leave it empty.'
  const limits: NonNullable<NewKeyBody['limits']> = {}
  for (const field of ['rpm', 'tpm', 'concurrency'] as const) {
    const value = parseOptionalInteger(input[field])
    if (value === undefined) continue
    if (Number.isNaN(value) || value < 1) errors[field] = 'Enter a whole number above 0, or leave it empty.'
    else limits[field] = value
  }
  if (Object.keys(errors).length > 0) return { errors }
  const body: NewKeyBody = { name, management: input.management }
  if (input.lanes.length < ALL_LANES.length) body.lanes = [...input.lanes]
  if (models.length > 0) body.models = models
  if (days !== undefined) body.expires_in_days = days
  if (Object.keys(limits).length > 0) body.limits = limits
  return { body }
}
