/**
 * One upstream call whose answer is a single JSON document (embeddings, image generation): sent,
 * a non-2xx mapped by the adapter to a gateway error, the body read whole within a size bound
 * and parsed, checked by the caller, account health fed either way. Never throws.
 *
 * @module
 */

import { GatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamRequest } from '../../providers/provider-adapter.ts'
import { toTransportError } from '../../providers/undici-transport.ts'
import { readAll } from '../deliver/deliver-json-answer.ts'
import type { RequestContext } from '../request-context.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import type { AccountHealth } from './account-health.ts'
import { recordFailure } from './upstream-attempt.ts'

const MAX_ERROR_BODY_BYTES = 64 * 1024

export type JsonAttemptResult<T> = { ok: true; body: T } | { ok: false; error: GatewayError }

export interface JsonAttemptOptions<T> {
  /** The largest answer read. */
  maxBytes: number
  /** The parsed answer as the endpoint's type, or undefined when it is not one (then a 502). */
  accept(parsed: unknown): T | undefined
  /** What the answer should have been, for the error: e.g. "an embeddings list". */
  expected: string
}

export async function sendForJson<T>(
  context: RequestContext,
  attempt: PlannedAttempt,
  upstreamRequest: UpstreamRequest,
  health: AccountHealth,
  options: JsonAttemptOptions<T>,
): Promise<JsonAttemptResult<T>> {
  const { adapter, transport, config } = attempt.provider
  try {
    const response = await transport.send(upstreamRequest, attempt.target, { signal: context.signal })
    context.trace?.attemptStatus(response.status)
    if (response.status < 200 || response.status >= 300) {
      const text = (await readAll(response.body, MAX_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0))).toString(
        'utf8',
      )
      const error = adapter.toGatewayError(response.status, text, response.headers, attempt.target)
      recordFailure(health, attempt.accountKey, error)
      return { ok: false, error }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse((await readAll(response.body, options.maxBytes)).toString('utf8'))
    } catch {
      throw new GatewayError('upstream_invalid_response', 'The upstream answer was not valid JSON.', {
        provider: config.name,
      })
    }
    const body = options.accept(parsed)
    if (body === undefined)
      throw new GatewayError(
        'upstream_invalid_response',
        `The upstream answer was not ${options.expected}.`,
        {
          provider: config.name,
        },
      )
    if (attempt.accountKey !== undefined) health.recordSuccess(attempt.accountKey)
    return { ok: true, body }
  } catch (error) {
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { ok: false, error: gatewayError }
  }
}
