/**
 * The HTTP layer: raw `node:http` with a tiny exact-path router (chosen by measurement: see
 * bench/README.md). Every answer gets an `x-request-id`; every failure, including unknown
 * routes, wrong methods, oversize or malformed bodies and crashes, leaves as one OpenAI error
 * envelope; every request writes one JSON log line.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthenticatedKey, Authenticator } from '../auth/authenticator.ts'
import { GatewayError, toGatewayError } from '../errors/gateway-error.ts'
import {
  type ChatCompletionProxyDependencies,
  proxyChatCompletion,
} from '../gateway/endpoints/proxy-chat-completion.ts'
import { proxyCompletions } from '../gateway/endpoints/proxy-completions.ts'
import { proxyEmbeddings } from '../gateway/endpoints/proxy-embeddings.ts'
import { proxyResponses } from '../gateway/endpoints/proxy-responses.ts'
import { emptyRequestLog, type RequestContext } from '../gateway/request-context.ts'
import { buildRequestLogRecord } from '../gateway/request-log-record.ts'
import { validateChatCompletionRequest } from '../gateway/validate/validate-chat-request.ts'
import { validateEmbeddingsRequest } from '../gateway/validate/validate-embeddings-request.ts'
import { describeError, type Logger } from '../logging/logger.ts'
import type { RequestLogWriter } from '../logging/request-log-writer.ts'
import type { GatewayMetrics } from '../metrics/metrics.ts'
import type { WorkspaceService } from '../services/workspace-service.ts'
import type { ApiKeyRepository } from '../storage/store.ts'
import { readJsonObject } from './read-json-body.ts'
import { chooseRequestId } from './request-id.ts'
import { createKeyRoutes } from './routes/keys.ts'
import { checkAdminToken, createManagementRoutes, type ManagementDependencies } from './routes/management.ts'
import { createModelsRoute } from './routes/models.ts'
import { createMoneyRoutes, type MoneyRouteDependencies } from './routes/money.ts'
import { createQuoteRoute } from './routes/quote.ts'
import { answerWriter, sendError, sendJson } from './send-response.ts'

export interface AppDependencies
  extends ChatCompletionProxyDependencies,
    ManagementDependencies,
    Omit<MoneyRouteDependencies, 'workspaces'> {
  requestLogs: RequestLogWriter
  workspaceService: WorkspaceService
  apiKeys: ApiKeyRepository
  authenticator: Authenticator
  logger: Logger
  bodyLimitBytes: number
  logRequests: boolean
  /** Readiness: resolves when the gateway can serve (storage answers, not shutting down). */
  checkReady(): Promise<void>
  /** Ready but not at full strength (e.g. limits counted per instance while Redis is down). */
  degradations(): string[]
  metrics: GatewayMetrics
  /** Seconds since epoch reported as `created` for catalog models. */
  catalogCreatedSeconds: number
}

type Handler = (context: RequestContext) => Promise<void> | void

export interface App {
  handle(request: IncomingMessage, response: ServerResponse): void
  /** Requests still being answered. */
  readonly inFlight: number
}

/** Paths with one trailing parameter, e.g. `/v1/models/{id}`. */
const PARAMETER_ROUTES = ['/v1/models/', '/api/v1/byok/', '/api/v1/keys/'] as const

export function createApp(dependencies: AppDependencies): App {
  const { authenticator, logger } = dependencies
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
  let inFlight = 0

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
  ])

  function methodsFor(path: string): Map<string, Handler> | undefined {
    const exact = routes.get(path)
    if (exact !== undefined) return exact
    for (const prefix of PARAMETER_ROUTES) {
      if (path.startsWith(prefix) && path.length > prefix.length) return parameterRoutes.get(prefix)
    }
    return undefined
  }

  function findHandler(method: string, path: string): Handler {
    const byMethod = methodsFor(path)
    if (byMethod !== undefined) {
      const handler = byMethod.get(method)
      if (handler !== undefined) return handler
      const allowed = [...byMethod.keys()].join(', ')
      throw new GatewayError(
        'method_not_allowed',
        `Method ${method} is not allowed on ${path}; use ${allowed}.`,
      )
    }
    throw new GatewayError('route_not_found', `Invalid URL (${method} ${path}).`)
  }

  /** A bounded label for a path: a route, or its parameterised form, or `other`. */
  function pathLabel(path: string): string {
    if (routes.has(path)) return path
    for (const prefix of PARAMETER_ROUTES) if (path.startsWith(prefix)) return `${prefix}{id}`
    return 'other'
  }

  function writeRequestLog(context: RequestContext): void {
    recordRequest(context)
    const log = context.log
    const lane = log.lane ?? ''
    dependencies.metrics.requests.inc({
      path: pathLabel(context.path),
      lane,
      provider: log.provider ?? '',
      status: String(context.response.statusCode),
    })
    dependencies.metrics.duration.observe({ lane }, (performance.now() - context.startMs) / 1000)
    if (log.stream === true && log.firstByteMs !== undefined)
      dependencies.metrics.firstByte.observe({ lane }, log.firstByteMs / 1000)
    if (log.costNano !== undefined && log.costNano > 0)
      dependencies.metrics.charged.inc({ lane }, log.costNano)
    if (log.usageRejected === true) {
      dependencies.metrics.usageRejected.inc({ provider: log.provider ?? '' })
      logger.warn('upstream usage was implausible; charged from the gateway count', {
        request_id: context.requestId,
        provider: log.provider,
        account: log.account,
        prompt_tokens: log.promptTokens,
        completion_tokens: log.completionTokens,
      })
    }
    if (!dependencies.logRequests) return
    logger.info('request', {
      request_id: context.requestId,
      method: context.request.method,
      path: context.path,
      status: context.response.statusCode,
      latency_ms: Math.round((performance.now() - context.startMs) * 100) / 100,
      first_byte_ms: log.firstByteMs,
      workspace: context.key?.workspaceId,
      key_prefix: context.key?.prefix,
      model: log.model,
      lane: log.lane,
      provider: log.provider,
      account: log.account,
      upstream_model: log.upstreamModel,
      stream: log.stream,
      attempts: log.attempts,
      prompt_tokens: log.promptTokens,
      completion_tokens: log.completionTokens,
      bytes_in: Number(context.request.headers['content-length']) || 0,
      bytes_out: log.bytesOut ?? 0,
      error_code: log.errorCode,
      client_aborted: context.signal.aborted || undefined,
      generation_id: log.generationId,
      cost_nano: log.costNano,
    })
  }

  /** The stored request log (metadata only) for API calls that reached the data plane. */
  function recordRequest(context: RequestContext): void {
    if (context.logWritten) return
    const record = buildRequestLogRecord(context, context.response.statusCode)
    if (record === undefined) return
    // A charged request's row is written by its settlement, in the same transaction.
    if (context.charge !== undefined) dependencies.requestLogs.addCharged(record, context.charge(record))
    else dependencies.requestLogs.add(record)
  }

  async function run(context: RequestContext): Promise<void> {
    try {
      await findHandler(context.request.method ?? 'GET', context.path)(context)
    } catch (error) {
      const gatewayError = toGatewayError(error)
      if (gatewayError.status >= 500 && gatewayError.code === 'internal_error') {
        logger.error('unhandled error', { request_id: context.requestId, ...describeError(error) })
      }
      if (context.response.headersSent) {
        context.response.destroy()
        return
      }
      const headers: Record<string, string> = {}
      if (gatewayError.code === 'method_not_allowed') {
        headers.allow = [...(methodsFor(context.path)?.keys() ?? ['GET'])].join(', ')
      }
      // A refused call (402, 403…) can be looked up by its generation ID like any other.
      if (context.log.generationId !== undefined) headers['x-onekey-generation-id'] = context.log.generationId
      // Node drains an unread body before reusing the connection; an oversize one is not worth reading.
      if (gatewayError.code === 'request_too_large') headers.connection = 'close'
      sendError(context, gatewayError, headers)
    }
  }

  return {
    get inFlight() {
      return inFlight
    },
    handle(request, response) {
      const controller = new AbortController()
      const url = request.url ?? '/'
      const queryStart = url.indexOf('?')
      const context: RequestContext = {
        writer: answerWriter,
        requestId: chooseRequestId(request.headers['x-request-id']),
        path: queryStart === -1 ? url : url.slice(0, queryStart),
        startMs: performance.now(),
        request,
        response,
        signal: controller.signal,
        key: undefined,
        log: emptyRequestLog(),
        headers: undefined,
        charge: undefined,
        logWritten: false,
      }
      inFlight++
      // The log is written once the response closed and the handler finished (it settles the cost).
      let waiting = 2
      const done = () => {
        if (--waiting === 0) writeRequestLog(context)
      }
      response.on('close', () => {
        inFlight--
        if (!response.writableFinished) controller.abort()
        done()
      })
      void run(context).finally(done)
    },
  }
}
