/**
 * Alerts: the records and the repository interface (implemented in alert-repository.ts). No
 * import of store.ts, so the Store can name it without a circle.
 *
 * @module
 */

export interface AlertSettingsRecord {
  workspaceId: string
  /** Alert when the balance falls below this (nano-USD); null: never. */
  balanceBelowNano: number | null
  /** Email the owner, admins and billing members. */
  email: boolean
  updatedAt: string
}

export interface AlertWebhookRecord {
  id: string
  workspaceId: string
  url: string
  secret: string
  /** The alert kinds it receives; null: every kind. */
  events: string[] | null
  createdAt: string
  disabled: boolean
}

export interface AlertEventRecord {
  id: string
  workspaceId: string
  kind: string
  /** Unique: an event whose key was already recorded is dropped. */
  dedupeKey: string
  summary: string
  /** The event's facts as a JSON object. */
  data: string
  createdAt: string
}

export type DeliveryChannel = 'webhook' | 'email'
export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface AlertDeliveryRecord {
  id: string
  eventId: string
  workspaceId: string
  channel: DeliveryChannel
  /** The webhook it goes to (null for an email). */
  webhookId: string | null
  /** The webhook's URL or the email address. */
  target: string
  status: DeliveryStatus
  attempts: number
  nextAttemptAt: string | null
  /** The receiver's last HTTP status (webhooks). */
  lastStatus: number | null
  /** Why the last attempt failed, short and free of secrets. */
  lastError: string | null
  deliveredAt: string | null
  createdAt: string
}

/** A delivery in the log, with what it delivers. */
export interface DeliveryLogRecord extends AlertDeliveryRecord {
  kind: string
  summary: string
}

/** A delivery a worker claimed, with its event and (webhooks) the signing secret. */
export interface ClaimedDelivery extends AlertDeliveryRecord {
  event: AlertEventRecord
  /** The webhook's secret; null when it was deleted or disabled since. */
  secret: string | null
  /** The claim's end: finishing it checks the claim is still ours. */
  claimedUntil: string
}

/** What one attempt did. */
export type DeliveryOutcome =
  | { status: 'delivered'; at: string; lastStatus: number | null }
  | {
      status: 'pending' | 'failed'
      lastStatus: number | null
      lastError: string
      /** When to try again (pending). */
      nextAttemptAt: string | null
    }

export interface AlertRepository {
  settings(workspaceId: string): Promise<AlertSettingsRecord | undefined>
  putSettings(record: AlertSettingsRecord): Promise<void>
  createWebhook(record: AlertWebhookRecord): Promise<void>
  listWebhooks(workspaceId: string): Promise<AlertWebhookRecord[]>
  /** Only the workspace's own: another workspace's ID is not found. */
  findWebhook(workspaceId: string, id: string): Promise<AlertWebhookRecord | undefined>
  deleteWebhook(workspaceId: string, id: string): Promise<boolean>
  /** Emails of the workspace's members with one of `roles` whose address is verified. */
  recipients(workspaceId: string, roles: readonly string[]): Promise<string[]>
  /**
   * Records an event and its deliveries in one transaction if its dedupe key is new; returns
   * false (and writes nothing) when the key was recorded before, by this or any instance.
   */
  recordEvent(event: AlertEventRecord, deliveries: readonly AlertDeliveryRecord[]): Promise<boolean>
  /**
   * Claims up to `limit` due deliveries (pending, next attempt reached, unclaimed or claim run
   * out) until `claimUntil`, counting the attempt. Each claim is a conditional update: a delivery
   * is claimed by one worker, whatever the number of instances.
   */
  claimDue(now: string, claimUntil: string, limit: number): Promise<ClaimedDelivery[]>
  /** Records an attempt's outcome, if the claim is still the worker's. */
  finish(id: string, claimedUntil: string, outcome: DeliveryOutcome): Promise<boolean>
  /** Newest first; `before` is a delivery ID to page from. */
  listDeliveries(
    workspaceId: string,
    options: { limit: number; before?: string | undefined },
  ): Promise<DeliveryLogRecord[]>
}
