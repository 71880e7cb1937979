/**
 * HTTP transport to real upstreams: one undici Agent per provider (keep-alive pools per origin,
 * reused across requests), with the provider's connect, first-byte and idle timeouts.
 * Transport failures become retryable gateway errors with stable codes.
 *
 * @module
 * @see https://undici.nodejs.org/#/docs/api/Agent
 */
import { Agent, errors as undiciErrors } from 'undici'
import type { ProviderConfig } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { UpstreamResponse, UpstreamTransport } from './provider-adapter.ts'

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
    async send(request, _target, { signal }): Promise<UpstreamResponse> {
      try {
        const response = await agent.request({
          origin: request.origin,
          path: request.path,
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal,
        })
        const body = response.body
        // Errors surface through iteration; this listener keeps an unread, destroyed body from
        // raising an uncaught 'error' event (undici emits one when a body is discarded).
        body.on('error', () => {})
        return {
          status: response.statusCode,
          headers: response.headers,
          body: (async function* () {
            try {
              for await (const chunk of body) yield chunk as Uint8Array
            } catch (error) {
              if (signal.aborted) throw error
              throw toTransportError(error, provider.name)
            }
          })(),
          discard: () => body.destroy(),
        }
      } catch (error) {
        if (signal.aborted) throw error
        throw toTransportError(error, provider.name)
      }
    },
    close: () => agent.close(),
  }
}
