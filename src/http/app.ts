/**
 * The HTTP layer: raw `node:http` with a tiny exact-path router (chosen by measurement: see
 * bench/README.md). Every answer gets an `x-request-id`; every failure, including unknown
 * routes, wrong methods, oversize or malformed bodies and crashes, leaves as one OpenAI error
 * envelope; every request writes one JSON log line.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { GatewayError, toGatewayError } from '../errors/gateway-error.ts'
import { emptyRequestLog, type RequestContext } from '../gateway/request-context.ts'
import { describeError } from '../logging/logger.ts'
import { runOnRequestPath } from '../storage/round-trip-counter.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import { chooseRequestId } from './request-id.ts'
import { createRequestLogging } from './request-log.ts'
import { createRouteTable, PARAMETER_ROUTES } from './route-table.ts'
import { answerWriter, sendError } from './send-response.ts'

export type { AppDependencies } from './app-dependencies.ts'

export interface App {
  handle(request: IncomingMessage, response: ServerResponse): void
  /** Requests still being answered. */
  readonly inFlight: number
}

export function createApp(dependencies: AppDependencies): App {
  const { logger, tracing } = dependencies
  const { routes, parameterRoutes } = createRouteTable(dependencies)
  let inFlight = 0

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

  const writeRequestLog = createRequestLogging(dependencies, pathLabel)

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
        trace: undefined,
      }
      // Tracing off: this one test is all it costs (metrics/tracing.ts).
      if (tracing !== undefined && context.path.startsWith('/v1/'))
        context.trace = tracing.startRequest(
          request.method ?? 'GET',
          pathLabel(context.path),
          request.headers,
        )
      inFlight++
      // The log is written once the response closed and the handler finished (it settles the cost).
      let waiting = 2
      const done = () => {
        if (--waiting === 0) {
          writeRequestLog(context)
          context.trace?.end(context)
        }
      }
      response.on('close', () => {
        inFlight--
        if (!response.writableFinished) controller.abort()
        done()
      })
      // Storage work until the response closes counts as the request's (round-trip-counter.ts).
      void runOnRequestPath(response, () => run(context)).finally(done)
    },
  }
}
