/**
 * HTTP transport to real upstreams: one undici Agent per provider (keep-alive pools per origin,
 * reused across requests), with the provider's connect, first-byte and idle timeouts.
 * Transport failures become retryable gateway errors with stable codes.
 *
 * @module
 * @see https://undici.nodejs.org/#/docs/api/Agent
 */
import type { Dispatcher } from 'undici'
// The dispatcher and its errors only: the package's index also loads fetch (see the .d.ts).
import undiciErrors from 'undici/lib/core/errors.js'
import Agent from 'undici/lib/dispatcher/agent.js'
import type { ProviderConfig } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { UpstreamResponse, UpstreamTransport } from './provider-adapter.ts'
import { UpstreamBodyQueue } from './upstream-body-queue.ts'

/** Maps an undici or socket failure to a gateway error; rethrows aborts untouched. */
export function toTransportError(error: unknown, provider: string): GatewayError {
  if (error instanceof GatewayError) return error
  const code = (error as { code?: string }).code
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new GatewayError('upstream_timeout', `The upstream provider timed out (${code}).`, {
      provider,
      cause: error,
    })
  }
  return new GatewayError(
    'upstream_connection_failed',
    `Could not reach the upstream provider (${code ?? 'error'}).`,
    {
      provider,
      cause: error,
    },
  )
}

/**
 * Sends through `Agent.dispatch` with a handler, the lowest public level of undici: no Readable
 * per response and no AsyncResource, which the `request()` API adds.
 */
export function createUndiciTransport(
  provider: ProviderConfig,
  connectionsPerOrigin: number,
): UpstreamTransport {
  const agent = new Agent({
    connections: connectionsPerOrigin,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connect: { timeout: provider.timeouts.connectMs },
    headersTimeout: provider.timeouts.firstByteMs,
    bodyTimeout: provider.timeouts.idleMs,
  })
  return {
    send(request, _target, { signal }): Promise<UpstreamResponse> {
      return new Promise<UpstreamResponse>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason)
          return
        }
        let controller: Dispatcher.DispatchController | undefined
        let body: UpstreamBodyQueue | undefined
        const onAbort = () => controller?.abort(signal.reason as Error)
        signal.addEventListener('abort', onAbort, { once: true })
        const done = () => signal.removeEventListener('abort', onAbort)
        agent.dispatch(
          {
            origin: request.origin,
            path: request.path,
            method: 'POST',
            headers: request.headers,
            body: request.body,
          },
          {
            onRequestStart(requestController) {
              controller = requestController
              if (signal.aborted) requestController.abort(signal.reason as Error)
            },
            onResponseStart(responseController, statusCode, headers) {
              if (statusCode < 200) return // an informational answer; the real one follows
              body = new UpstreamBodyQueue(responseController)
              resolve({
                status: statusCode,
                headers,
                body,
                discard: () => {
                  done()
                  if (!responseController.aborted) responseController.abort(new Error('discarded'))
                },
              })
            },
            onResponseData(_controller, chunk) {
              body?.push(chunk)
            },
            onResponseEnd() {
              done()
              body?.end()
            },
            onResponseError(_controller, error) {
              done()
              if (body === undefined) reject(signal.aborted ? error : toTransportError(error, provider.name))
              else body.fail(signal.aborted ? error : toTransportError(error, provider.name))
            },
          },
        )
      })
    },
    // Called after the shutdown grace period: whatever is still open upstream is abandoned.
    close: (mode = 'now') => (mode === 'graceful' ? agent.close() : agent.destroy()),
  }
}
