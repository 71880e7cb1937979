/**
 * Alerts: the balance threshold and email switch, the workspace's webhooks (the signing secret
 * only in the answer that created one), test sends, and the delivery log (paged by `before`).
 *
 * @module
 */
import type { AlertKind } from '@contracts/alert-events.ts'
import type {
  AlertDeliverySummary,
  AlertWebhookSummary,
  alertSettingsAnswer,
  alertTestAnswer,
  alertWebhookCreatedAnswer,
} from '@contracts/console-answers.ts'
import { infiniteQueryOptions, type QueryClient, queryOptions } from '@tanstack/react-query'
import type { z } from 'zod'
import { api } from '../../api/api-client.ts'
import { parseUsdInput } from '../../format/money.ts'

export type { AlertDeliverySummary, AlertWebhookSummary }
export type AlertSettings = z.infer<typeof alertSettingsAnswer>
export type AlertWebhookCreated = z.infer<typeof alertWebhookCreatedAnswer>
export type AlertTest = z.infer<typeof alertTestAnswer>
export type { AlertKind }

export interface DeliveriesPage {
  object: 'list'
  data: AlertDeliverySummary[]
  has_more: boolean
}

export const DELIVERIES_PAGE = 20
/** While a delivery is pending, the log is read again this often. */
export const DELIVERIES_POLL_MS = 5_000

export const alertKeys = {
  all: ['alerts'] as const,
  settings: () => ['alerts', 'settings'] as const,
  webhooks: () => ['alerts', 'webhooks'] as const,
  deliveries: () => ['alerts', 'deliveries'] as const,
}

export function alertSettingsQuery() {
  return queryOptions({
    queryKey: alertKeys.settings(),
    queryFn: ({ signal }) => api<AlertSettings>('/api/v1/alerts/settings', { signal }),
  })
}

export function webhooksQuery() {
  return queryOptions({
    queryKey: alertKeys.webhooks(),
    queryFn: ({ signal }) =>
      api<{ object: 'list'; data: AlertWebhookSummary[] }>('/api/v1/alerts/webhooks', { signal }),
  })
}

export function deliveriesQuery() {
  return infiniteQueryOptions({
    queryKey: alertKeys.deliveries(),
    queryFn: ({ pageParam, signal }) =>
      api<DeliveriesPage>('/api/v1/alerts/deliveries', {
        query: { limit: DELIVERIES_PAGE, before: pageParam },
        signal,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => (last.has_more ? last.data.at(-1)?.id : undefined),
  })
}

export function updateAlertSettingsMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: { balance_below: string | null; email: boolean }) =>
      api<AlertSettings>('/api/v1/alerts/settings', { method: 'PUT', body }),
    onSuccess: (saved: AlertSettings) => {
      queryClient.setQueryData(alertKeys.settings(), saved)
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export function createWebhookMutation(queryClient: QueryClient) {
  return {
    mutationFn: (body: { url: string; events?: AlertKind[] }) =>
      api<AlertWebhookCreated>('/api/v1/alerts/webhooks', { method: 'POST', body }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: alertKeys.webhooks() })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export function deleteWebhookMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) =>
      api<{ id: string; deleted: true }>(`/api/v1/alerts/webhooks/${encodeURIComponent(id)}`, {
        method: 'DELETE',
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: alertKeys.webhooks() })
      void queryClient.invalidateQueries({ queryKey: alertKeys.deliveries() })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

export function testWebhookMutation(queryClient: QueryClient) {
  return {
    mutationFn: (id: string) =>
      api<AlertTest>(`/api/v1/alerts/webhooks/${encodeURIComponent(id)}/test`, { method: 'POST' }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: alertKeys.deliveries() })
      void queryClient.invalidateQueries({ queryKey: ['audit'] })
    },
  }
}

/** The alert kinds with a line each for the webhook form (a kind missing here fails to compile). */
export const ALERT_KIND_LABEL: Readonly<Record<AlertKind, string>> = {
  'balance.low': 'Balance below the threshold',
  'budget.threshold': 'A key or the workspace at 80 % and 100 % of a spend limit',
  'auto_top_up.failed': 'An automatic top-up failed',
  'byok.rejected': 'A provider refused one of your own (BYOK) keys',
  'payment.refunded': 'A card payment was refunded',
  'payment.disputed': 'A card payment was disputed',
}

/** Every kind a webhook can subscribe to, in the form's order. */
export const ALERT_KINDS = Object.keys(ALERT_KIND_LABEL) as AlertKind[]

export type WebhookInput = { url: string; events: readonly string[] }

/** The create-webhook body from the form (every kind ticked = all, sent without `events`), or errors. */
export function buildWebhookBody(
  input: WebhookInput,
): { body: { url: string; events?: AlertKind[] } } | { errors: Partial<Record<'url' | 'events', string>> } {
  const errors: Partial<Record<'url' | 'events', string>> = {}
  const url = input.url.trim()
  if (!/^https?:\/\/[^\s/]+/i.test(url) || url.length > 2000)
    errors.url = 'Enter a URL like https://example.com/onekey.'
  const events = ALERT_KINDS.filter((kind) => input.events.includes(kind))
  if (events.length === 0) errors.events = 'Pick at least one kind of alert.'
  if (Object.keys(errors).length > 0) return { errors }
  return { body: events.length === ALERT_KINDS.length ? { url } : { url, events } }
}

/** The threshold field: empty switches the balance alert off. */
export function parseThreshold(
  text: string,
): { ok: true; value: string | null } | { ok: false; message: string } {
  const input = parseUsdInput(text)
  if (input.kind === 'invalid')
    return {
      ok: false,
      message: 'Enter an amount in dollars, like 5 or 5.00, or leave it empty for no alert.',
    }
  return { ok: true, value: input.kind === 'ok' ? input.amount : null }
}

/** Whether any delivery on screen is still pending (the log then refreshes itself). */
export function hasPending(pages: readonly DeliveriesPage[] | undefined): boolean {
  return pages?.some((page) => page.data.some((delivery) => delivery.status === 'pending')) ?? false
}
