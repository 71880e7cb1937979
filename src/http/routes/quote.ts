/**
 * `POST /v1/quote` (also `/api/v1/quote`): "compare the route first, then send the request".
 * Takes a chat completion body (or an image generation body: `prompt`, `n`, `size`, `quality`,
 * whose output cost is the images at the offer's price for their tier) and answers, for every lane, whether the model is available
 * there for this key and why not, the offer that would serve it first, the estimated prompt
 * tokens, the estimated input cost and the maximum output cost, and the trust posture and
 * data policy. No upstream is called. Unpublished prices show as "quote on request", never as
 * a number.
 *
 * @module
 * Product spec §2 (quote), §10 (publish exact prices only where approved).
 */
import type { AuthenticatedKey } from '../../auth/authenticator.ts'
import { keyMayUse } from '../../auth/key-access.ts'
import { highestOutputPrice } from '../../billing/cost.ts'
import { laneModelId, parseModelId } from '../../catalog/model-id.ts'
import type { Lane, OfferConfig } from '../../config/config.ts'
import { imageTier } from '../../config/image-prices.ts'
import type { OpenAIChatCompletionRequest, OpenAIImagesRequest } from '../../contracts/openai-wire.ts'
import { costOf, formatPicoUsd } from '../../contracts/usd.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { AccountHealth } from '../../gateway/attempt/account-health.ts'
import { accountKeyOf, type OfferFilter, type RoutePlanner } from '../../gateway/route/route-planner.ts'
import { takeRoutingOptions } from '../../gateway/route/routing-options.ts'
import { choiceCount } from '../../gateway/validate/choice-count.ts'
import {
  estimatePromptTokens,
  estimateTextTokens,
  maxOutputTokens,
} from '../../tokens/estimate-prompt-tokens.ts'
import { reasoningOutputFloor } from '../../tokens/reasoning-output-floor.ts'
import { tokenCounter } from '../../tokens/tokenizer.ts'
import { publicPrice } from './models.ts'

const TRUST: Record<Lane, string> = {
  cheap:
    'Pooled shared upstream accounts at the lowest cost; end-user identifiers, client headers and your identity are removed before the request leaves.',
  resale:
    "The provider's official API through the operator's own accounts; never falls back to pooled accounts.",
  byok: 'Your own provider key: the provider bills you and sees your account; never replaced by another key.',
}

export interface QuoteDependencies {
  planner(): RoutePlanner
  health: AccountHealth
  byokProviders(workspaceId: string): Promise<ReadonlySet<string>>
  defaultLane: Exclude<Lane, 'byok'>
}

interface LaneQuote {
  lane: Lane
  model: string
  available: boolean
  reason: string | null
  trust: string
  offer: {
    provider: string
    upstream_model: string
    price: ReturnType<typeof publicPrice>
    data_policy: { retains_prompts: boolean; trains_on_data: boolean }
  } | null
  estimated_input_cost: string | null
  max_output_cost: string | null
  max_total_cost: string | null
}

export function createQuoteRoute(dependencies: QuoteDependencies) {
  return async function quote(
    key: AuthenticatedKey,
    request: OpenAIChatCompletionRequest | OpenAIImagesRequest,
  ): Promise<string> {
    const planner = dependencies.planner()
    const { options, request: body } = takeRoutingOptions(request as OpenAIChatCompletionRequest)
    const images = 'prompt' in request ? (request as OpenAIImagesRequest) : undefined
    const parsed = parseModelId(body.model)
    const model = planner.catalog.find(parsed.model)
    if (model === undefined) {
      throw new GatewayError(
        'model_not_found',
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        {
          param: 'model',
        },
      )
    }
    const promptTokens =
      images === undefined
        ? estimatePromptTokens(body, tokenCounter(model.tokenizer))
        : estimateTextTokens(images.prompt)
    // Every choice (`n`) can produce the output cap: the quote covers what the hold reserves.
    const cap = images === undefined ? maxOutputTokens(body, model, promptTokens) : 0
    const outputTokens =
      cap === undefined
        ? null
        : images === undefined
          ? Math.max(cap, reasoningOutputFloor(body)) * choiceCount(body)
          : 0
    const imageRequest = { size: images?.size, quality: images?.quality }
    const filter: OfferFilter = {
      preferences: options.preferences,
      denyDataCollection: key.denyDataCollection || options.preferences?.dataCollection === 'deny',
      // Images, files, audio: offers that cannot take them are not chosen ("does not take file input").
      inputModalities: options.input?.modalities,
    }
    const storedByok = await dependencies.byokProviders(key.workspaceId)

    const laneQuote = (lane: Lane, provider?: string): LaneQuote => {
      const id = laneModelId(lane, model.id, provider)
      const all = planner.catalog.offers(model, lane, provider)
      const selection = planner.selectOffers(model, lane, filter, provider)
      const offer = selection.offers.find((candidate) => hasHealthyAccount(candidate)) ?? selection.offers[0]
      let reason: string | undefined
      if (all.length === 0) reason = `not offered in the ${lane} lane`
      else if (!keyMayUse(key, lane, id, model.id)) reason = 'this API key may not use it'
      else if (selection.reason !== undefined) reason = selection.reason
      else if (lane === 'byok' && !storedByok.has(provider!) && options.byok?.provider !== provider)
        reason = `no BYOK key is stored for ${provider}`
      else if (offer !== undefined && !hasHealthyAccount(offer))
        reason = 'every account is resting after failures; retry later'
      else if (images !== undefined && offer !== undefined && imagePico(offer) === undefined)
        reason = 'no price for this image size and quality'
      return {
        lane,
        model: id,
        available: reason === undefined,
        reason: reason ?? null,
        trust: TRUST[lane],
        offer: offer === undefined ? null : describeOffer(offer),
        ...costs(offer),
      }
    }

    /** Pico-USD for the images asked for on `offer`; undefined when it has no price for their tier. */
    function imagePico(offer: OfferConfig): bigint | undefined {
      const tier = imageTier(offer.price.image, model!.images, imageRequest)
      if (tier === undefined) return undefined
      return BigInt(offer.price.image![tier]!) * BigInt(images?.n ?? 1)
    }

    function hasHealthyAccount(offer: OfferConfig): boolean {
      if (offer.lane === 'byok') return true
      return offer.accounts.some((account) =>
        dependencies.health.isAvailable(accountKeyOf(offer.provider, account)),
      )
    }

    function costs(
      offer: OfferConfig | undefined,
    ): Pick<LaneQuote, 'estimated_input_cost' | 'max_output_cost' | 'max_total_cost'> {
      if (offer === undefined || !offer.published) {
        return { estimated_input_cost: null, max_output_cost: null, max_total_cost: null }
      }
      const input = costOf(promptTokens, offer.price.input) + BigInt(offer.price.request)
      // At the dearer of the output and reasoning prices: any share of the output may be reasoning.
      // Images: every image asked for (`n`) at the offer's price for their size and quality.
      const output =
        images !== undefined
          ? (imagePico(offer) ?? null)
          : outputTokens === null
            ? null
            : costOf(outputTokens, highestOutputPrice(offer.price))
      return {
        estimated_input_cost: formatPicoUsd(input),
        max_output_cost: output === null ? null : formatPicoUsd(output),
        max_total_cost: output === null ? null : formatPicoUsd(input + output),
      }
    }

    const lanes: LaneQuote[] = [laneQuote('cheap'), laneQuote('resale')]
    for (const provider of new Set(planner.catalog.offers(model, 'byok').map((offer) => offer.provider))) {
      lanes.push(laneQuote('byok', provider))
    }
    const requestedLane = parsed.lane ?? key.defaultLane ?? dependencies.defaultLane
    return JSON.stringify({
      object: 'quote',
      model: model.id,
      requested: {
        model: body.model,
        lane: requestedLane,
      },
      estimated_prompt_tokens: promptTokens,
      prompt_token_estimate:
        model.tokenizer === undefined
          ? 'conservative: about one token per 3 UTF-8 bytes, 765 per image'
          : `${model.tokenizer} token counts, 765 per image`,
      max_output_tokens: outputTokens,
      currency: 'USD',
      lanes,
    })
  }
}

function describeOffer(offer: OfferConfig): NonNullable<LaneQuote['offer']> {
  return {
    provider: offer.provider,
    upstream_model: offer.upstreamModel,
    price: publicPrice(offer),
    data_policy: {
      retains_prompts: offer.dataPolicy.retainsPrompts,
      trains_on_data: offer.dataPolicy.trainsOnData,
    },
  }
}
