/**
 * The public catalog: every model of the route planner's catalog with, per lane, the price an
 * anonymous buyer may read (exact decimal strings from src/contracts/usd.ts, or "quote on
 * request" when the operator has not approved it), its data policy and whether it is available
 * now (any offer in the lane with an account that routing health lets serve). Built per request
 * (cheap: no I/O); pages and the sitemap read it.
 *
 * Quote by lane: each lane has its own row, never one price for every route. BYOK rows are the
 * gateway's fee on the buyer's own provider key, never a fallback for pooled execution.
 *
 * @module
 */
import { laneModelId } from '../catalog/model-id.ts'
import { publicPrice, QUOTE_ON_REQUEST } from '../catalog/published-price.ts'
import type { Lane, ModelConfig, OfferConfig } from '../config/config.ts'
import type { AccountHealth } from '../gateway/attempt/account-health.ts'
import { accountKeyOf, type RoutePlanner } from '../gateway/route/route-planner.ts'

export { QUOTE_ON_REQUEST }

/** A lane's published prices as exact decimal USD strings. */
export interface LanePrices {
  /** Per 1M prompt tokens. */
  input: string
  /** Per 1M completion tokens. */
  output: string
  /** Per 1M cached prompt tokens. */
  cachedInput: string
  /** Per 1M reasoning tokens, when priced apart from output. */
  reasoning: string | null
  /** Per request. */
  request: string
  /** Per generated image by tier (`1024x1024`, `1024x1024/hd`), when the offer makes images. */
  image: Record<string, string> | null
  /** Input price per 1M tokens in pico-USD per token, for exact filtering and sorting. */
  inputPico: number
  /** Other offers in the lane cost more: this is the lowest ("from"). */
  from: boolean
}

export interface PublicLaneOffer {
  lane: Lane
  /** The ID a client sends: `cheap/<model>`, `resale/<model>`, `byok/<provider>/<model>`. */
  id: string
  /** The BYOK provider whose key the buyer brings; null on pooled lanes. */
  byokProvider: string | null
  /** The prices, or "quote on request". */
  prices: LanePrices | typeof QUOTE_ON_REQUEST
  /** Whether any offer of the lane may keep prompts or train on them (worst case over the lane). */
  retainsPrompts: boolean
  trainsOnData: boolean
  /** cheap/resale: an offer has an account routing may use now. BYOK: always "with your key". */
  available: boolean
}

export interface PublicModel {
  id: string
  name: string
  ownedBy: string
  aliases: readonly string[]
  contextLength: number | null
  maxOutputTokens: number | null
  modalities: { input: readonly string[]; output: readonly string[] }
  capabilities: readonly string[]
  lanes: PublicLaneOffer[]
}

export interface CatalogSources {
  planner(): RoutePlanner
  health: AccountHealth
}

function pricesOf(offer: OfferConfig, others: readonly OfferConfig[]): LanePrices | typeof QUOTE_ON_REQUEST {
  const published = publicPrice(offer)
  if (published === QUOTE_ON_REQUEST) return QUOTE_ON_REQUEST
  const price = offer.price
  return {
    input: published.prompt,
    output: published.completion,
    cachedInput: published.cached_input,
    reasoning: price.reasoning === undefined ? null : published.internal_reasoning,
    request: published.request,
    image: published.image ?? null,
    inputPico: price.input,
    from: others.some(
      (other) =>
        other !== offer &&
        (other.price.input !== price.input ||
          other.price.output !== price.output ||
          other.price.request !== price.request ||
          JSON.stringify(other.price.image) !== JSON.stringify(price.image)),
    ),
  }
}

/** The catalog as the public pages show it, in catalog order. */
export function publicCatalog(sources: CatalogSources): PublicModel[] {
  const planner = sources.planner()
  const filter = { preferences: undefined, denyDataCollection: false }
  const healthy = (offer: OfferConfig) =>
    offer.accounts.some((account) => sources.health.isAvailable(accountKeyOf(offer.provider, account)))

  const laneOffer = (model: ModelConfig, lane: Lane, provider?: string): PublicLaneOffer | undefined => {
    const all = planner.catalog.offers(model, lane, provider)
    // The offer routing tries first is the price a request pays when it is served there.
    const first = planner.selectOffers(model, lane, filter, provider).offers[0] ?? all[0]
    if (first === undefined) return undefined
    return {
      lane,
      id: laneModelId(lane, model.id, provider),
      byokProvider: provider ?? null,
      prices: pricesOf(first, all),
      retainsPrompts: all.some((offer) => offer.dataPolicy.retainsPrompts),
      trainsOnData: all.some((offer) => offer.dataPolicy.trainsOnData),
      available: lane === 'byok' ? true : all.some(healthy),
    }
  }

  return planner.catalog.models.map((model) => {
    const lanes: PublicLaneOffer[] = []
    for (const lane of ['cheap', 'resale'] as const) {
      const found = laneOffer(model, lane)
      if (found !== undefined) lanes.push(found)
    }
    for (const provider of new Set(planner.catalog.offers(model, 'byok').map((offer) => offer.provider))) {
      const found = laneOffer(model, 'byok', provider)
      if (found !== undefined) lanes.push(found)
    }
    return {
      id: model.id,
      name: model.name,
      ownedBy: model.ownedBy,
      aliases: model.aliases,
      contextLength: model.contextLength ?? null,
      maxOutputTokens: model.maxOutputTokens ?? null,
      modalities: model.modalities,
      capabilities: model.capabilities,
      lanes,
    }
  })
}

/** Every modality named in the catalog (input or output), sorted. */
export function catalogModalities(models: readonly PublicModel[]): string[] {
  return [
    ...new Set(models.flatMap((model) => [...model.modalities.input, ...model.modalities.output])),
  ].sort()
}

/** Every owner (model vendor) in the catalog, sorted. */
export function catalogOwners(models: readonly PublicModel[]): string[] {
  return [...new Set(models.map((model) => model.ownedBy))].sort()
}
