/**
 * `POST /v1/images/generations` through the same stages as embeddings: routing by lane (the
 * planner keeps a resale request off pooled accounts, whatever fails), the catalog's image
 * rules (`n` within the model's `images.max_per_request`, a size and quality some offer prices:
 * 400 naming the parameter otherwise, before any call), limits, the hold (every image asked
 * for at the dearest candidate's tier price, plus the prompt estimate at its input price),
 * attempts with fallback, and the charge on the images actually returned (never more than `n`).
 * The answer is the upstream's `ImagesResponse` with `usage.cost` and `usage.cost_details`.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
import type { ModelConfig, OfferConfig } from '../../config/config.ts'
import { imageTier, pricesSize } from '../../config/image-prices.ts'
import type { OpenAIImagesRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'
import { admitAndHold } from '../admit/admit-and-hold.ts'
import { attemptImageGeneration } from '../attempt/images-attempt.ts'
import { recordUsage } from '../deliver/attempt-outcome.ts'
import type { RequestContext } from '../request-context.ts'
import { stageCandidates } from '../route/plan-stages.ts'
import { planOneShot, runOneShotAttempts } from './one-shot-endpoint.ts'
import type { ChatCompletionProxyDependencies } from './proxy-chat-completion.ts'

/** Whether the catalog says the model generates images. */
export function isImageModel(model: ModelConfig): boolean {
  return model.modalities.output.includes('image')
}

/** A model's catalog rules for this request: an image model, and `n` within its limit. */
function checkImageModel(model: ModelConfig, count: number): void {
  if (!isImageModel(model)) {
    throw new GatewayError(
      'unsupported_endpoint',
      `\`${model.id}\` does not generate images; /v1/images/generations needs a model whose output includes image (see GET /v1/models).`,
      { param: 'model' },
    )
  }
  const most = model.images?.maxPerRequest
  if (most !== undefined && count > most) {
    throw new GatewayError(
      'invalid_parameter',
      `Invalid value for 'n': \`${model.id}\` generates at most ${most} image${most === 1 ? '' : 's'} per request.`,
      { param: 'n' },
    )
  }
}

export async function proxyImages(
  context: RequestContext,
  request: OpenAIImagesRequest & Record<string, unknown>,
  dependencies: ChatCompletionProxyDependencies,
): Promise<void> {
  const count = request.n ?? 1
  const { generationId, planner, body, primary, filter, stages } = await planOneShot(
    context,
    dependencies,
    request,
    (model) => checkImageModel(model, count),
  )
  const tierRequest = { size: request.size, quality: request.quality }
  const tierOf = (model: ModelConfig, offer: OfferConfig) =>
    imageTier(offer.price.image, model.images, tierRequest)
  const candidates = stageCandidates(planner, stages, filter)
  const priced = candidates.filter(({ model, offer }) => tierOf(model, offer) !== undefined)
  if (candidates.length > 0 && priced.length === 0) {
    // The size is the culprit unless some offer prices it at another quality.
    const size = request.size ?? primary.images?.defaultSize ?? '1024x1024'
    const param = candidates.some(({ offer }) => pricesSize(offer.price.image, size)) ? 'quality' : 'size'
    const value = param === 'size' ? size : (request.quality ?? primary.images?.defaultQuality ?? '(default)')
    throw new GatewayError(
      'invalid_parameter',
      `Invalid value for '${param}': \`${primary.id}\` has no price for ${param} ${value} (see pricing.image in GET /v1/models).`,
      { param },
    )
  }
  const upstreamBody = body as unknown as OpenAIImagesRequest
  const promptEstimate = estimateTextTokens(request.prompt)
  const { admission, billing } = await admitAndHold(context, dependencies, promptEstimate, {
    promptEstimate,
    candidates: priced,
    outputCap: () => 0,
    forwardStreamUsage: false,
    durable: dependencies.durableSettlement === true,
    images: (model, offer) => {
      const tier = tierOf(model, offer)
      return tier === undefined ? undefined : { tier, count }
    },
  })
  await runOneShotAttempts(context, dependencies, {
    stages,
    primaryId: primary.id,
    generationId,
    admission,
    billing,
    body: upstreamBody,
    // An offer without a price for this size and quality is not one to try (nor was it held for).
    skip: (attempt) => tierOf(attempt.model, attempt.offer) === undefined,
    call: (attempt, sent) => attemptImageGeneration(context, attempt, sent, dependencies.health),
    async deliver(_attempt, result, headers) {
      // Untrusted: more images than asked for are neither delivered nor charged.
      const { usage: upstreamUsage, ...answer } = result
      const data = answer.data.slice(0, count)
      const tokens = { prompt_tokens: promptEstimate, completion_tokens: 0, total_tokens: promptEstimate }
      recordUsage(context, tokens, billing.answer)
      billing.countImages(data.length)
      billing.markServed()
      const decorated: Record<string, unknown> & typeof tokens = { ...tokens }
      billing.answer.decorateUsage?.(decorated)
      if (billing.answer.beforeEnd !== undefined) await billing.answer.beforeEnd()
      const usage =
        upstreamUsage !== null && typeof upstreamUsage === 'object'
          ? { ...upstreamUsage }
          : {
              // OpenAI's ImageGenUsage shape, from the gateway's own prompt count.
              input_tokens: promptEstimate,
              output_tokens: 0,
              total_tokens: promptEstimate,
              input_tokens_details: { text_tokens: promptEstimate, image_tokens: 0 },
              estimated: true,
            }
      context.writer.json(
        context,
        200,
        JSON.stringify({
          ...answer,
          created: typeof answer.created === 'number' ? answer.created : Math.floor(Date.now() / 1000),
          data,
          usage: { ...usage, cost: decorated.cost, cost_details: decorated.cost_details },
        }),
        headers,
      )
    },
  })
}
