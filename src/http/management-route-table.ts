/**
 * The workspace routes of the management API, each guarded by one action of the permission table:
 * {@link ROUTE_PERMISSIONS} maps every route and method to the action it needs, and every handler
 * below asks for exactly that entry (a test walks the whole table with every role). Management
 * API keys act as admin; console sessions act with the user's role.
 *
 * @module
 */
import type { MembershipService } from '../accounts/membership-service.ts'
import type { AlertManagement } from '../alerts/alert-service.ts'
import type { AutoTopUp } from '../billing/auto-top-up.ts'
import { type CardPayments, publicPurchase } from '../billing/card-payments.ts'
import { checkoutBody } from '../contracts/console-api.ts'
import { createAlertRoutes } from './alert-routes.ts'
import { createAutoTopUpRoutes } from './auto-top-up-routes.ts'
import { createMemberRoutes } from './member-routes.ts'
import { pagedList, parameterOf, queryOf } from './request-query.ts'
import { type PermissionedRoute, ROUTE_PERMISSIONS } from './route-permissions.ts'

export { ROUTE_PERMISSIONS } from './route-permissions.ts'

import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { Handler } from './app-dependencies.ts'
import { parseBody } from './parse-body.ts'
import type { createBudgetRoutes } from './routes/budgets.ts'
import type { createKeyRoutes } from './routes/keys.ts'
import type { createLogExport } from './routes/log-export.ts'
import type { createManagementRoutes } from './routes/management.ts'
import type { createMoneyRoutes } from './routes/money.ts'
import type { createOverviewRoutes } from './routes/overview.ts'
import { sendJson } from './send-response.ts'
import type { CallerResolver, WorkspaceCaller } from './workspace-caller.ts'

export interface ManagementRouteTableDependencies {
  callers: CallerResolver
  memberships: MembershipService
  management: ReturnType<typeof createManagementRoutes>
  money: ReturnType<typeof createMoneyRoutes>
  keys: ReturnType<typeof createKeyRoutes>
  budgets: ReturnType<typeof createBudgetRoutes>
  overview: ReturnType<typeof createOverviewRoutes>
  /** `GET /v1/models` for the caller's workspace (sessions see every model of every lane). */
  models(caller: WorkspaceCaller): Promise<string>
  readBody(context: RequestContext): Promise<Record<string, unknown>>
  /** Alert settings, webhooks and the delivery log (alerts/alert-service.ts). */
  alerts: AlertManagement
  cardPayments: CardPayments
  /** Auto top-up settings and the saved card (billing/auto-top-up.ts). */
  autoTopUp: AutoTopUp
  /** One tiny request through the workspace's stored key (gateway/endpoints/test-byok-key.ts). */
  testByok(workspaceId: string, provider: string): Promise<unknown>
  /** Request logs as CSV or NDJSON, streamed (routes/log-export.ts). */
  logExport: ReturnType<typeof createLogExport>
}

export function createManagementRouteTable(dependencies: ManagementRouteTableDependencies) {
  const { callers, management, money, keys, budgets, overview, memberships } = dependencies
  const caller = (context: RequestContext, route: PermissionedRoute) =>
    callers.workspaceCaller(context, ROUTE_PERMISSIONS[route])
  const body = dependencies.readBody

  /** A handler answering 200 (or `status`) with what `run` returns. */
  const on =
    (
      route: PermissionedRoute,
      run: (caller: WorkspaceCaller, context: RequestContext) => Promise<string>,
      status = 200,
    ): Handler =>
    async (context) => {
      const found = await caller(context, route)
      if (found.key === null) context.headers = { ...context.headers, 'cache-control': 'no-store' }
      sendJson(context, status, await run(found, context))
    }

  const routes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/workspace',
      new Map([
        ['GET', on('GET /api/v1/workspace', (found) => management.getWorkspace(found))],
        [
          'PATCH',
          on('PATCH /api/v1/workspace', async (found, context) =>
            management.updateWorkspace(found, await body(context)),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/workspace/budget',
      new Map([
        ['GET', on('GET /api/v1/workspace/budget', (found) => budgets.workspaceBudget(found))],
        [
          'PUT',
          on('PUT /api/v1/workspace/budget', async (found, context) =>
            budgets.setWorkspaceBudget(found, await body(context)),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/key',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            // The calling API key's own spending and limits (any key of the workspace; no session).
            const key = await callers.anyKey(context)
            sendJson(context, 200, await budgets.ownKey(key))
          },
        ],
      ]),
    ],
    ['/api/v1/models', new Map([['GET', on('GET /api/v1/models', (found) => dependencies.models(found))]])],
    ['/api/v1/overview', new Map([['GET', on('GET /api/v1/overview', (found) => overview.overview(found))]])],
    ['/api/v1/byok', new Map([['GET', on('GET /api/v1/byok', (found) => management.listByok(found))]])],
    ['/api/v1/credits', new Map([['GET', on('GET /api/v1/credits', (found) => money.credits(found))]])],
    [
      '/api/v1/credits/redeem',
      new Map([
        [
          'POST',
          on('POST /api/v1/credits/redeem', async (found, context) =>
            money.redeem(found, await body(context)),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/keys',
      new Map([
        ['GET', on('GET /api/v1/keys', (found) => keys.list(found))],
        [
          'POST',
          on('POST /api/v1/keys', async (found, context) => keys.create(found, await body(context)), 201),
        ],
      ]),
    ],
    [
      '/api/v1/credits/checkout-preview',
      new Map([
        [
          'GET',
          on('GET /api/v1/credits/checkout-preview', async (_found, context) =>
            JSON.stringify(dependencies.cardPayments.preview(queryOf(context).get('amount'))),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/credits/checkout',
      new Map([
        [
          'POST',
          on(
            'POST /api/v1/credits/checkout',
            async (found, context) => {
              const { amount, save_card } = parseBody(checkoutBody, await body(context))
              const answer = await dependencies.cardPayments.checkout(
                found.workspaceId,
                found.actor.name,
                amount,
                save_card === true,
              )
              await memberships.audit(
                found.workspaceId,
                found.actor,
                'credits.checkout_started',
                `${answer.amount} USD (${answer.purchase_id})${save_card === true ? ', saving the card' : ''}`,
              )
              return JSON.stringify(answer)
            },
            201,
          ),
        ],
      ]),
    ],
    [
      '/api/v1/credits/purchases',
      new Map([
        [
          'GET',
          on('GET /api/v1/credits/purchases', (found, context) =>
            pagedList(
              context,
              (page) => dependencies.cardPayments.purchases(found.workspaceId, page),
              publicPurchase,
            ),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/ledger',
      new Map([['GET', on('GET /api/v1/ledger', (found, c) => money.ledger(found, queryOf(c)))]]),
    ],
    ['/api/v1/logs', new Map([['GET', on('GET /api/v1/logs', (found, c) => money.logs(found, queryOf(c)))]])],
    [
      '/api/v1/activity',
      new Map([['GET', on('GET /api/v1/activity', (found, c) => money.activity(found, queryOf(c)))]]),
    ],
    [
      '/api/v1/logs/export',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            const found = await caller(context, 'GET /api/v1/logs/export')
            await dependencies.logExport.workspace(context, found.workspaceId)
          },
        ],
      ]),
    ],
    [
      '/api/v1/activity.csv',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            const found = await caller(context, 'GET /api/v1/activity.csv')
            const csv = Buffer.from(await overview.activityCsv(found, queryOf(context)))
            context.response.writeHead(200, {
              'content-type': 'text/csv; charset=utf-8',
              'content-disposition': 'attachment; filename="activity.csv"',
              'content-length': csv.byteLength,
              'cache-control': 'no-store',
              'x-request-id': context.requestId,
            })
            context.response.end(csv)
          },
        ],
      ]),
    ],
    [
      '/api/v1/generation',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            // Any API key of the workspace may look up its own generations; sessions need logs.read.
            const authorization = context.request.headers.authorization
            if (authorization !== undefined) {
              const key = await callers.anyKey(context)
              sendJson(context, 200, await money.generation(key, queryOf(context)))
              return
            }
            const found = await caller(context, 'GET /api/v1/generation')
            sendJson(context, 200, await money.generation(found, queryOf(context)))
          },
        ],
      ]),
    ],
  ])

  const parameterRoutes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/byok/',
      new Map([
        [
          'PUT',
          on('PUT /api/v1/byok/{provider}', async (found, context) =>
            management.putByok(found, parameterOf(context, '/api/v1/byok/', 'provider'), await body(context)),
          ),
        ],
        [
          'POST',
          on('POST /api/v1/byok/{provider}/test', async (found, context) => {
            const rest = parameterOf(context, '/api/v1/byok/', 'provider')
            if (!rest.endsWith('/test'))
              throw new GatewayError('route_not_found', `Invalid URL (POST ${context.path}).`)
            return JSON.stringify(
              await dependencies.testByok(found.workspaceId, rest.slice(0, -'/test'.length)),
            )
          }),
        ],
        [
          'DELETE',
          on('DELETE /api/v1/byok/{provider}', (found, context) =>
            management.deleteByok(found, parameterOf(context, '/api/v1/byok/', 'provider')),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/keys/',
      new Map([
        [
          'DELETE',
          on('DELETE /api/v1/keys/{id}', (found, context) =>
            keys.revoke(found, parameterOf(context, '/api/v1/keys/', 'id')),
          ),
        ],
        [
          'PUT',
          on('PUT /api/v1/keys/{id}/budget', async (found, context) => {
            const rest = parameterOf(context, '/api/v1/keys/', 'id')
            if (!rest.endsWith('/budget'))
              throw new GatewayError('route_not_found', `Invalid URL (PUT ${context.path}).`)
            return budgets.setKeyBudget(found, rest.slice(0, -'/budget'.length), await body(context))
          }),
        ],
      ]),
    ],
  ])

  const members = createMemberRoutes({ on, memberships, body })
  for (const [path, methods] of members.routes) routes.set(path, methods)
  for (const [prefix, methods] of members.parameterRoutes) parameterRoutes.set(prefix, methods)
  const autoTopUp = { on, autoTopUp: dependencies.autoTopUp, audit: memberships.audit, body }
  for (const [path, methods] of createAutoTopUpRoutes(autoTopUp)) routes.set(path, methods)
  const alerts = createAlertRoutes({ on, alerts: dependencies.alerts, memberships, body })
  for (const [path, methods] of alerts.routes) routes.set(path, methods)
  for (const [prefix, methods] of alerts.parameterRoutes) parameterRoutes.set(prefix, methods)
  return { routes, parameterRoutes }
}
