/**
 * The chat completion data plane: plan the attempts for the model, try them in order while
 * failures are retryable and nothing reached the client, and answer with the first success or
 * the most telling error.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import { sendError } from '../http/send-response.ts'
import type { OpenAIChatCompletionRequest } from '../providers/openai-wire.ts'
import type { AccountHealth } from './account-health.ts'
import type { RoutePlanner } from './route-planner.ts'
import { scrubEndUserFields } from './scrub-request.ts'
import { runUpstreamAttempt } from './upstream-attempt.ts'

export interface ChatCompletionProxyDependencies {
  planner: RoutePlanner
  health: AccountHealth
  maxAttempts: number
}

export async function proxyChatCompletion(
  context: RequestContext,
  request: OpenAIChatCompletionRequest,
  dependencies: ChatCompletionProxyDependencies,
): Promise<void> {
  const { planner, health, maxAttempts } = dependencies
  const model = planner.resolveModel(request.model)
  context.log.model = model.id
  context.log.stream = request.stream === true
  const upstreamRequest = scrubEndUserFields(request)

  const attempts = planner.attempts(model)
  let attemptCount = 0
  let lastError: GatewayError | undefined
  while (attemptCount < maxAttempts) {
    const attempt = attempts.next()
    if (attempt === undefined) break
    attemptCount++
    context.log.attempts = attemptCount
    context.log.provider = attempt.provider.config.name
    context.log.account = attempt.target.account.name
    context.log.upstreamModel = attempt.target.upstreamModel
    const headers: OutgoingHttpHeaders = {
      'x-onekey-provider': attempt.provider.config.name,
      'x-onekey-model': attempt.target.upstreamModel,
    }
    if (attemptCount > 1) headers['x-onekey-attempts'] = String(attemptCount)

    const outcome = await runUpstreamAttempt(context, upstreamRequest, attempt, health, headers)
    if (outcome.kind !== 'failed') return
    lastError = outcome.error
    if (context.response.headersSent || !lastError.retryable) break
  }
  if (context.response.headersSent) return

  const error =
    lastError ??
    new GatewayError(
      'no_healthy_upstream',
      `Every upstream account for \`${model.id}\` is unavailable; retry later.`,
      {
        retryAfterSeconds: 1,
      },
    )
  sendError(context, error, attemptCount > 1 ? { 'x-onekey-attempts': String(attemptCount) } : {})
}
