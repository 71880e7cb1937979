/**
 * The chat completion data plane: resolve the lane and models, plan the attempts, try them in
 * order while failures are retryable and nothing reached the client, and answer with the first
 * success or the most telling error.
 *
 * BYOK keys follow their own rules: a stored key (`byok/<provider>/…`) is never replaced by
 * another key; a `byok_conf` key is tried first and, unless `fallback: false`, a rate limit,
 * rejection or 5xx moves on to the lane's own offers (billed there).
 *
 * @module
 * Product spec §2.
 */
import { randomBytes } from 'node:crypto'
import type { BillingService } from '../../billing/billing-service.ts'
import type { ByokCredentialService } from '../../byok/byok-credential-service.ts'
import { laneModelId } from '../../catalog/model-id.ts'
import type { ImageFetchConfig, Lane, ModelConfig } from '../../config/config.ts'
import type { AlertSink } from '../../contracts/alert-events.ts'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { estimatePromptTokens, maxOutputTokens } from '../../tokens/estimate-prompt-tokens.ts'
import { reasoningOutputFloor } from '../../tokens/reasoning-output-floor.ts'
import { tokenCounter } from '../../tokens/tokenizer.ts'
import { admitAndHold } from '../admit/admit-and-hold.ts'
import type { RequestBilling } from '../admit/request-billing.ts'
import type { LimitGate } from '../admit/request-limits.ts'
import type { AccountHealth } from '../attempt/account-health.ts'
import { alertRejectedByokKey } from '../attempt/byok-rejected-alert.ts'
import { hasRemoteImages, inlineImageUrls } from '../attempt/inline-image-urls.ts'
import type { OfferStats } from '../attempt/offer-stats.ts'
import { type BuildUpstreamRequest, runUpstreamAttempt } from '../attempt/upstream-attempt.ts'
import { answerFromCache } from '../cache/answer-from-cache.ts'
import type { PromptCache } from '../cache/prompt-cache.ts'
import type { ClientFormat } from '../formats/client-format.ts'
import type { RequestContext } from '../request-context.ts'
import { planRequest, type Stage, stageCandidates, startAttempt } from '../route/plan-stages.ts'
import type { ResolvedRoute } from '../route/resolve-route.ts'
import { type RetryWaitState, waitForRetry } from '../route/retry-wait.ts'
import type { OfferFilter, PlannedAttempt, RoutePlanner } from '../route/route-planner.ts'
import { takeRoutingOptions } from '../route/routing-options.ts'
import { scrubEndUserFields } from '../route/scrub-request.ts'
import { choiceCount } from '../validate/choice-count.ts'

export interface ChatCompletionProxyDependencies {
  /** The current planner (replaced when the config is reloaded). */
  planner(): RoutePlanner
  health: AccountHealth
  stats: OfferStats
  byokCredentials: ByokCredentialService
  billing: BillingService
  limits: LimitGate
  /** The prompt cache; undefined when `cache.enabled` is false. */
  cache?: PromptCache | undefined
  cacheMaxEntryBytes?: number
  onCacheResult?: (result: 'hit' | 'miss' | 'bypass') => void
  /** Counts failed upstream attempts (for /metrics). */
  onUpstreamFailure?: (provider: string, code: string) => void
  /** Limits for images fetched for upstreams that need bytes (Gemini). */
  imageFetch: ImageFetchConfig
  /** Output reserved when neither the request nor the catalog caps it. */
  defaultMaxOutputTokens: number
  /** Answers end only after their charge is committed (`billing.durable_settlement`). */
  durableSettlement?: boolean
  maxAttempts: number
  /**
   * When every alternative is resting or already tried: the longest wait for a resting account,
   * or the budget for one retry of a 5xx'd account (`upstream.max_retry_wait_ms`); 0 or unset disables.
   */
  maxRetryWaitMs?: number
  /** The lane of plain model IDs for workspaces without their own setting. */
  defaultLane: Exclude<Lane, 'byok'>
  /** Where a rejected stored BYOK key is reported (the workspace's alerts). */
  alertSink?: AlertSink | undefined
}

// Generation IDs: a random per-process part and a counter (unique across instances, no random
// bytes per request).
const GENERATION_PREFIX = `gen_${randomBytes(9).toString('base64url')}`
let generationCounter = 0

export function nextGenerationId(): string {
  generationCounter = (generationCounter + 1) % Number.MAX_SAFE_INTEGER
  return `${GENERATION_PREFIX}${generationCounter.toString(36)}`
}

function credentialRejected(provider: string, byok: 'stored' | 'request'): GatewayError {
  return new GatewayError(
    'byok_credential_rejected',
    byok === 'stored'
      ? `The ${provider} API rejected your stored BYOK key; update it with PUT /api/v1/byok/${provider}.`
      : `The ${provider} API rejected the key in byok_conf.`,
    { provider },
  )
}

/**
 * An endpoint answered through this pipeline other than chat itself (legacy completions,
 * Responses): chat answers are reshaped by `format`; upstreams that serve the endpoint natively
 * get the client's own body through `native` instead.
 */
export interface EndpointOptions {
  format: ClientFormat
  /** Thrown when an attempt must go through chat but the request uses what chat cannot do. */
  chatRefusal?: GatewayError | undefined
  native?: {
    /** The client's body (usage asked for on streams), for upstreams that take it as is. */
    body: OpenAIChatCompletionRequest
    /** Whether this attempt's upstream serves the endpoint itself. */
    supports(attempt: PlannedAttempt): boolean
    build: BuildUpstreamRequest
    expectedObject: 'text_completion'
  }
}

export async function proxyChatCompletion(
  context: RequestContext,
  request: OpenAIChatCompletionRequest,
  dependencies: ChatCompletionProxyDependencies,
  endpoint?: EndpointOptions,
): Promise<void> {
  // Every call gets a generation ID and a request-log row, refused ones (400, 402, 403…) included.
  const generationId = nextGenerationId()
  context.log.generationId = generationId
  const planner = dependencies.planner()
  const { options, request: body } = takeRoutingOptions(request)
  context.log.stream = body.stream === true
  context.trace?.describe(body.model, body.max_completion_tokens ?? body.max_tokens)
  const { route, primary, filter, stages } = await planRequest(
    context,
    planner,
    options,
    body.model,
    dependencies.defaultLane,
    dependencies.byokCredentials,
    (model) => {
      if (!model.modalities.output.includes('text')) {
        throw new GatewayError(
          'unsupported_endpoint',
          `\`${model.id}\` is not a chat model (it outputs ${model.modalities.output.join(', ')}); use the endpoint for it, e.g. /v1/embeddings.`,
          { param: 'model' },
        )
      }
    },
  )

  // Billing needs the upstream's usage on streams: always ask for it (the client sees it only if it asked).
  const forwardStreamUsage = body.stream_options?.include_usage === true || options.includeUsage
  const sent: OpenAIChatCompletionRequest =
    body.stream === true ? { ...body, stream_options: { ...body.stream_options, include_usage: true } } : body
  // Limits first (a 429 says when to come back), then money (a 402 says how much is missing).
  const promptEstimate = estimatePromptTokens(body, tokenCounter(primary.tokenizer))
  // Every choice (`n`, legacy `best_of`) may produce the whole output cap.
  const choices = choiceCount(body, endpoint?.native?.body)
  // A reasoning request without its own cap may think up to its budget: the hold covers it.
  const thinkingFloor = reasoningOutputFloor(body)
  const outputCap = (model: ModelConfig) =>
    Math.max(
      maxOutputTokens(body, model, promptEstimate) ?? dependencies.defaultMaxOutputTokens,
      thinkingFloor,
    ) * choices
  const { admission, billing } = await admitAndHold(
    context,
    dependencies,
    promptEstimate + outputCap(primary),
    {
      promptEstimate,
      candidates: stageCandidates(planner, stages, filter),
      outputCap,
      forwardStreamUsage,
      durable: dependencies.durableSettlement === true,
    },
  )
  try {
    const cacheKey = await answerFromCache(
      context,
      dependencies,
      route,
      body,
      // Reshaped endpoints are not cached (the cache stores chat answers).
      options.byok !== undefined || endpoint !== undefined,
      billing,
      generationId,
    )
    if (cacheKey === 'served') return
    const answer = billing.answer
    if (cacheKey !== undefined && dependencies.cache !== undefined) {
      const cache = dependencies.cache
      const maxBytes = dependencies.cacheMaxEntryBytes ?? 256 * 1024
      answer.onCompleteAnswer = (bytes, usage) => {
        const by = billing.current
        if (by === undefined || bytes.byteLength > maxBytes) return
        cache.set(cacheKey, {
          body: Buffer.from(bytes),
          lane: by.lane,
          modelId: by.model.id,
          offerKey: by.offer.key,
          providerName: by.providerName,
          upstreamModel: by.offer.upstreamModel,
          promptTokens: usage.prompt_tokens ?? 0,
          completionTokens: usage.completion_tokens ?? 0,
          storedAtMs: Date.now(),
        })
      }
    }
    await attemptAll(
      context,
      dependencies,
      planner,
      stages,
      route,
      primary,
      filter,
      sent,
      billing,
      generationId,
      endpoint,
    )
  } finally {
    billing.finish()
    const log = context.log
    // Nothing served (every attempt failed before the first byte): every token charged goes back.
    admission.finish(log.promptTokens === undefined ? 0 : log.promptTokens + (log.completionTokens ?? 0))
  }
}

async function attemptAll(
  context: RequestContext,
  dependencies: ChatCompletionProxyDependencies,
  planner: RoutePlanner,
  stages: readonly Stage[],
  route: ResolvedRoute,
  primary: ModelConfig,
  filter: OfferFilter,
  body: OpenAIChatCompletionRequest,
  billing: RequestBilling,
  generationId: string,
  endpoint: EndpointOptions | undefined,
): Promise<void> {
  const { health, stats, maxAttempts } = dependencies
  const fetchedImages = new Map<string, Promise<string>>()

  let attemptCount = 0
  let lastError: GatewayError | undefined
  let lastLane: Lane = route.lane
  let exhausted = true
  attempting: for (const stage of stages) {
    // Made on the first failure or wait only: the successful path allocates nothing for it.
    let retries: RetryWaitState | undefined
    for (;;) {
      if (attemptCount >= maxAttempts) {
        exhausted = false
        break attempting
      }
      let attempt = stage.cursor.next()
      // Nothing left but resting or already tried accounts (and no later stage): wait a little.
      if (attempt === undefined && stage === stages.at(-1)) {
        retries ??= { failed: [], retried: new Set() }
        attempt = await waitForRetry(
          stage.cursor,
          retries,
          health,
          dependencies.maxRetryWaitMs ?? 0,
          context.signal,
        )
      }
      if (attempt === undefined) break
      attemptCount++
      lastLane = attempt.lane
      const headers = startAttempt(context, attempt, attemptCount, generationId)
      // A workspace's own key gets the body as sent; operator accounts get the strict scrub.
      const native = endpoint?.native?.supports(attempt) === true ? endpoint.native : undefined
      if (native === undefined && endpoint?.chatRefusal !== undefined) throw endpoint.chatRefusal
      const attemptBody = native?.body ?? body
      let upstreamBody =
        stage.byok === undefined ? scrubEndUserFields(attemptBody, attempt.offer.forwardFields) : attemptBody
      // Upstreams that cannot fetch image URLs get the bytes, fetched once per request, safely.
      if (attempt.provider.adapter.capabilities.inlineImages === true && hasRemoteImages(upstreamBody))
        upstreamBody = await inlineImageUrls(upstreamBody, dependencies.imageFetch, fetchedImages)
      billing.useAttempt(attempt)
      billing.answer.clientFormat = native === undefined ? endpoint?.format : undefined
      billing.answer.expectedObject = native?.expectedObject
      const outcome = await runUpstreamAttempt(
        context,
        upstreamBody,
        attempt,
        health,
        stats,
        headers,
        billing.answer,
        native?.build,
      )
      if (context.response.headersSent) billing.markServed()
      if (outcome.kind !== 'failed') return
      lastError = outcome.error
      dependencies.onUpstreamFailure?.(attempt.provider.config.name, lastError.code)
      if (context.response.headersSent) return
      if (stage.byok !== undefined && lastError.code === 'upstream_auth_failed') {
        lastError = credentialRejected(attempt.provider.config.name, stage.byok)
        if (stage.byok === 'stored') {
          alertRejectedByokKey(
            dependencies.alertSink,
            dependencies.byokCredentials,
            context.key!.workspaceId,
            attempt.provider.config.name,
          )
        }
        // The same key fails for every model: fall back (byok_conf) or stop, never retry it.
        if (stage.byok === 'request' && stages.length > 1) continue attempting
        exhausted = false
        break attempting
      }
      if (!lastError.retryable) {
        exhausted = false
        break attempting
      }
      retries ??= { failed: [], retried: new Set() }
      retries.failed.push({ attempt, error: lastError })
    }
  }
  if (context.response.headersSent) return

  const laneHeaders: Record<string, string> = {
    'x-onekey-lane': lastLane,
    'x-onekey-generation-id': generationId,
  }
  if (attemptCount > 1) laneHeaders['x-onekey-attempts'] = String(attemptCount)
  const requested = laneModelId(route.lane, primary.id, route.byokProvider)
  if (lastError === undefined) {
    const selection = planner.selectOffers(primary, route.lane, filter, route.byokProvider)
    context.writer.error(
      context,
      selection.reason === undefined
        ? new GatewayError(
            'no_healthy_upstream',
            `Every offer for \`${requested}\` is unavailable; retry later.`,
            {
              retryAfterSeconds: 1,
            },
          )
        : new GatewayError(
            'no_matching_offer',
            `No offer for \`${requested}\` can serve this request: ${selection.reason}.`,
            {
              param: 'provider',
            },
          ),
      laneHeaders,
    )
    return
  }
  if (exhausted && lastError.status === 502) {
    // Every offer of the lane was tried or is resting: the lane is unavailable, not one upstream.
    // (A timeout stays 504 and a rate limit 429 with its Retry-After: both say more.)
    lastError = new GatewayError(
      'no_healthy_upstream',
      `Every offer for \`${requested}\` failed or is unavailable (last: ${lastError.message}); retry later.`,
      { retryAfterSeconds: 1 },
    )
  }
  context.writer.error(context, lastError, laneHeaders)
}
