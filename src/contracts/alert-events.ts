/**
 * What the money code tells the alerts (src/alerts/) and auto top-up: spend observations after
 * each committed settlement batch, and alert events raised where they happen (a refund, a
 * rejected BYOK key, a failed auto top-up). Here, low in the layers, so billing, payments and
 * the gateway can raise alerts without importing the alert service.
 *
 * @module
 */

/** A spend limit's period: all time, or the UTC day, ISO week (from Monday) or month. */
export type BudgetPeriod = 'total' | 'day' | 'week' | 'month'

/** One budget's counter across one committed settlement batch. */
export interface BudgetObservation {
  /** `key` for an API key's limit (scopeId is the key's ID), `workspace` for the workspace's. */
  scope: 'key' | 'workspace'
  scopeId: string
  period: BudgetPeriod
  limitNano: number
  /** Spent in the current period before and after the batch. */
  spentBeforeNano: number
  spentAfterNano: number
  /** When the current period began (ISO), `1970-01-01T00:00:00.000Z` for `total`. */
  periodStart: string
}

/**
 * What one committed settlement batch did to a workspace: its balance before and after, and
 * every budget counter the batch moved. Delivered after the commit, off the request path, once
 * per batch (a batch that failed is never observed).
 */
export interface SpendObservation {
  workspaceId: string
  balanceBeforeNano: number
  balanceAfterNano: number
  /** What open holds reserve after the batch. */
  heldAfterNano: number
  budgets: readonly BudgetObservation[]
  /** The batch's usage entry (unique per batch and workspace): a key for exactly-once alerts. */
  entryId: string
  at: string
}

export type AlertKind =
  | 'balance.low'
  | 'budget.threshold'
  | 'auto_top_up.failed'
  | 'byok.rejected'
  | 'payment.refunded'
  | 'payment.disputed'

/** Every {@link AlertKind}, for schemas (a webhook subscribes to some of them). */
export const ALERT_KINDS = [
  'balance.low',
  'budget.threshold',
  'auto_top_up.failed',
  'byok.rejected',
  'payment.refunded',
  'payment.disputed',
] as const satisfies readonly AlertKind[]
/** Fails to compile when a kind is missing from {@link ALERT_KINDS}. */
export const ALERT_KINDS_COMPLETE: Exclude<AlertKind, (typeof ALERT_KINDS)[number]> extends never
  ? true
  : never = true

/**
 * One alert to deliver. `dedupeKey` names the event and threshold crossing: an alert whose key
 * was already raised is dropped, so every crossing alerts once however many instances, retries
 * or replays see it.
 */
export interface AlertEvent {
  workspaceId: string
  kind: AlertKind
  dedupeKey: string
  /** One line for humans: the email subject, the webhook's `summary`. */
  summary: string
  /** The event's facts (USD as decimal strings, IDs, ISO times), the webhook's `data`. */
  data: Readonly<Record<string, string | number | boolean | null>>
  at: string
}

/** Where alerts are raised; never throws and never waits for delivery. */
export interface AlertSink {
  raise(event: AlertEvent): void
}

/** Receives spend observations; never throws and never blocks a settlement. */
export type SpendObserver = (observation: SpendObservation) => void
