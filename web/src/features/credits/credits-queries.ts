import type { AutoTopUpAnswer } from '@contracts/console-answers.ts'
import { infiniteQueryOptions, type QueryClient, queryOptions } from '@tanstack/react-query'
import { api } from '../../api/api-client.ts'
import { isWebUrl, type PurchaseStatus } from './credits-checkout.ts'

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

/** `GET /api/v1/credits/checkout-preview[?amount=]`: limits and fees; fee and total for an amount. */
export interface CheckoutPreview {
  object: 'checkout_preview'
  /** False when card payments are off on this deployment. */
  enabled: boolean
  currency: 'usd'
  minimum: string
  maximum: string
  fee_fixed: string
  fee_percent: string
  amount: string | null
  fee: string | null
  total: string | null
}

/** `POST /api/v1/credits/checkout`: the Stripe hosted page to go to. */
export interface CheckoutAnswer {
  object: 'checkout'
  purchase_id: string
  url: string
  amount: string
  fee: string
  total: string
  currency: 'usd'
}

export interface Purchase {
  id: string
  created_at: string
  paid_at: string | null
  amount: string
  fee: string
  total: string
  currency: 'usd'
  status: PurchaseStatus
  /** Credit taken back by refunds ("0" when none). */
  refunded: string
  disputed: boolean
  receipt_url: string | null
}

export interface PurchasePage {
  object: 'list'
  data: Purchase[]
  has_more: boolean
}

export type AutoTopUp = AutoTopUpAnswer

export interface AutoTopUpBody {
  enabled: boolean
  /** USD with two decimals. */
  threshold: string
  amount: string
}

export const LEDGER_PAGE = 50
export const PURCHASES_PAGE = 20

export const creditsKeys = {
  all: ['credits'] as const,
  balance: () => ['credits', 'balance'] as const,
  ledger: () => ['credits', 'ledger'] as const,
  preview: (amount: string | null) => ['credits', 'checkout-preview', amount] as const,
  purchases: () => ['credits', 'purchases'] as const,
  autoTopUp: () => ['credits', 'auto-top-up'] as const,
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

/** Limits and fees (`amount` null), or the fee and total the API works out for `amount`. */
export function checkoutPreviewQuery(amount: string | null) {
  return queryOptions({
    queryKey: creditsKeys.preview(amount),
    queryFn: ({ signal }) =>
      api<CheckoutPreview>('/api/v1/credits/checkout-preview', {
        query: amount === null ? undefined : { amount },
        signal,
      }),
    staleTime: 60_000,
  })
}

export function purchasesQuery() {
  return infiniteQueryOptions({
    queryKey: creditsKeys.purchases(),
    queryFn: ({ pageParam, signal }) =>
      api<PurchasePage>('/api/v1/credits/purchases', {
        query: { limit: PURCHASES_PAGE, before: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  })
}

/**
 * Starts a card checkout (`amount` with two decimals; `saveCard` keeps the card for auto top-up);
 * the caller then leaves for `url`.
 */
export function checkoutMutation() {
  return {
    mutationFn: async ({ amount, saveCard }: { amount: string; saveCard: boolean }) => {
      const answer = await api<CheckoutAnswer>('/api/v1/credits/checkout', {
        method: 'POST',
        body: saveCard ? { amount, save_card: true } : { amount },
      })
      if (!isWebUrl(answer.url))
        throw new Error('The server sent a payment page address that is not a web page.')
      return answer
    },
  }
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

export function autoTopUpQuery() {
  return queryOptions({
    queryKey: creditsKeys.autoTopUp(),
    queryFn: ({ signal }) => api<AutoTopUp>('/api/v1/credits/auto-top-up', { signal }),
  })
}

export function updateAutoTopUpMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: AutoTopUpBody) =>
      api<AutoTopUp>('/api/v1/credits/auto-top-up', { method: 'PUT', body }),
    onSuccess: (saved: AutoTopUp) => {
      queryClient.setQueryData(creditsKeys.autoTopUp(), saved)
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

/** Forgets the saved card (auto top-up switches off with it). */
export function forgetCardMutation(queryClient: QueryClient) {
  return {
    mutationFn: () => api<AutoTopUp>('/api/v1/credits/auto-top-up/card', { method: 'DELETE' }),
    onSuccess: (saved: AutoTopUp) => {
      queryClient.setQueryData(creditsKeys.autoTopUp(), saved)
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}
