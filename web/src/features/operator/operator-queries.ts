/**
 * The operator's API (`/api/v1/admin/…`): answer types, the query key factory, queries and
 * mutation options. Amounts stay exact decimal strings from the server to the screen.
 *
 * @module
 */
import { infiniteQueryOptions, type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export interface OperatorWorkspace {
  object: 'workspace'
  id: string
  name: string
  created_at: string
  /** null: the default tier. */
  tier: string | null
  suspended: boolean
  balance: string
  held: string
  available: string
  spend_30d: string
}

export interface OperatorWorkspaceList {
  object: 'list'
  tiers: string[]
  default_tier: string
  data: OperatorWorkspace[]
}

export interface LedgerEntryAnswer {
  id: string
  kind: string
  amount: string
  balance_after: string
  reason: string | null
  created_at: string
}

export interface TopUpBody {
  workspace: string
  amount: string
  idempotency_key: string
  kind: 'purchase' | 'adjustment'
  reason: string
}

export interface TopUpAnswer {
  workspace: string
  replayed: boolean
  entries: LedgerEntryAnswer[]
  balance: string
}

export interface WorkspaceChange {
  tier?: string | null
  suspended?: boolean
}

export interface CreditCode {
  object: 'credit_code'
  prefix: string
  batch_id: string
  amount: string
  created_at: string
  expires_at: string | null
  /** The workspace ID that redeemed it. */
  redeemed_by: string | null
  redeemed_at: string | null
  revoked_at: string | null
}

export interface CreditCodePage {
  object: 'list'
  data: CreditCode[]
  has_more: boolean
  next_before: string | null
}

export interface NewCodesBody {
  amount: string
  count: number
  expires_in_days?: number
  note?: string
}

export interface CodeBatch {
  object: 'credit_code_batch'
  batch_id: string
  amount: string
  count: number
  created_at: string
  expires_at: string | null
  note: string | null
  /** Every code in full: shown once, never again. */
  codes: string[]
}

export interface ProviderAccount {
  object: 'provider_account'
  provider: string
  kind: string
  account: string
  trust: string
  weight: number
  lanes: string[]
  offers: number
  circuit: {
    state: 'closed' | 'open' | 'half_open'
    open_until: string | null
    consecutive_failures: number
    available: boolean
  }
  stats: {
    samples: number
    /** 0…1, recent attempts weighted most; null before any attempt. */
    error_rate: number | null
    latency_ms: number | null
    tokens_per_second: number | null
  }
}

export interface LaneUsage {
  requests: number
  charged: string
}

export interface RevenueDay {
  purchases: string
  purchase_fees: string
  redemptions: string
  refunds: string
  adjustments: string
  expired: string
  usage: string
  usage_by_lane: Record<string, LaneUsage>
}

export interface RevenueAnswer {
  object: 'revenue'
  currency: 'USD'
  days: number
  since: string
  totals: RevenueDay
  data: (RevenueDay & { day: string })[]
}

export const CODES_PAGE = 50
export const REVENUE_PERIODS = [7, 30, 90, 365] as const

export const operatorKeys = {
  all: ['operator'] as const,
  workspaces: () => ['operator', 'workspaces'] as const,
  workspaceList: (search: string) => ['operator', 'workspaces', search] as const,
  codes: () => ['operator', 'codes'] as const,
  providers: () => ['operator', 'providers'] as const,
  revenue: (days: number) => ['operator', 'revenue', days] as const,
}

export function operatorWorkspacesQuery(search: string) {
  return queryOptions({
    queryKey: operatorKeys.workspaceList(search),
    queryFn: ({ signal }) =>
      api<OperatorWorkspaceList>('/api/v1/admin/workspaces', { query: { search }, signal }),
    // Typing in the search box keeps the previous rows on screen until the new ones arrive.
    placeholderData: (previous) => previous,
  })
}

export function creditCodesQuery() {
  return infiniteQueryOptions({
    queryKey: operatorKeys.codes(),
    queryFn: ({ pageParam, signal }) =>
      api<CreditCodePage>('/api/v1/admin/credit-codes', {
        query: { limit: CODES_PAGE, before: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  })
}

export function providersQuery() {
  return queryOptions({
    queryKey: operatorKeys.providers(),
    queryFn: ({ signal }) =>
      api<{ object: 'list'; data: ProviderAccount[] }>('/api/v1/admin/providers', { signal }),
    // Circuits open and close within seconds: keep the table current while it is on screen.
    refetchInterval: 10_000,
  })
}

export function revenueQuery(days: number) {
  return queryOptions({
    queryKey: operatorKeys.revenue(days),
    queryFn: ({ signal }) => api<RevenueAnswer>('/api/v1/admin/revenue', { query: { days }, signal }),
    placeholderData: (previous) => previous,
  })
}

/** Money moved: balances, spend and revenue change. */
function invalidateMoney(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: operatorKeys.workspaces() })
  void queryClient.invalidateQueries({ queryKey: ['operator', 'revenue'] })
}

export function topUpMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: TopUpBody) => api<TopUpAnswer>('/api/v1/admin/credits', { method: 'POST', body }),
    onSuccess: () => invalidateMoney(queryClient),
  }
}

export function updateWorkspaceMutation(queryClient: QueryClient) {
  return {
    mutationFn: ({ workspace, change }: { workspace: string; change: WorkspaceChange }) =>
      api<OperatorWorkspace>(`/api/v1/admin/workspaces/${encodeURIComponent(workspace)}`, {
        method: 'PATCH',
        body: change,
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: operatorKeys.workspaces() }),
  }
}

export function createCodesMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: NewCodesBody) =>
      api<CodeBatch>('/api/v1/admin/credit-codes', { method: 'POST', body }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: operatorKeys.codes() }),
  }
}

export function revokeCodeMutation(queryClient: QueryClient) {
  return {
    mutationFn: (prefix: string) =>
      api<CreditCode & { revoked: true }>(`/api/v1/admin/credit-codes/${encodeURIComponent(prefix)}`, {
        method: 'DELETE',
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: operatorKeys.codes() }),
  }
}
