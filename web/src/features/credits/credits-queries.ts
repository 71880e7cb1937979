import { infiniteQueryOptions, type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'

export interface CreditsAnswer {
  object: 'credits'
  currency: 'USD'
  balance: string
  held: string
  available: string
}

export interface LedgerEntry {
  id: string
  kind: string
  amount: string
  balance_after: string
  reason: string | null
  actor: string | null
  idempotency_key: string | null
  request_id: string | null
  created_at: string
}

export interface LedgerPage {
  object: 'list'
  data: LedgerEntry[]
  has_more: boolean
}

export interface RedeemAnswer {
  redeemed: true
  replayed: boolean
  entry: LedgerEntry
  balance: string
}

export const LEDGER_PAGE = 50

export const creditsKeys = {
  all: ['credits'] as const,
  balance: () => ['credits', 'balance'] as const,
  ledger: () => ['credits', 'ledger'] as const,
}

export function creditsQuery() {
  return queryOptions({
    queryKey: creditsKeys.balance(),
    queryFn: ({ signal }) => api<CreditsAnswer>('/api/v1/credits', { signal }),
  })
}

export function ledgerQuery() {
  return infiniteQueryOptions({
    queryKey: creditsKeys.ledger(),
    queryFn: ({ pageParam, signal }) =>
      api<LedgerPage>('/api/v1/ledger', { query: { limit: LEDGER_PAGE, before: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  })
}

/** Credit codes look like OKC-XXXX-XXXX-XXXX-XXXX; typed lower case or with spaces is forgiven. */
export function normaliseCode(text: string): string {
  return text.trim().toUpperCase().replace(/\s+/g, '')
}

export const CODE_PATTERN = /^OKC(-[A-Z0-9]{4}){4}$/

export function redeemMutation(queryClient: QueryClient) {
  return {
    mutationFn: (code: string) =>
      api<RedeemAnswer>('/api/v1/credits/redeem', { method: 'POST', body: { code } }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: creditsKeys.all })
      void queryClient.invalidateQueries({ queryKey: ['overview'] })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}
