/**
 * Which offers could serve a request right now, per lane and model: the number behind the
 * "lane with no healthy offer" alert. An offer is available when one of its accounts is not
 * resting after failures (the same check the planner makes before an attempt); a BYOK offer
 * runs on the customer's own key, which has no circuit here, so it always counts.
 *
 * @module
 */
import type { Catalog } from '../../catalog/catalog.ts'
import type { Lane } from '../../config/config.ts'
import type { AccountHealth } from '../attempt/account-health.ts'
import { accountKeyOf } from './route-planner.ts'

/** One lane of one model: its offers, and how many of them have an account available. */
export interface OfferAvailability {
  lane: Lane
  model: string
  offers: number
  available: number
}

/** Counts, for every lane each model has offers in, the offers with an available account. */
export function offerAvailability(catalog: Catalog, health: AccountHealth): OfferAvailability[] {
  const rows: OfferAvailability[] = []
  for (const model of catalog.models) {
    for (const lane of catalog.lanes(model)) {
      const offers = catalog.offers(model, lane)
      let available = 0
      for (const offer of offers) {
        if (
          offer.lane === 'byok' ||
          offer.accounts.some((account) => health.isAvailable(accountKeyOf(offer.provider, account)))
        )
          available++
      }
      rows.push({ lane, model: model.id, offers: offers.length, available })
    }
  }
  return rows
}
