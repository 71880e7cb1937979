/**
 * The operator's routes (`/api/v1/admin/*`): every one is for the admin token (`ONEKEY_ADMIN_TOKEN`)
 * or a console session of a user with the operator flag (`onekey user promote EMAIL`), checked
 * first; a session's CSRF token and Origin are checked as for any other change.
 *
 *   POST /api/v1/admin/providers/{provider}/{account}/test   one tiny request through that account
 *   GET  /api/v1/admin/logs/export?…&workspace=              request logs of every workspace or one,
 *                                                            streamed as CSV or NDJSON (routes/log-export.ts)
 *
 * @module
 */
import type { Actor } from '../accounts/membership-service.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import type { Handler } from './app-dependencies.ts'
import { parameterOf, queryOf } from './request-query.ts'
import type { createOperatorRoutes } from './routes/admin-operator.ts'
import type { createAdminWorkspaceRoutes } from './routes/admin-workspaces.ts'
import type { createLogExport } from './routes/log-export.ts'
import type { createManagementRoutes } from './routes/management.ts'
import type { createMoneyRoutes } from './routes/money.ts'
import { sendJson } from './send-response.ts'

export interface OperatorRouteTableDependencies {
  operator(context: RequestContext): Promise<Actor>
  operatorRoutes: ReturnType<typeof createOperatorRoutes>
  adminWorkspaces: ReturnType<typeof createAdminWorkspaceRoutes>
  money: ReturnType<typeof createMoneyRoutes>
  management: ReturnType<typeof createManagementRoutes>
  readBody(context: RequestContext): Promise<Record<string, unknown>>
  /** One tiny request through `provider/account` (gateway/endpoints/probe-upstream.ts). */
  testAccount(provider: string, account: string): Promise<unknown>
  /** Request logs as CSV or NDJSON, streamed (routes/log-export.ts). */
  logExport: ReturnType<typeof createLogExport>
  /** The workspace's audit log: an operator's top-ups, tier and suspension changes show there. */
  audit(workspaceId: string, actor: Actor, action: string, target: string | null): Promise<void>
}

export function createOperatorRouteTable(dependencies: OperatorRouteTableDependencies) {
  const { operatorRoutes, adminWorkspaces, money, management, readBody } = dependencies
  /** Checks the operator, then answers with what `run` returns. */
  const on =
    (run: (context: RequestContext) => Promise<string>, status = 200): Handler =>
    async (context) => {
      await dependencies.operator(context)
      sendJson(context, status, await run(context))
    }

  const routes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/admin/credits',
      new Map<string, Handler>([
        [
          'POST',
          async (context) => {
            const actor = await dependencies.operator(context)
            const answer = await money.adminCredits(await readBody(context))
            const result = JSON.parse(answer) as {
              workspace: string
              replayed: boolean
              entries: { kind: string; amount: string; reason: string }[]
            }
            if (!result.replayed) {
              const first = result.entries[0]
              const what =
                first === undefined
                  ? ''
                  : `${first.kind} ${first.amount} USD${first.reason ? ` (${first.reason})` : ''}`
              await dependencies.audit(result.workspace, actor, 'credits.added', what)
            }
            sendJson(context, 200, answer)
          },
        ],
      ]),
    ],
    [
      '/api/v1/admin/workspaces',
      new Map([
        ['GET', on((c) => operatorRoutes.listWorkspaces(queryOf(c)))],
        ['POST', on(async (c) => adminWorkspaces.create(await readBody(c)), 201)],
      ]),
    ],
    [
      '/api/v1/admin/credit-codes',
      new Map([
        ['GET', on((c) => operatorRoutes.listCodes(queryOf(c)))],
        ['POST', on(async (c) => operatorRoutes.createCodes(await readBody(c)), 201)],
      ]),
    ],
    ['/api/v1/admin/providers', new Map([['GET', on(() => operatorRoutes.providers())]])],
    ['/api/v1/admin/revenue', new Map([['GET', on((c) => operatorRoutes.revenue(queryOf(c)))]])],
    [
      '/api/v1/admin/logs/export',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            await dependencies.operator(context)
            await dependencies.logExport.operator(context)
          },
        ],
      ]),
    ],
    ['/api/v1/admin/reload', new Map([['POST', on(() => management.reload())]])],
  ])

  const parameterRoutes = new Map<string, Map<string, Handler>>([
    [
      '/api/v1/admin/workspaces/',
      new Map([
        [
          'POST',
          // `{id or name}/keys`, decoded by the route (a parameter followed by a fixed segment).
          on(
            async (c) =>
              adminWorkspaces.createKey(c.path.slice('/api/v1/admin/workspaces/'.length), await readBody(c)),
            201,
          ),
        ],
        [
          'PATCH',
          on(async (c) =>
            operatorRoutes.updateWorkspace(
              parameterOf(c, '/api/v1/admin/workspaces/', 'workspace'),
              await readBody(c),
            ),
          ),
        ],
      ]),
    ],
    [
      '/api/v1/admin/providers/',
      new Map([
        [
          'POST',
          // `{provider}/{account}/test`
          on(async (c) => {
            const match = /^([^/]+)\/([^/]+)\/test$/.exec(
              parameterOf(c, '/api/v1/admin/providers/', 'account'),
            )
            if (match === null) throw new GatewayError('route_not_found', `Invalid URL (POST ${c.path}).`)
            return JSON.stringify(await dependencies.testAccount(match[1]!, match[2]!))
          }),
        ],
      ]),
    ],
    [
      '/api/v1/admin/credit-codes/',
      new Map([
        [
          'DELETE',
          on((c) => operatorRoutes.revokeCode(parameterOf(c, '/api/v1/admin/credit-codes/', 'code'))),
        ],
      ]),
    ],
  ])
  return { routes, parameterRoutes }
}
