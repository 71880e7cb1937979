/**
 * A request's lane and models → the ordered upstream attempts. The lane is a hard boundary:
 * attempts come only from that lane's offers, and each offer carries only accounts whose trust
 * fits the lane (checked when the config loads), so no path (retry, stream, `models` list,
 * fallback) can cross from `resale` into the pool.
 *
 * Order: models in the order asked; within a model, the lane's offers cheapest first (or as
 * `provider.sort|order` asks), offers with a high recent error rate after the others; within an
 * offer, accounts drawn by weight among the healthy ones (no repeats). Attempts are produced
 * lazily so each circuit check is made just before its attempt.
 *
 * @module
 * Product spec §2.
 */

import type { Catalog } from '../../catalog/catalog.ts'
import type { AccountConfig, Lane, ModelConfig, OfferConfig } from '../../config/config.ts'
import type { UpstreamTarget } from '../../providers/provider-adapter.ts'
import type { ProviderRegistry, RegisteredProvider } from '../../providers/registry.ts'
import type { AccountHealth } from '../attempt/account-health.ts'
import type { OfferStats } from '../attempt/offer-stats.ts'
import { unsupportedInputReason } from './input-check.ts'
import { takesInput } from './input-modalities.ts'
import type { ProviderPreferences } from './routing-options.ts'

const NO_ATTEMPTS: readonly PlannedAttempt[] = []

export interface PlannedAttempt {
  lane: Lane
  model: ModelConfig
  offer: OfferConfig
  provider: RegisteredProvider
  target: UpstreamTarget
  /** Circuit-breaker key `provider/account`; undefined for a workspace's own (BYOK) key. */
  accountKey: string | undefined
  weight: number
}

/** The attempts of one request, drawn one at a time so each health check is fresh. */
export interface AttemptCursor {
  /** The next attempt, or undefined when every offer and account was tried or skipped. */
  next(): PlannedAttempt | undefined
  /** The attempts `next()` passed over so far because their account was resting. */
  skipped(): readonly PlannedAttempt[]
}

export interface OfferFilter {
  preferences: ProviderPreferences | undefined
  /** The workspace denies data collection, or the request asked `data_collection: "deny"`. */
  denyDataCollection: boolean
  /** Input beyond text the request carries (`input-modalities.ts` bits); 0 or absent: text only. */
  inputModalities?: number | undefined
}

/** The offers a request may use in a lane, in the order they will be tried, or why there are none. */
export type OfferSelection =
  | { offers: readonly OfferConfig[]; reason?: undefined }
  | { offers: readonly []; reason: string }

export interface PlanInput extends OfferFilter {
  lane: Lane
  models: readonly ModelConfig[]
  /** Lane `byok`, or a `byok_conf` attempt: whose key, for which provider. */
  byok?: { provider: string; apiKey: string } | undefined
}

export interface RoutePlanner {
  readonly catalog: Catalog
  selectOffers(model: ModelConfig, lane: Lane, filter: OfferFilter, byokProvider?: string): OfferSelection
  plan(input: PlanInput): AttemptCursor
}

export function accountKeyOf(providerName: string, account: AccountConfig): string {
  return `${providerName}/${account.name}`
}

/** Weighted order without replacement (Efraimidis–Spirakis keys). */
export function weightedOrder<T extends { weight: number }>(items: readonly T[], random = Math.random): T[] {
  if (items.length <= 1) return [...items]
  return items
    .map((item) => ({ item, key: random() ** (1 / item.weight) }))
    .sort((a, b) => b.key - a.key)
    .map(({ item }) => item)
}

function retainsData(offer: OfferConfig): boolean {
  return offer.dataPolicy.retainsPrompts || offer.dataPolicy.trainsOnData
}

const NOTHING: OfferSelection = { offers: [] as const, reason: 'it has no offers in this lane' }

export function createRoutePlanner(
  catalog: Catalog,
  registry: ProviderRegistry,
  health: AccountHealth,
  stats: OfferStats,
  random: () => number = Math.random,
): RoutePlanner {
  // Every pooled/official attempt an offer can make, built once: a request allocates nothing
  // for its plan when its offer has one account (the weighted shuffle only runs for several).
  const accountAttempts = new Map<OfferConfig, PlannedAttempt[]>()
  for (const model of catalog.models) {
    for (const offer of model.offers) {
      if (offer.lane === 'byok') continue
      const provider = registry.get(offer.provider)
      if (provider === undefined) continue
      accountAttempts.set(
        offer,
        offer.accounts.map((account) => ({
          lane: offer.lane,
          model,
          offer,
          provider,
          accountKey: accountKeyOf(provider.config.name, account),
          weight: account.weight,
          target: { provider: provider.config, account, upstreamModel: offer.upstreamModel, model },
        })),
      )
    }
  }

  function selectOffers(
    model: ModelConfig,
    lane: Lane,
    filter: OfferFilter,
    byokProvider?: string,
  ): OfferSelection {
    const all = catalog.offers(model, lane, byokProvider)
    if (all.length === 0) return NOTHING
    const preferences = filter.preferences
    const needed = filter.inputModalities ?? 0
    if (
      preferences === undefined &&
      !filter.denyDataCollection &&
      needed === 0 &&
      !all.some((offer) => stats.isDegraded(offer.key))
    ) {
      return { offers: all }
    }
    let offers = [...all]
    const filtered = (reason: string): OfferSelection => ({ offers: [], reason })
    if (needed !== 0) {
      offers = offers.filter((offer) => takesInput(offer.inputModalities, needed))
      if (offers.length === 0) return filtered(unsupportedInputReason(model, all, needed))
    }
    if (preferences !== undefined) {
      const { only, ignore } = preferences
      if (only !== undefined) offers = offers.filter((offer) => only.includes(offer.provider))
      if (ignore !== undefined) offers = offers.filter((offer) => !ignore.includes(offer.provider))
      if (offers.length === 0)
        return filtered('no offer in this lane is from a provider allowed by provider.only/ignore')
    }
    if (filter.denyDataCollection) {
      offers = offers.filter((offer) => !retainsData(offer))
      if (offers.length === 0)
        return filtered(
          'every eligible offer retains prompts or trains on data, and data collection is denied',
        )
    }
    if (preferences !== undefined) {
      const { maxPrice } = preferences
      if (maxPrice !== undefined) {
        offers = offers.filter(
          (offer) =>
            (maxPrice.prompt === undefined || offer.price.input <= maxPrice.prompt) &&
            (maxPrice.completion === undefined || offer.price.output <= maxPrice.completion),
        )
        if (offers.length === 0)
          return filtered('every offer in this lane costs more than provider.max_price')
      }
      if (preferences.sort === 'latency') {
        // Unmeasured offers count as fastest, so each gets measured.
        offers.sort((a, b) => (stats.get(a.key)?.latencyMs ?? 0) - (stats.get(b.key)?.latencyMs ?? 0))
      } else if (preferences.sort === 'throughput') {
        offers.sort(
          (a, b) =>
            (stats.get(b.key)?.tokensPerSecond ?? Number.MAX_VALUE) -
            (stats.get(a.key)?.tokensPerSecond ?? Number.MAX_VALUE),
        )
      }
    }
    // Recently failing offers go after the others (stable: the order above holds within each part).
    offers = [
      ...offers.filter((offer) => !stats.isDegraded(offer.key)),
      ...offers.filter((offer) => stats.isDegraded(offer.key)),
    ]
    if (preferences?.order !== undefined) {
      const order = preferences.order
      const rank = (offer: OfferConfig) => {
        const index = order.indexOf(offer.provider)
        return index === -1 ? order.length : index
      }
      offers.sort((a, b) => rank(a) - rank(b))
    }
    if (preferences !== undefined && !preferences.allowFallbacks) {
      const first = offers[0]!.provider
      offers = offers.filter((offer) => offer.provider === first)
    }
    return { offers }
  }

  function byokAttempt(
    model: ModelConfig,
    offer: OfferConfig,
    provider: RegisteredProvider,
    apiKey: string,
  ): PlannedAttempt {
    const account: AccountConfig = {
      name: 'byok',
      apiKey,
      weight: 1,
      baseUrl: provider.config.baseUrl,
      trust: 'customer',
      group: 'byok',
    }
    return {
      lane: 'byok',
      model,
      offer,
      provider,
      accountKey: undefined,
      weight: 1,
      target: { provider: provider.config, account, upstreamModel: offer.upstreamModel, model },
    }
  }

  return {
    catalog,
    selectOffers,
    plan(input) {
      let modelIndex = 0
      let offers: readonly OfferConfig[] = []
      let offerIndex = 0
      let order: readonly PlannedAttempt[] = []
      let attemptIndex = 0
      let model: ModelConfig | undefined
      // Allocated only when an account is skipped (rare): the cursor is made on every request.
      let skipped: PlannedAttempt[] | undefined
      return {
        skipped: () => skipped ?? NO_ATTEMPTS,
        next() {
          for (;;) {
            if (attemptIndex < order.length) {
              const attempt = order[attemptIndex++]!
              if (attempt.accountKey === undefined || health.tryAcquire(attempt.accountKey)) return attempt
              if (skipped === undefined) skipped = []
              skipped.push(attempt)
              continue
            }
            if (model !== undefined && offerIndex < offers.length) {
              const offer = offers[offerIndex++]!
              attemptIndex = 0
              if (input.byok !== undefined) {
                const provider = registry.get(offer.provider)
                order = provider === undefined ? [] : [byokAttempt(model, offer, provider, input.byok.apiKey)]
              } else {
                const accounts = accountAttempts.get(offer) ?? []
                order = accounts.length === 1 ? accounts : weightedOrder(accounts, random)
              }
              continue
            }
            model = input.models[modelIndex++]
            if (model === undefined) return undefined
            offers = selectOffers(model, input.lane, input, input.byok?.provider).offers
            offerIndex = 0
          }
        },
      }
    },
  }
}
