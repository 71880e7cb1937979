/**
 * One attempt against one upstream account: build the request, send it, map an error answer,
 * or hand a good one to the JSON or stream delivery, and keep the account's circuit up to date.
 * A failure counts as retryable only while nothing has been sent to the client.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type {
  ProviderAdapter,
  UpstreamRequest,
  UpstreamResponse,
  UpstreamTarget,
} from '../../providers/provider-adapter.ts'
import { toTransportError } from '../../providers/undici-transport.ts'
import type { AnswerOptions, AttemptOutcome } from '../deliver/attempt-outcome.ts'
import { deliverJsonAnswer, readAll } from '../deliver/deliver-json-answer.ts'
import { deliverStreamAnswer } from '../deliver/deliver-stream-answer.ts'
import type { RequestContext } from '../request-context.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import type { AccountHealth } from './account-health.ts'
import type { OfferStats } from './offer-stats.ts'
import { translateUpstreamResponse } from './translate-upstream-response.ts'

const MAX_ERROR_BODY_BYTES = 64 * 1024

/** Updates the account's circuit from an attempt's failure (BYOK keys have none). */
export function recordFailure(
  health: AccountHealth,
  accountKey: string | undefined,
  error: GatewayError,
): void {
  if (accountKey === undefined) return
  if (error.code === 'upstream_auth_failed') health.recordFailure(accountKey, 'auth')
  else if (error.code === 'upstream_rate_limited')
    health.recordFailure(accountKey, 'rate_limited', error.retryAfterSeconds)
  else if (error.retryable) health.recordFailure(accountKey, 'transient')
  // a request the upstream rejected as invalid says nothing bad about the account
  else health.recordSuccess(accountKey)
}

function contentTypeOf(response: UpstreamResponse): string {
  const value = response.headers['content-type']
  return (Array.isArray(value) ? value[0] : value) ?? ''
}

/**
 * Runs one attempt and delivers its answer. Returns `failed` with `error.retryable` telling the
 * caller whether another account may be tried (never after bytes reached the client).
 */
export async function runUpstreamAttempt(
  context: RequestContext,
  request: OpenAIChatCompletionRequest,
  attempt: PlannedAttempt,
  health: AccountHealth,
  stats: OfferStats,
  headers: OutgoingHttpHeaders,
  answer: AnswerOptions,
  build: BuildUpstreamRequest = buildChatRequest,
): Promise<AttemptOutcome> {
  const startedMs = performance.now()
  const timing: AttemptTiming = { headersAtMs: undefined }
  context.trace?.startAttempt(attempt)
  const outcome = await sendAndDeliver(context, request, attempt, health, headers, timing, answer, build)
  context.trace?.endAttempt(outcome.kind === 'failed' ? outcome.error : undefined, outcome.kind === 'aborted')
  // Rolling stats feed selection and `provider.sort`; a BYOK key's troubles are its own, and a
  // request the upstream rejected as invalid says nothing about the offer.
  if (attempt.accountKey !== undefined && outcome.kind !== 'aborted') {
    const keys = [attempt.offer.key, attempt.accountKey]
    if (outcome.kind === 'delivered') {
      const endMs = performance.now()
      const headersAtMs = timing.headersAtMs ?? endMs
      // A JSON answer is generated before its headers; a stream after them.
      const generationMs = endMs - (request.stream === true ? headersAtMs : startedMs)
      const tokens = context.log.completionTokens
      stats.record(keys, {
        ok: true,
        latencyMs: headersAtMs - startedMs,
        tokensPerSecond:
          tokens !== undefined && generationMs > 0 ? tokens / (generationMs / 1000) : undefined,
      })
    } else if (outcome.error.retryable || outcome.error.code === 'upstream_auth_failed') {
      stats.record(keys, { ok: false })
    }
  }
  return outcome
}

/** Builds the upstream call for an attempt: chat by default, or an endpoint's native call. */
export type BuildUpstreamRequest = (
  adapter: ProviderAdapter,
  request: OpenAIChatCompletionRequest,
  target: UpstreamTarget,
) => UpstreamRequest

const buildChatRequest: BuildUpstreamRequest = (adapter, request, target) =>
  adapter.toChatCompletionRequest(request, target)

interface AttemptTiming {
  headersAtMs: number | undefined
}

async function sendAndDeliver(
  context: RequestContext,
  request: OpenAIChatCompletionRequest,
  attempt: PlannedAttempt,
  health: AccountHealth,
  headers: OutgoingHttpHeaders,
  timing: AttemptTiming,
  answer: AnswerOptions,
  build: BuildUpstreamRequest,
): Promise<AttemptOutcome> {
  const { adapter, transport, config } = attempt.provider
  const upstreamRequest = build(adapter, request, attempt.target)
  let response: UpstreamResponse
  try {
    response = await transport.send(upstreamRequest, attempt.target, { signal: context.signal })
    if (upstreamRequest.translation !== undefined)
      response = translateUpstreamResponse(
        response,
        upstreamRequest.translation,
        request.stream === true,
        config.name,
      )
  } catch (error) {
    if (context.signal.aborted) return { kind: 'aborted' }
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { kind: 'failed', error: gatewayError }
  }
  timing.headersAtMs = performance.now()
  context.trace?.attemptStatus(response.status)

  try {
    if (response.status < 200 || response.status >= 300) {
      const text = (await readAll(response.body, MAX_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0))).toString(
        'utf8',
      )
      const error = adapter.toGatewayError(response.status, text, response.headers, attempt.target)
      recordFailure(health, attempt.accountKey, error)
      return { kind: 'failed', error }
    }
    const streaming = request.stream === true
    if (streaming !== contentTypeOf(response).includes('text/event-stream')) {
      throw new GatewayError('upstream_invalid_response', 'The upstream answered in the wrong format.', {
        provider: config.name,
      })
    }
    const outcome = streaming
      ? await deliverStreamAnswer(context, response, headers, config.name, answer)
      : await deliverJsonAnswer(context, response, headers, config.name, answer)
    if (outcome.kind === 'delivered' && attempt.accountKey !== undefined)
      health.recordSuccess(attempt.accountKey)
    else if (outcome.kind === 'failed') recordFailure(health, attempt.accountKey, outcome.error)
    return outcome
  } catch (error) {
    response.discard()
    if (context.signal.aborted) return { kind: 'aborted' }
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { kind: 'failed', error: gatewayError }
  }
}
