/**
 * The alert service: where alerts are raised ({@link AlertSink}), what turns settlement batches
 * into alerts ({@link SpendObserver}), the workspace's alert settings and webhooks, and the
 * delivery worker. Raising never waits for delivery and never throws: the event and one delivery
 * per target are recorded (once per dedupe key, across instances), and the worker sends them.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { AlertsConfig } from '../config/config.ts'
import type { AlertEvent, AlertKind, AlertSink, SpendObservation } from '../contracts/alert-events.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type {
  AlertDeliveryRecord,
  AlertSettingsRecord,
  AlertWebhookRecord,
  DeliveryLogRecord,
} from '../storage/alert-records.ts'
import type { Store } from '../storage/store.ts'
import { type AlertMailer, createDeliveryWorker } from './alert-deliveries.ts'
import { spendAlerts } from './spend-alerts.ts'
import { newWebhookSecret } from './webhook-signature.ts'
import { checkWebhookUrl } from './webhook-target.ts'

export type { AlertMailer } from './alert-deliveries.ts'

/** Who is emailed: members with these roles whose address is verified. */
export const EMAIL_ROLES = ['owner', 'admin', 'billing'] as const
/** Webhooks one workspace may register (each alert fans out to all of them). */
export const MAX_WEBHOOKS = 10
/** The kind of a test delivery (`POST /api/v1/alerts/webhooks/{id}/test`); not an {@link AlertKind}. */
export const TEST_KIND = 'alert.test'

export interface AlertSettings {
  balanceBelowNano: number | null
  email: boolean
}

const DEFAULT_SETTINGS: AlertSettings = { balanceBelowNano: null, email: true }

export interface AlertServiceOptions {
  store: Pick<Store, 'alerts'>
  mailer: AlertMailer
  logger: Logger
  config: AlertsConfig
  /** The brand in email subjects. */
  siteName: string
  now?: () => Date
  /** How long a workspace's balance threshold is reused for spend observations (default 5 s). */
  settingsCacheMs?: number
}

export interface AlertService extends AlertSink {
  /** Records `event` once per dedupe key and queues its deliveries; returns at once. */
  raise(event: AlertEvent): void
  /** Turns a settlement batch into alerts (balance low, budget 80 % / 100 %); returns at once. */
  observeSpend(observation: SpendObservation): void
  settings(workspaceId: string): Promise<AlertSettings>
  updateSettings(workspaceId: string, settings: AlertSettings): Promise<AlertSettings>
  webhooks(workspaceId: string): Promise<AlertWebhookRecord[]>
  /** Registers a webhook (its URL checked against the target rules); the record holds the secret. */
  createWebhook(
    workspaceId: string,
    url: string,
    events: readonly AlertKind[] | null,
  ): Promise<AlertWebhookRecord>
  /** @throws GatewayError `not_found` for an unknown ID or another workspace's */
  deleteWebhook(workspaceId: string, id: string): Promise<AlertWebhookRecord>
  /** Queues a test alert to that webhook only; returns the event's ID. @throws GatewayError `not_found` */
  testWebhook(workspaceId: string, id: string): Promise<string>
  deliveries(
    workspaceId: string,
    page: { limit: number; before?: string | undefined },
  ): Promise<DeliveryLogRecord[]>
  /** Starts the delivery worker's polling (once the gateway is up). */
  start(): void
  /** Stops the worker and waits for alerts being recorded and sends in flight. */
  close(): Promise<void>
}

/** A workspace's balance threshold, read once for a few seconds. */
interface CachedThreshold {
  untilMs: number
  value: Promise<number | null>
  /** Set once the read finished: `threshold` is then the value. */
  known: boolean
  threshold: number | null
}

/** What the management API uses of the service (settings, webhooks, the delivery log). */
export type AlertManagement = Pick<
  AlertService,
  | 'settings'
  | 'updateSettings'
  | 'webhooks'
  | 'createWebhook'
  | 'deleteWebhook'
  | 'testWebhook'
  | 'deliveries'
>

/** An ID that sorts by creation time (newest-first paging by ID), e.g. `dl_…`. */
function newTimeOrderedId(prefix: string, nowMs: number): string {
  return `${prefix}_${nowMs.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`
}

function webhookNotFound(): GatewayError {
  return new GatewayError('not_found', 'No webhook with that ID in this workspace.', { param: 'id' })
}

export function createAlertService(options: AlertServiceOptions): AlertService {
  const { logger, config } = options
  const alerts = options.store.alerts
  const now = options.now ?? (() => new Date())
  const settingsCacheMs = options.settingsCacheMs ?? 5_000
  const worker = createDeliveryWorker({
    alerts,
    mailer: options.mailer,
    logger,
    config,
    siteName: options.siteName,
    now,
  })
  /** Work started by raise/observeSpend, awaited by close(). */
  const pending = new Set<Promise<unknown>>()
  /** Workspace → its balance threshold, briefly (one query per workspace every few seconds at most). */
  const thresholds = new Map<string, CachedThreshold>()
  let closed = false

  function track(work: Promise<unknown>): void {
    const tracked = work
      .catch((error: unknown) => logger.error('recording an alert failed', describeError(error)))
      .finally(() => pending.delete(tracked))
    pending.add(tracked)
  }

  async function settingsOf(workspaceId: string): Promise<AlertSettings> {
    const stored = await alerts.settings(workspaceId)
    return stored === undefined
      ? DEFAULT_SETTINGS
      : { balanceBelowNano: stored.balanceBelowNano, email: stored.email }
  }

  function thresholdOf(workspaceId: string): Promise<number | null> {
    const nowMs = Date.now()
    const cached = thresholds.get(workspaceId)
    if (cached !== undefined && cached.untilMs > nowMs) return cached.value
    if (thresholds.size >= 10_000) thresholds.clear()
    const entry: CachedThreshold = {
      untilMs: nowMs + settingsCacheMs,
      value: Promise.resolve(null),
      known: false,
      threshold: null,
    }
    entry.value = settingsOf(workspaceId).then(
      (settings) => {
        entry.known = true
        entry.threshold = settings.balanceBelowNano
        return settings.balanceBelowNano
      },
      (error: unknown) => {
        // A failed read is not cached.
        if (thresholds.get(workspaceId) === entry) thresholds.delete(workspaceId)
        throw error
      },
    )
    thresholds.set(workspaceId, entry)
    return entry.value
  }

  function delivery(
    eventId: string,
    workspaceId: string,
    at: string,
    index: number,
    target: { channel: 'webhook'; webhook: AlertWebhookRecord } | { channel: 'email'; email: string },
  ): AlertDeliveryRecord {
    return {
      id: `${newTimeOrderedId('dl', Date.parse(at))}${index.toString(36).padStart(2, '0')}`,
      eventId,
      workspaceId,
      channel: target.channel,
      webhookId: target.channel === 'webhook' ? target.webhook.id : null,
      target: target.channel === 'webhook' ? target.webhook.url : target.email,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastStatus: null,
      lastError: null,
      deliveredAt: null,
      createdAt: at,
    }
  }

  /** Records the event and its deliveries if its key is new; the event's ID, or undefined. */
  async function record(
    event: Omit<AlertEvent, 'kind'> & { kind: string },
    only?: AlertWebhookRecord,
  ): Promise<string | undefined> {
    const at = now().toISOString()
    const id = newTimeOrderedId('evt', Date.parse(at))
    const targets: Parameters<typeof delivery>[4][] = []
    if (only !== undefined) targets.push({ channel: 'webhook', webhook: only })
    else {
      const [settings, webhooks] = await Promise.all([
        settingsOf(event.workspaceId),
        alerts.listWebhooks(event.workspaceId),
      ])
      for (const webhook of webhooks) {
        if (!webhook.disabled && (webhook.events === null || webhook.events.includes(event.kind)))
          targets.push({ channel: 'webhook', webhook })
      }
      if (settings.email) {
        for (const email of await alerts.recipients(event.workspaceId, EMAIL_ROLES))
          targets.push({ channel: 'email', email })
      }
    }
    const recorded = await alerts.recordEvent(
      {
        id,
        workspaceId: event.workspaceId,
        kind: event.kind,
        dedupeKey: event.dedupeKey,
        summary: event.summary.slice(0, 500),
        data: JSON.stringify(event.data),
        createdAt: at,
      },
      targets.map((target, index) => delivery(id, event.workspaceId, at, index, target)),
    )
    if (!recorded) return undefined
    logger.info('alert raised', {
      workspace_id: event.workspaceId,
      kind: event.kind,
      event: id,
      deliveries: targets.length,
    })
    if (targets.length > 0) worker.kick()
    return id
  }

  async function recordAll(events: readonly AlertEvent[]): Promise<void> {
    for (const event of events) await record(event)
  }

  return {
    raise(event) {
      if (closed) return
      track(record(event))
    },

    observeSpend(observation) {
      if (closed) return
      try {
        const workspaceId = observation.workspaceId
        // Most batches cross nothing: with the threshold known (or not needed) that is decided
        // here, without a query or a promise.
        const wentDown = observation.balanceBeforeNano > observation.balanceAfterNano
        const cached = thresholds.get(workspaceId)
        if (!wentDown || (cached?.known === true && cached.untilMs > Date.now())) {
          const events = spendAlerts(observation, wentDown ? cached!.threshold : null)
          if (events.length > 0) track(recordAll(events))
          return
        }
        track(thresholdOf(workspaceId).then((threshold) => recordAll(spendAlerts(observation, threshold))))
      } catch (error) {
        logger.error('observing spend for alerts failed', describeError(error))
      }
    },

    settings: settingsOf,

    async updateSettings(workspaceId, settings) {
      const record: AlertSettingsRecord = {
        workspaceId,
        balanceBelowNano: settings.balanceBelowNano,
        email: settings.email,
        updatedAt: now().toISOString(),
      }
      await alerts.putSettings(record)
      thresholds.delete(workspaceId)
      return { balanceBelowNano: record.balanceBelowNano, email: record.email }
    },

    webhooks: (workspaceId) => alerts.listWebhooks(workspaceId),

    async createWebhook(workspaceId, url, events) {
      if ((await alerts.listWebhooks(workspaceId)).length >= MAX_WEBHOOKS)
        throw new GatewayError(
          'invalid_request',
          `A workspace may register at most ${MAX_WEBHOOKS} webhooks; delete one first.`,
        )
      const checked = await checkWebhookUrl(url, config.allowPrivateWebhookTargets)
      const at = now()
      const webhook: AlertWebhookRecord = {
        id: newTimeOrderedId('wh', at.getTime()),
        workspaceId,
        url: checked.toString(),
        secret: newWebhookSecret(),
        events: events === null ? null : [...new Set(events)],
        createdAt: at.toISOString(),
        disabled: false,
      }
      await alerts.createWebhook(webhook)
      return webhook
    },

    async deleteWebhook(workspaceId, id) {
      const webhook = await alerts.findWebhook(workspaceId, id)
      if (webhook === undefined || !(await alerts.deleteWebhook(workspaceId, id))) throw webhookNotFound()
      return webhook
    },

    async testWebhook(workspaceId, id) {
      const webhook = await alerts.findWebhook(workspaceId, id)
      if (webhook === undefined) throw webhookNotFound()
      const at = now().toISOString()
      const eventId = await record(
        {
          workspaceId,
          kind: TEST_KIND,
          dedupeKey: `${TEST_KIND}:${id}:${randomBytes(8).toString('hex')}`,
          summary: `Test alert from ${options.siteName}: this webhook receives alerts`,
          data: { webhook_id: id },
          at,
        },
        webhook,
      )
      return eventId!
    },

    deliveries: (workspaceId, page) => alerts.listDeliveries(workspaceId, page),

    start: () => worker.start(),

    async close() {
      closed = true
      await Promise.allSettled([...pending])
      await worker.close()
    },
  }
}
