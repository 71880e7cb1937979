/**
 * The alert routes of the management API (the route table checks each route's action before
 * these run). Amounts are exact decimal USD strings; a webhook's secret is shown once, in the
 * answer that created it.
 *
 *   GET    /api/v1/alerts/settings                   the balance threshold and email switch
 *   PUT    /api/v1/alerts/settings                   {balance_below: "5.00" | null, email}
 *   GET    /api/v1/alerts/webhooks                   the webhooks (no secrets)
 *   POST   /api/v1/alerts/webhooks                   {url, events?} → 201 with the secret
 *   DELETE /api/v1/alerts/webhooks/{id}              remove one
 *   POST   /api/v1/alerts/webhooks/{id}/test         a test alert to that webhook only
 *   GET    /api/v1/alerts/deliveries?limit=&before=  the delivery log, newest first
 *
 * @module
 */
import type { MembershipService } from '../accounts/membership-service.ts'
import type { AlertManagement, AlertSettings } from '../alerts/alert-service.ts'
import { usdOf } from '../alerts/spend-alerts.ts'
import type { AlertKind } from '../contracts/alert-events.ts'
import { alertSettingsBody, alertWebhookBody } from '../contracts/console-api.ts'
import { parseUsdNano } from '../contracts/usd.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { AlertWebhookRecord, DeliveryLogRecord } from '../storage/alert-records.ts'
import type { Handler } from './app-dependencies.ts'
import { parseBody } from './parse-body.ts'
import { pagedList, parameterOf } from './request-query.ts'
import type { PermissionedRoute } from './route-permissions.ts'
import type { WorkspaceCaller } from './workspace-caller.ts'

const WEBHOOKS = '/api/v1/alerts/webhooks/'

export interface AlertRouteDependencies {
  /** A handler for a route of the permission table, answering what `run` returns. */
  on(
    route: PermissionedRoute,
    run: (caller: WorkspaceCaller, context: RequestContext) => Promise<string>,
    status?: number,
  ): Handler
  alerts: AlertManagement
  memberships: Pick<MembershipService, 'audit'>
  body(context: RequestContext): Promise<Record<string, unknown>>
}

function settingsAnswer(settings: AlertSettings): string {
  return JSON.stringify({
    object: 'alert_settings',
    balance_below: settings.balanceBelowNano === null ? null : usdOf(settings.balanceBelowNano),
    email: settings.email,
  })
}

function publicWebhook(webhook: AlertWebhookRecord) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events as AlertKind[] | null,
    disabled: webhook.disabled,
    created_at: webhook.createdAt,
  }
}

function publicDelivery(delivery: DeliveryLogRecord) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event: delivery.kind,
    summary: delivery.summary,
    channel: delivery.channel,
    target: delivery.target,
    status: delivery.status,
    attempts: delivery.attempts,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    next_attempt_at: delivery.nextAttemptAt,
    delivered_at: delivery.deliveredAt,
    created_at: delivery.createdAt,
  }
}

function thresholdOf(value: string | null): number | null {
  if (value === null) return null
  try {
    return parseUsdNano(value, 'balance_below')
  } catch {
    throw new GatewayError('invalid_parameter', "Invalid 'balance_below': too large.", {
      param: 'balance_below',
    })
  }
}

export function createAlertRoutes(dependencies: AlertRouteDependencies) {
  const { on, alerts, memberships, body } = dependencies

  const routes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/alerts/settings',
      new Map([
        [
          'GET',
          on('GET /api/v1/alerts/settings', async (found) =>
            settingsAnswer(await alerts.settings(found.workspaceId)),
          ),
        ],
        [
          'PUT',
          on('PUT /api/v1/alerts/settings', async (found, context) => {
            const parsed = parseBody(alertSettingsBody, await body(context))
            const settings = await alerts.updateSettings(found.workspaceId, {
              balanceBelowNano: thresholdOf(parsed.balance_below),
              email: parsed.email,
            })
            await memberships.audit(
              found.workspaceId,
              found.actor,
              'alerts.settings_updated',
              `balance_below=${settings.balanceBelowNano === null ? 'off' : usdOf(settings.balanceBelowNano)} email=${settings.email ? 'on' : 'off'}`,
            )
            return settingsAnswer(settings)
          }),
        ],
      ]),
    ],
    [
      '/api/v1/alerts/webhooks',
      new Map([
        [
          'GET',
          on('GET /api/v1/alerts/webhooks', async (found) =>
            JSON.stringify({
              object: 'list',
              data: (await alerts.webhooks(found.workspaceId)).map(publicWebhook),
            }),
          ),
        ],
        [
          'POST',
          on(
            'POST /api/v1/alerts/webhooks',
            async (found, context) => {
              const { url, events } = parseBody(alertWebhookBody, await body(context))
              const webhook = await alerts.createWebhook(found.workspaceId, url, events ?? null)
              await memberships.audit(
                found.workspaceId,
                found.actor,
                'alerts.webhook_created',
                `${webhook.id} ${webhook.url}`,
              )
              return JSON.stringify({ ...publicWebhook(webhook), secret: webhook.secret })
            },
            201,
          ),
        ],
      ]),
    ],
    [
      '/api/v1/alerts/deliveries',
      new Map([
        [
          'GET',
          on('GET /api/v1/alerts/deliveries', (found, context) =>
            pagedList(context, (page) => alerts.deliveries(found.workspaceId, page), publicDelivery),
          ),
        ],
      ]),
    ],
  ])

  const parameterRoutes = new Map<string, Map<string, Handler>>([
    [
      WEBHOOKS,
      new Map([
        [
          'DELETE',
          on('DELETE /api/v1/alerts/webhooks/{id}', async (found, context) => {
            const id = parameterOf(context, WEBHOOKS, 'id')
            const webhook = await alerts.deleteWebhook(found.workspaceId, id)
            await memberships.audit(
              found.workspaceId,
              found.actor,
              'alerts.webhook_deleted',
              `${webhook.id} ${webhook.url}`,
            )
            return JSON.stringify({ id, deleted: true })
          }),
        ],
        [
          'POST',
          on('POST /api/v1/alerts/webhooks/{id}/test', async (found, context) => {
            const rest = parameterOf(context, WEBHOOKS, 'id')
            if (!rest.endsWith('/test'))
              throw new GatewayError('route_not_found', `Invalid URL (POST ${context.path}).`)
            const id = rest.slice(0, -'/test'.length)
            const eventId = await alerts.testWebhook(found.workspaceId, id)
            await memberships.audit(found.workspaceId, found.actor, 'alerts.webhook_tested', id)
            return JSON.stringify({ object: 'alert_test', webhook_id: id, event_id: eventId })
          }),
        ],
      ]),
    ],
  ])
  return { routes, parameterRoutes }
}
