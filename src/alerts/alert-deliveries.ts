/**
 * The delivery worker: every `poll_interval_ms` (and at once when an alert is raised) it claims
 * the deliveries that are due, a bounded number at a time, and sends each off the request path:
 * a signed webhook POST or an email. A 2xx (or an email the server accepted) is delivered;
 * anything else is tried again with exponential backoff (`retry_base_ms`, doubling, at most an
 * hour, with jitter) until `retry_for_hours` after the alert, and is then marked failed. Every
 * instance runs one; the claims keep them from sending the same delivery twice.
 *
 * @module
 */
import type { AlertsConfig } from '../config/config.ts'
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type { AlertRepository, ClaimedDelivery, DeliveryOutcome } from '../storage/alert-records.ts'
import { postWebhook, WebhookSendError } from './send-webhook.ts'
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts'

/** What alerts need of a mailer (the console's, from accounts/, is passed in). */
export interface AlertMailer {
  /** Resolves once the server accepted the message. */
  send(message: { to: string; subject: string; text: string }): Promise<void>
}

export interface DeliveryWorkerOptions {
  alerts: AlertRepository
  mailer: AlertMailer
  logger: Logger
  config: AlertsConfig
  siteName: string
  now: () => Date
  /** Deliveries this instance sends at once (default 16). */
  maxInFlight?: number
}

export interface DeliveryWorker {
  /** Starts polling every `poll_interval_ms`. */
  start(): void
  /** Looks for due deliveries now (e.g. right after an alert was recorded). */
  kick(): void
  /** Stops polling and waits for the sends in flight. */
  close(): Promise<void>
}

const MAX_BACKOFF_MS = 3_600_000
/** A claim outlives the send's time limit by this much (a crashed worker's claim then runs out). */
const CLAIM_MARGIN_MS = 30_000

/** The delay before attempt `attempts + 1`: base × 2^(attempts − 1), ±20 % jitter, at most an hour. */
export function backoffMs(baseMs: number, attempts: number, random = Math.random()): number {
  const exponential = baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30)
  return Math.round(Math.min(exponential, MAX_BACKOFF_MS) * (0.8 + 0.4 * random))
}

/** The webhook's JSON body: `{id, type, created, workspace, summary, data}`. */
export function webhookPayload(delivery: ClaimedDelivery): string {
  const { event } = delivery
  return JSON.stringify({
    id: event.id,
    type: event.kind,
    created: Math.floor(Date.parse(event.createdAt) / 1000),
    workspace: event.workspaceId,
    summary: event.summary,
    data: JSON.parse(event.data),
  })
}

function emailOf(delivery: ClaimedDelivery, siteName: string) {
  const { event } = delivery
  const facts = Object.entries(JSON.parse(event.data) as Record<string, unknown>).map(
    ([name, value]) => `  ${name}: ${String(value)}`,
  )
  return {
    to: delivery.target,
    subject: `[${siteName}] ${event.summary}`,
    text: [
      event.summary,
      '',
      `Workspace: ${event.workspaceId}`,
      `Alert: ${event.kind} (${event.id})`,
      `Time: ${event.createdAt}`,
      ...(facts.length > 0 ? ['', ...facts] : []),
      '',
      `You receive this as an owner, admin or billing member of the workspace on ${siteName}.`,
      'Alert emails can be switched off in the console (alert settings).',
    ].join('\n'),
  }
}

function shortError(error: unknown): string {
  if (error instanceof WebhookSendError) return error.message
  // Mail errors: the SMTP reply's code and first words, never credentials.
  const code =
    (error as { responseCode?: unknown; code?: unknown }).responseCode ?? (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error)
  return `${typeof code === 'string' || typeof code === 'number' ? `${code}: ` : ''}${message}`.slice(0, 200)
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { alerts, logger, config, now } = options
  const maxInFlight = options.maxInFlight ?? 16
  const inFlight = new Set<Promise<void>>()
  let polling: Promise<void> | undefined
  let again = false
  let closed = false

  async function send(delivery: ClaimedDelivery): Promise<{ ok: boolean; status: number | null }> {
    if (delivery.channel === 'email') {
      await options.mailer.send(emailOf(delivery, options.siteName))
      return { ok: true, status: null }
    }
    if (delivery.secret === null) throw new WebhookSendError('the webhook was deleted or disabled')
    const body = webhookPayload(delivery)
    const status = await postWebhook({
      url: delivery.target,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'OneKey-Alerts',
        'onekey-event-id': delivery.event.id,
        [SIGNATURE_HEADER]: signWebhookBody(delivery.secret, body, Math.floor(now().getTime() / 1000)),
      },
      timeoutMs: config.timeoutMs,
      allowPrivate: config.allowPrivateWebhookTargets,
    })
    return { ok: status >= 200 && status < 300, status }
  }

  function failure(delivery: ClaimedDelivery, lastStatus: number | null, lastError: string): DeliveryOutcome {
    const at = now().getTime()
    const next = at + backoffMs(config.retryBaseMs, delivery.attempts)
    const deadline = Date.parse(delivery.event.createdAt) + config.retryForMs
    // A deleted webhook never comes back: no point retrying.
    const final = next > deadline || (delivery.channel === 'webhook' && delivery.secret === null)
    return final
      ? { status: 'failed', lastStatus, lastError, nextAttemptAt: null }
      : { status: 'pending', lastStatus, lastError, nextAttemptAt: new Date(next).toISOString() }
  }

  async function attempt(delivery: ClaimedDelivery): Promise<void> {
    let outcome: DeliveryOutcome
    try {
      const { ok, status } = await send(delivery)
      outcome = ok
        ? { status: 'delivered', at: now().toISOString(), lastStatus: status }
        : failure(delivery, status, `HTTP ${status}`)
    } catch (error) {
      outcome = failure(delivery, null, shortError(error))
    }
    const recorded = await alerts.finish(delivery.id, delivery.claimedUntil, outcome)
    if (outcome.status !== 'delivered')
      logger.warn('alert delivery failed', {
        delivery: delivery.id,
        channel: delivery.channel,
        attempts: delivery.attempts,
        error: outcome.lastError,
        will_retry: outcome.status === 'pending',
        recorded,
      })
  }

  async function poll(): Promise<void> {
    const room = maxInFlight - inFlight.size
    if (room <= 0) return
    const at = now()
    const claimUntil = new Date(at.getTime() + config.timeoutMs + CLAIM_MARGIN_MS).toISOString()
    const claimed = await alerts.claimDue(at.toISOString(), claimUntil, room)
    for (const delivery of claimed) {
      const sending: Promise<void> = attempt(delivery)
        .catch((error: unknown) => logger.error('alert delivery crashed', describeError(error)))
        .finally(() => {
          inFlight.delete(sending)
          // A slot freed: whatever waited for one can go.
          if (claimed.length === room) kick()
        })
      inFlight.add(sending)
    }
    // A full batch: more may be due.
    if (claimed.length === room) again = true
  }

  function kick(): void {
    if (closed) return
    if (polling !== undefined) {
      again = true
      return
    }
    polling = poll()
      .catch((error: unknown) => logger.warn('polling alert deliveries failed', describeError(error)))
      .finally(() => {
        polling = undefined
        if (again) {
          again = false
          kick()
        }
      })
  }

  let timer: NodeJS.Timeout | undefined

  return {
    start() {
      if (closed || timer !== undefined) return
      timer = setInterval(kick, config.pollIntervalMs)
      // Never what keeps the process alive.
      timer.unref()
      kick()
    },
    kick,
    async close() {
      closed = true
      clearInterval(timer)
      await polling
      await Promise.allSettled([...inFlight])
    },
  }
}
