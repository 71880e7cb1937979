/**
 * The model catalog at run time: lookups by ID or alias and, per model and lane, the offers in
 * price order. Built once per config (and again on reload); nothing here allocates per request.
 *
 * @module
 */
import type { Lane, ModelConfig, OfferConfig } from '../config/catalog-config.ts'

export interface Catalog {
  readonly models: readonly ModelConfig[]
  /** By catalog ID or alias. */
  find(idOrAlias: string): ModelConfig | undefined
  /** The model's offers in a lane, cheapest first (ties keep config order); BYOK ones filtered by provider. */
  offers(model: ModelConfig, lane: Lane, byokProvider?: string): readonly OfferConfig[]
  /** The lanes a model has offers in, in lane order. */
  lanes(model: ModelConfig): readonly Lane[]
}

/** What an offer costs for a typical request: the sort key of "cheapest first". */
export function blendedPrice(offer: OfferConfig): number {
  return offer.price.input + offer.price.output
}

const EMPTY: readonly OfferConfig[] = []

export function createCatalog(models: readonly ModelConfig[]): Catalog {
  const byId = new Map<string, ModelConfig>()
  const byLane = new Map<ModelConfig, Map<string, readonly OfferConfig[]>>()
  const lanesOf = new Map<ModelConfig, readonly Lane[]>()
  for (const model of models) {
    byId.set(model.id, model)
    for (const alias of model.aliases) byId.set(alias, model)
    const groups = new Map<string, OfferConfig[]>()
    const add = (key: string, offer: OfferConfig) => {
      const list = groups.get(key)
      if (list === undefined) groups.set(key, [offer])
      else list.push(offer)
    }
    for (const offer of model.offers) {
      add(offer.lane, offer)
      if (offer.lane === 'byok') add(`byok/${offer.provider}`, offer)
    }
    // Array.prototype.sort is stable: equal prices keep the operator's order.
    for (const list of groups.values()) list.sort((a, b) => blendedPrice(a) - blendedPrice(b))
    byLane.set(model, groups)
    lanesOf.set(
      model,
      (['cheap', 'resale', 'byok'] as const).filter((lane) => groups.has(lane)),
    )
  }
  return {
    models,
    find: (idOrAlias) => byId.get(idOrAlias),
    offers(model, lane, byokProvider) {
      const key = lane === 'byok' && byokProvider !== undefined ? `byok/${byokProvider}` : lane
      return byLane.get(model)?.get(key) ?? EMPTY
    },
    lanes: (model) => lanesOf.get(model) ?? [],
  }
}
