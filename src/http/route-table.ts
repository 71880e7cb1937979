/**
 * Every route of the API: exact paths, and paths with one trailing parameter, each with its
 * handlers by method. A handler authenticates, reads and validates the body, and calls the
 * pipeline (gateway/endpoints/) or a route module (routes/).
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'
import { testByokKey, testUpstreamAccount } from '../gateway/endpoints/probe-upstream.ts'
import { proxyChatCompletion } from '../gateway/endpoints/proxy-chat-completion.ts'
import { proxyCompletions } from '../gateway/endpoints/proxy-completions.ts'
import { proxyEmbeddings } from '../gateway/endpoints/proxy-embeddings.ts'
import { proxyImages } from '../gateway/endpoints/proxy-images.ts'
import { proxyResponses } from '../gateway/endpoints/proxy-responses.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import { validateChatCompletionRequest } from '../gateway/validate/validate-chat-request.ts'
import { validateEmbeddingsRequest } from '../gateway/validate/validate-embeddings-request.ts'
import { validateImagesRequest } from '../gateway/validate/validate-images-request.ts'
import { docsPaths } from '../site/docs-pages.ts'
import { checkAdminToken } from './admin-token.ts'
import { createApiReferenceRoutes } from './api-reference-routes.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import { createConsoleStatic } from './console-static.ts'
import { createDocsRoutes } from './docs-routes.ts'
import { createManagementRouteTable } from './management-route-table.ts'
import { createOperatorRouteTable } from './operator-route-table.ts'
import { createPlaygroundRoutes } from './playground-routes.ts'
import { readJsonObject, readBody as readRawBody } from './read-json-body.ts'
import { parameterOf } from './request-query.ts'
import { createOperatorRoutes } from './routes/admin-operator.ts'
import { createAdminWorkspaceRoutes } from './routes/admin-workspaces.ts'
import { createBudgetRoutes } from './routes/budgets.ts'
import { createConsoleAuthRoutes } from './routes/console-auth.ts'
import { createKeyRoutes } from './routes/keys.ts'
import { createLogExport } from './routes/log-export.ts'
import { createManagementRoutes } from './routes/management.ts'
import { createModelsRoute } from './routes/models.ts'
import { createMoneyRoutes } from './routes/money.ts'
import { createOverviewRoutes } from './routes/overview.ts'
import { createQuoteRoute } from './routes/quote.ts'
import { sendJson } from './send-response.ts'
import { registerSiteRoutes } from './site-routes.ts'
import { workspaceAsCaller } from './workspace-as-caller.ts'
import { createCallerResolver, type WorkspaceCaller } from './workspace-caller.ts'

/** Paths with one trailing parameter, e.g. `/v1/models/{id}`. */
export const PARAMETER_ROUTES = [
  '/v1/models/',
  '/api/v1/byok/',
  '/api/v1/keys/',
  '/api/v1/admin/workspaces/',
  '/api/v1/admin/credit-codes/',
  '/api/v1/admin/providers/',
  '/api/v1/auth/sessions/',
  // Before '/api/v1/members/': the first prefix that matches wins.
  '/api/v1/members/invites/',
  '/api/v1/members/',
  '/api/v1/alerts/webhooks/',
  '/console/',
  '/docs/',
  '/models/',
  '/site/assets/',
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
  const budgets = createBudgetRoutes(dependencies)
  const keys = createKeyRoutes({ ...dependencies, keyBudgets: budgets.keyBudgets })
  const adminWorkspaces = createAdminWorkspaceRoutes(dependencies)
  const callers = createCallerResolver(dependencies)
  const logExport = createLogExport(dependencies)
  const admin = (context: RequestContext) => callers.operator(context)
  const readBody = (context: RequestContext) => readJsonObject(context.request, dependencies.bodyLimitBytes)
  const consoleStatic = createConsoleStatic(dependencies.consoleDirectory, () => ({
    site_name: dependencies.site.name,
    base_url: `${dependencies.console.publicUrl}/v1`,
    signup: dependencies.console.signup,
    support_email: dependencies.site.supportEmail,
    playground: dependencies.site.pages.playground,
  }))
  const workspaceTable = createManagementRouteTable({
    callers,
    memberships: dependencies.memberships,
    management,
    money,
    keys,
    budgets,
    overview: createOverviewRoutes(dependencies),
    readBody,
    cardPayments: dependencies.cardPayments,
    autoTopUp: dependencies.autoTopUp,
    alerts: dependencies.alerts,
    testByok: (workspaceId, provider) => testByokKey(dependencies, workspaceId, provider),
    logExport,
    async models(caller: WorkspaceCaller) {
      if (caller.key !== null) return models.list(caller.key)
      const workspace = await dependencies.workspaces.find(caller.workspaceId)
      if (workspace === undefined) throw new GatewayError('not_found', 'The workspace no longer exists.')
      return models.list(
        workspaceAsCaller(workspace, { keyId: 'session', name: 'console session', management: true }),
      )
    },
  })
  const consoleAuth = dependencies.console.enabled
    ? createConsoleAuthRoutes({
        accounts: dependencies.accounts,
        twoFactor: dependencies.twoFactor,
        memberships: dependencies.memberships,
        console: dependencies.console,
        callers,
        readBody,
      })
    : undefined

  async function authenticate(context: RequestContext) {
    const key = await authenticator.authenticate(context.request.headers.authorization)
    context.key = key
    return key
  }

  const quoteHandler: Handler = async (context) => {
    const key = await authenticate(context)
    const raw = await readBody(context)
    // An image generation body (a `prompt`, no `messages`) is quoted per image.
    const body =
      raw.messages === undefined && raw.prompt !== undefined
        ? validateImagesRequest(raw)
        : validateChatCompletionRequest(raw)
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
      '/v1/images/generations',
      new Map([
        [
          'POST',
          async (context) => {
            await authenticate(context)
            const body = await readBody(context)
            await proxyImages(context, validateImagesRequest(body), dependencies)
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
  ])

  routes.set(
    '/api/v1/payments/stripe/webhook',
    new Map([
      [
        'POST',
        async (context) => {
          // The signature covers the exact bytes: read them raw, never re-serialised JSON.
          const raw = await readRawBody(context.request, dependencies.bodyLimitBytes)
          const signature = context.request.headers['stripe-signature']
          const answer = await dependencies.cardPayments.webhook(
            raw,
            typeof signature === 'string' ? signature : undefined,
          )
          sendJson(context, answer.status, answer.body)
        },
      ],
    ]),
  )
  // `console.enabled: false` turns the console off: no pages, no account routes, `/` is not a route.
  if (dependencies.console.enabled) {
    const page = new Map<string, Handler>([['GET', (context) => consoleStatic.handle(context)]])
    routes.set('/console', page)
    routes.set('/console/', page)
    parameterRoutes.set('/console/', page)
    routes.set(
      '/',
      new Map([
        [
          'GET',
          (context) => {
            // With `site.pages.home` on, registerSiteRoutes below replaces this with the home page.
            context.response.writeHead(302, { location: '/console/', 'x-request-id': context.requestId })
            context.response.end()
          },
        ],
      ]),
    )
  }
  const { site } = dependencies
  const docsOn = site.enabled && site.pages.docs
  registerSiteRoutes(routes, parameterRoutes, dependencies, {
    sitemapPaths: () => [
      ...(docsOn ? docsPaths() : []),
      ...(site.enabled && site.pages.apiReference ? ['/docs/api'] : []),
    ],
  })
  const operatorTable = createOperatorRouteTable({
    operator: admin,
    operatorRoutes: createOperatorRoutes(dependencies),
    adminWorkspaces,
    money,
    management,
    readBody,
    audit: dependencies.audit,
    logExport,
    testAccount: (provider, account) =>
      testUpstreamAccount(
        dependencies.planner().catalog.models,
        dependencies.providerRegistry().get(provider),
        provider,
        account,
      ),
  })
  for (const [path, methods] of createPlaygroundRoutes(dependencies, { callers, quote, readBody }))
    routes.set(path, methods)
  if (docsOn) {
    const docs = createDocsRoutes(() => dependencies.docsFacts())
    routes.set('/docs', docs.index).set('/docs/', docs.index)
    parameterRoutes.set('/docs/', docs.page)
  }
  for (const table of [workspaceTable, operatorTable]) {
    for (const [path, methods] of table.routes) routes.set(path, methods)
    for (const [prefix, methods] of table.parameterRoutes) parameterRoutes.set(prefix, methods)
  }
  if (consoleAuth !== undefined) {
    for (const [path, methods] of consoleAuth.routes) routes.set(path, methods)
    parameterRoutes.set('/api/v1/auth/sessions/', consoleAuth.sessionRoutes)
  }
  for (const [path, methods] of createApiReferenceRoutes(dependencies, { routes, parameterRoutes }))
    routes.set(path, methods)
  return { routes, parameterRoutes }
}
