/**
 * Every route of the API: exact paths, and paths with one trailing parameter, each with its
 * handlers by method. A handler authenticates, reads and validates the body, and calls the
 * pipeline (gateway/endpoints/) or a route module (routes/).
 *
 * @module
 */
import type { AuthenticatedKey } from '../auth/authenticator.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import { proxyChatCompletion } from '../gateway/endpoints/proxy-chat-completion.ts'
import { proxyCompletions } from '../gateway/endpoints/proxy-completions.ts'
import { proxyEmbeddings } from '../gateway/endpoints/proxy-embeddings.ts'
import { proxyResponses } from '../gateway/endpoints/proxy-responses.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import { validateChatCompletionRequest } from '../gateway/validate/validate-chat-request.ts'
import { validateEmbeddingsRequest } from '../gateway/validate/validate-embeddings-request.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import { readJsonObject } from './read-json-body.ts'
import { createAdminWorkspaceRoutes } from './routes/admin-workspaces.ts'
import { createKeyRoutes } from './routes/keys.ts'
import { checkAdminToken, createManagementRoutes } from './routes/management.ts'
import { createModelsRoute } from './routes/models.ts'
import { createMoneyRoutes } from './routes/money.ts'
import { createQuoteRoute } from './routes/quote.ts'
import { sendJson } from './send-response.ts'

/** Paths with one trailing parameter, e.g. `/v1/models/{id}`. */
export const PARAMETER_ROUTES = [
  '/v1/models/',
  '/api/v1/byok/',
  '/api/v1/keys/',
  '/api/v1/admin/workspaces/',
] as const

export interface RouteTable {
  routes: Map<string, Map<string, Handler>>
  /** By the prefix in {@link PARAMETER_ROUTES}. */
  parameterRoutes: Map<string, Map<string, Handler>>
}

export function createRouteTable(dependencies: AppDependencies): RouteTable {
  const { authenticator } = dependencies
  const byokProviders = (workspaceId: string) => dependencies.byokCredentials.providers(workspaceId)
  const models = createModelsRoute({
    planner: dependencies.planner,
    byokProviders,
    defaultLane: dependencies.defaultLane,
    createdSeconds: dependencies.catalogCreatedSeconds,
  })
  const quote = createQuoteRoute({
    planner: dependencies.planner,
    health: dependencies.health,
    byokProviders,
    defaultLane: dependencies.defaultLane,
  })
  const management = createManagementRoutes(dependencies, () => dependencies.defaultLane)
  const money = createMoneyRoutes(dependencies)
  const keys = createKeyRoutes(dependencies)
  const adminWorkspaces = createAdminWorkspaceRoutes(dependencies)
  const admin = (context: RequestContext) =>
    checkAdminToken(context.request.headers.authorization, dependencies.adminToken())
  const queryOf = (context: RequestContext) => {
    const url = context.request.url ?? ''
    const start = url.indexOf('?')
    return new URLSearchParams(start === -1 ? '' : url.slice(start + 1))
  }
  const workspaceGet = (read: (key: AuthenticatedKey, query: URLSearchParams) => Promise<string>) =>
    new Map<string, Handler>([
      [
        'GET',
        async (context) => sendJson(context, 200, await read(await authenticate(context), queryOf(context))),
      ],
    ])

  async function authenticate(context: RequestContext) {
    const key = await authenticator.authenticate(context.request.headers.authorization)
    context.key = key
    return key
  }
  const readBody = (context: RequestContext) => readJsonObject(context.request, dependencies.bodyLimitBytes)

  function parameterOf(context: RequestContext, prefix: string, param: string): string {
    try {
      return decodeURIComponent(context.path.slice(prefix.length))
    } catch {
      throw new GatewayError('invalid_parameter', `The ${param} in the URL is not valid percent-encoding.`, {
        param,
      })
    }
  }

  const quoteHandler: Handler = async (context) => {
    const key = await authenticate(context)
    const body = validateChatCompletionRequest(await readBody(context))
    sendJson(context, 200, await quote(key, body))
  }

  const routes = new Map<string, Map<string, Handler>>([
    [
      '/v1/chat/completions',
      new Map([
        [
          'POST',
          async (context) => {
            await authenticate(context)
            const body = await readBody(context)
            await proxyChatCompletion(context, validateChatCompletionRequest(body), dependencies)
          },
        ],
      ]),
    ],
    [
      '/v1/completions',
      new Map([
        [
          'POST',
          async (context) => {
            await authenticate(context)
            await proxyCompletions(context, await readBody(context), dependencies)
          },
        ],
      ]),
    ],
    [
      '/v1/responses',
      new Map([
        [
          'POST',
          async (context) => {
            await authenticate(context)
            await proxyResponses(context, await readBody(context), dependencies)
          },
        ],
      ]),
    ],
    [
      '/v1/embeddings',
      new Map([
        [
          'POST',
          async (context) => {
            await authenticate(context)
            const body = await readBody(context)
            await proxyEmbeddings(context, validateEmbeddingsRequest(body), dependencies)
          },
        ],
      ]),
    ],
    [
      '/v1/models',
      new Map([
        ['GET', async (context) => sendJson(context, 200, await models.list(await authenticate(context)))],
      ]),
    ],
    ['/v1/quote', new Map([['POST', quoteHandler]])],
    ['/api/v1/quote', new Map([['POST', quoteHandler]])],
    [
      '/api/v1/workspace',
      new Map<string, Handler>([
        [
          'GET',
          async (context) =>
            sendJson(context, 200, await management.getWorkspace(await authenticate(context))),
        ],
        [
          'PATCH',
          async (context) => {
            const key = await authenticate(context)
            sendJson(context, 200, await management.updateWorkspace(key, await readBody(context)))
          },
        ],
      ]),
    ],
    [
      '/api/v1/byok',
      new Map([
        [
          'GET',
          async (context) => sendJson(context, 200, await management.listByok(await authenticate(context))),
        ],
      ]),
    ],
    ['/api/v1/credits', workspaceGet((key) => money.credits(key))],
    [
      '/api/v1/credits/redeem',
      new Map([
        [
          'POST',
          async (context) => {
            const key = await authenticate(context)
            sendJson(context, 200, await money.redeem(key, await readBody(context)))
          },
        ],
      ]),
    ],
    [
      '/api/v1/keys',
      new Map<string, Handler>([
        ['GET', async (context) => sendJson(context, 200, await keys.list(await authenticate(context)))],
        [
          'POST',
          async (context) => {
            const key = await authenticate(context)
            sendJson(context, 201, await keys.create(key, await readBody(context)))
          },
        ],
      ]),
    ],
    ['/api/v1/ledger', workspaceGet(money.ledger)],
    ['/api/v1/logs', workspaceGet(money.logs)],
    ['/api/v1/activity', workspaceGet(money.activity)],
    ['/api/v1/generation', workspaceGet(money.generation)],
    [
      '/api/v1/admin/credits',
      new Map([
        [
          'POST',
          async (context) => {
            checkAdminToken(context.request.headers.authorization, dependencies.adminToken())
            sendJson(context, 200, await money.adminCredits(await readBody(context)))
          },
        ],
      ]),
    ],
    [
      '/api/v1/admin/workspaces',
      new Map<string, Handler>([
        [
          'GET',
          async (context) => {
            admin(context)
            sendJson(context, 200, await adminWorkspaces.list())
          },
        ],
        [
          'POST',
          async (context) => {
            admin(context)
            sendJson(context, 201, await adminWorkspaces.create(await readBody(context)))
          },
        ],
      ]),
    ],
    [
      '/api/v1/admin/reload',
      new Map([
        [
          'POST',
          async (context) =>
            sendJson(context, 200, await management.reload(context.request.headers.authorization)),
        ],
      ]),
    ],
    ['/healthz', new Map([['GET', (context) => sendJson(context, 200, '{"status":"ok"}')]])],
    [
      '/metrics',
      new Map([
        [
          'GET',
          (context) => {
            // Behind the operator token when one is configured: the numbers are business data.
            if (dependencies.adminToken() !== null) {
              checkAdminToken(context.request.headers.authorization, dependencies.adminToken())
            }
            const body = Buffer.from(dependencies.metrics.registry.render())
            context.response.writeHead(200, {
              'content-type': 'text/plain; version=0.0.4; charset=utf-8',
              'content-length': body.byteLength,
              'x-request-id': context.requestId,
            })
            context.response.end(body)
          },
        ],
      ]),
    ],
    [
      '/readyz',
      new Map([
        [
          'GET',
          async (context) => {
            await dependencies.checkReady()
            const degraded = dependencies.degradations()
            sendJson(
              context,
              200,
              degraded.length === 0 ? '{"status":"ready"}' : JSON.stringify({ status: 'degraded', degraded }),
            )
          },
        ],
      ]),
    ],
  ])
  const parameterRoutes = new Map<string, Map<string, Handler>>([
    [
      '/v1/models/',
      new Map([
        [
          'GET',
          async (context) => {
            const key = await authenticate(context)
            sendJson(context, 200, await models.get(key, parameterOf(context, '/v1/models/', 'model')))
          },
        ],
      ]),
    ],
    [
      '/api/v1/byok/',
      new Map<string, Handler>([
        [
          'PUT',
          async (context) => {
            const key = await authenticate(context)
            const provider = parameterOf(context, '/api/v1/byok/', 'provider')
            sendJson(context, 200, await management.putByok(key, provider, await readBody(context)))
          },
        ],
        [
          'DELETE',
          async (context) => {
            const key = await authenticate(context)
            sendJson(
              context,
              200,
              await management.deleteByok(key, parameterOf(context, '/api/v1/byok/', 'provider')),
            )
          },
        ],
      ]),
    ],
    [
      '/api/v1/keys/',
      new Map<string, Handler>([
        [
          'DELETE',
          async (context) => {
            const key = await authenticate(context)
            sendJson(context, 200, await keys.revoke(key, parameterOf(context, '/api/v1/keys/', 'id')))
          },
        ],
      ]),
    ],
    [
      '/api/v1/admin/workspaces/',
      new Map<string, Handler>([
        [
          'POST',
          async (context) => {
            admin(context)
            // `{id or name}/keys`, decoded by the route (a parameter followed by a fixed segment).
            const rest = context.path.slice('/api/v1/admin/workspaces/'.length)
            sendJson(context, 201, await adminWorkspaces.createKey(rest, await readBody(context)))
          },
        ],
      ]),
    ],
  ])

  return { routes, parameterRoutes }
}
