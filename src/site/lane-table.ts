/**
 * The per-lane price table of one model (on /models and on its own page): a row per lane with
 * the ID to send, the prices per 1M tokens, per request and per image, the data policy and
 * whether the lane can serve now. An unpublished lane reads "quote on request" across the price
 * columns, never a number.
 *
 * @module
 */
import { type HtmlValue, html, type Raw } from './html.ts'
import { type PublicLaneOffer, type PublicModel, QUOTE_ON_REQUEST } from './models-catalog.ts'
import { laneBadge, usd } from './site-format.ts'
import type { SiteSettings } from './site-settings.ts'

function availability(offer: PublicLaneOffer): Raw {
  if (offer.lane === 'byok') return html`<span class="status up">With your key</span>`
  return offer.available
    ? html`<span class="status up">Available</span>`
    : html`<span class="status down">Resting</span>`
}

function dataPolicy(offer: PublicLaneOffer): string {
  if (offer.trainsOnData) return 'May train on data'
  if (offer.retainsPrompts) return 'May keep prompts'
  return 'Not kept or trained on'
}

function imagePrices(prices: Record<string, string> | null, from: boolean): HtmlValue {
  if (prices === null) return html`<span class="muted">—</span>`
  return Object.entries(prices).map(
    ([tier, price], index) =>
      html`${index === 0 ? '' : html`<br>`}${from ? html`<span class="muted">from </span>` : ''}${usd(price)} <span class="muted">${tier}</span>`,
  )
}

function cell(decimal: string, from: boolean): Raw {
  return html`${from ? html`<span class="muted">from </span>` : ''}${usd(decimal)}`
}

/** The table, wrapped in a focusable scroll region labelled with the model's name. */
export function laneTable(site: SiteSettings, model: PublicModel, options: { caption?: boolean } = {}): Raw {
  const images = model.lanes.some((offer) => offer.prices !== QUOTE_ON_REQUEST && offer.prices.image !== null)
  const priceColumns = images ? 5 : 4
  const rows = model.lanes.map((offer) => {
    const prices =
      offer.prices === QUOTE_ON_REQUEST
        ? html`<td colspan="${priceColumns}" class="quote-cell wide" data-label="Price"><span class="quote">${QUOTE_ON_REQUEST}</span></td>`
        : html`<td class="num" data-label="Input / 1M">${cell(offer.prices.input, offer.prices.from)}</td>
<td class="num" data-label="Output / 1M">${usd(offer.prices.output)}</td>
<td class="num" data-label="Cached input / 1M">${usd(offer.prices.cachedInput)}</td>
<td class="num" data-label="Per request">${usd(offer.prices.request)}</td>
${images ? html`<td class="num" data-label="Per image">${imagePrices(offer.prices.image, offer.prices.from)}</td>` : ''}`
    const label =
      offer.lane === 'byok'
        ? html`${laneBadge(site, offer.lane)}<br><span class="muted small">your ${offer.byokProvider} key</span>`
        : laneBadge(site, offer.lane)
    return html`<tr data-lane="${offer.lane}">
<th scope="row">${label}</th>
<td class="wide" data-label="Model ID"><code>${offer.id}</code></td>
${prices}
<td data-label="Data policy">${dataPolicy(offer)}</td>
<td data-label="Status">${availability(offer)}</td>
</tr>`
  })
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label="${model.name}: prices by lane">
<table class="lane-table">
${options.caption === true ? html`<caption class="visually-hidden">${model.name}: prices by lane, USD</caption>` : ''}
<thead><tr>
<th scope="col">Lane</th><th scope="col">Model ID</th>
<th scope="col" class="num">Input / 1M</th><th scope="col" class="num">Output / 1M</th>
<th scope="col" class="num">Cached input / 1M</th><th scope="col" class="num">Per request</th>
${images ? html`<th scope="col" class="num">Per image</th>` : ''}
<th scope="col">Data policy</th><th scope="col">Status</th>
</tr></thead>
<tbody>${rows}</tbody>
</table>
</div>`
}
