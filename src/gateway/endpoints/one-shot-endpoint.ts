/**
 * What the one-shot JSON endpoints (embeddings, image generation) share: planning the request,
 * and, after limits and the hold (admit/admit-and-hold.ts), the attempts in plan
 * order within `upstream.max_attempts` (operator accounts get the strict scrub, a workspace's own
 * key the body as sent; a retryable failure falls through to the next attempt), the answer
 * written by the endpoint, else the last error; the hold and the admission are always finished.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { RequestBilling } from '../admit/request-billing.ts'
import type { Admission } from '../admit/request-limits.ts'
import type { RequestContext } from '../request-context.ts'
import { planRequest, type Stage, startAttempt } from '../route/plan-stages.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import { takeRoutingOptions } from '../route/routing-options.ts'
import { scrubEndUserFields } from '../route/scrub-request.ts'
import { type ChatCompletionProxyDependencies, nextGenerationId } from './proxy-chat-completion.ts'

/**
 * The request's generation ID (on its log row), its body without the routing options, and its
 * plan: the model asked for, the offer filter and the stages to try. `checkModel` refuses a
 * model the endpoint cannot serve (e.g. a chat model for embeddings), before anything is held.
 */
export async function planOneShot<Request extends { model: string }>(
  context: RequestContext,
  dependencies: ChatCompletionProxyDependencies,
  request: Request & Record<string, unknown>,
  checkModel: Parameters<typeof planRequest>[6],
) {
  const generationId = nextGenerationId()
  context.log.generationId = generationId
  const planner = dependencies.planner()
  const { options, request: body } = takeRoutingOptions(request)
  context.trace?.describe(request.model, undefined)
  const plan = await planRequest(
    context,
    planner,
    options,
    request.model,
    dependencies.defaultLane,
    dependencies.byokCredentials,
    checkModel,
  )
  return { generationId, planner, body, ...plan }
}

/** One upstream call's outcome. */
export type OneShotResult<T> = { ok: true; body: T } | { ok: false; error: GatewayError }

export interface OneShotAttempts<Body extends object, Answer> {
  stages: readonly Stage[]
  /** The model asked for (named when every offer is unavailable). */
  primaryId: string
  generationId: string
  admission: Admission
  billing: RequestBilling
  /** What the upstream gets (before the scrub). */
  body: Body
  /** An attempt not to make (e.g. an offer without a price for this request). */
  skip?(attempt: PlannedAttempt): boolean
  call(attempt: PlannedAttempt, sent: Body): Promise<OneShotResult<Answer>>
  /** Records the usage and writes the answer of the attempt that succeeded. */
  deliver(attempt: PlannedAttempt, answer: Answer, headers: OutgoingHttpHeaders): Promise<void>
}

/** Runs the attempts until one answers; writes the last error when none does. */
export async function runOneShotAttempts<Body extends object, Answer>(
  context: RequestContext,
  dependencies: ChatCompletionProxyDependencies,
  run: OneShotAttempts<Body, Answer>,
): Promise<void> {
  try {
    let lastError: GatewayError | undefined
    let attempts = 0
    outer: for (const stage of run.stages) {
      for (;;) {
        if (attempts >= dependencies.maxAttempts) break outer
        const attempt = stage.cursor.next()
        if (attempt === undefined) break
        if (run.skip?.(attempt) === true) continue
        attempts++
        const headers = startAttempt(context, attempt, attempts, run.generationId)
        run.billing.useAttempt(attempt)
        // Operator accounts get the strict scrub (e.g. no `user`); a workspace's own key the body as sent.
        const sent =
          stage.byok === undefined ? scrubEndUserFields(run.body, attempt.offer.forwardFields) : run.body
        context.trace?.startAttempt(attempt)
        const result = await run.call(attempt, sent)
        context.trace?.endAttempt(result.ok ? undefined : result.error, context.signal.aborted)
        if (context.signal.aborted) return
        if (!result.ok) {
          lastError = result.error
          dependencies.onUpstreamFailure?.(attempt.provider.config.name, lastError.code)
          if (!lastError.retryable && lastError.code !== 'unsupported_endpoint') break outer
          continue
        }
        await run.deliver(attempt, result.body, headers)
        return
      }
    }
    context.writer.error(
      context,
      lastError ??
        new GatewayError(
          'no_healthy_upstream',
          `Every offer for \`${run.primaryId}\` is unavailable; retry later.`,
          {
            retryAfterSeconds: 1,
          },
        ),
      { 'x-onekey-generation-id': run.generationId },
    )
  } finally {
    run.billing.finish()
    run.admission.finish(context.log.promptTokens ?? 0)
  }
}
