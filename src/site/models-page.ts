/**
 * The models page (`/models`): the live catalog, every model with its lanes and per-lane
 * prices, and a search-and-filter GET form (text, lane, provider, modality, max input price per
 * 1M tokens) that works without JS: the server marks the rows that do not match `hidden`;
 * site.js's `<models-filter>` refilters the same rows as you type.
 *
 * @module
 */
import type { Lane } from '../config/config.ts'
import { parseUsdPerMillionTokens } from '../contracts/usd.ts'
import { type HtmlValue, html, type Raw } from './html.ts'
import { laneTable } from './lane-table.ts'
import { catalogModalities, catalogOwners, type PublicModel, QUOTE_ON_REQUEST } from './models-catalog.ts'
import { renderPage } from './page-shell.ts'
import { chips, tokensShort } from './site-format.ts'
import type { SiteSettings } from './site-settings.ts'

const LANES: readonly Lane[] = ['cheap', 'resale', 'byok']

/** The filters read from the query string; unknown or bad values are dropped, not errors. */
export interface ModelsFilter {
  q: string
  lane: Lane | ''
  provider: string
  modality: string
  /** As typed (shown back in the form). */
  maxPrice: string
  /** Pico-USD per token; null when absent or not a valid decimal. */
  maxPico: number | null
  maxPriceInvalid: boolean
}

export function readModelsFilter(query: URLSearchParams): ModelsFilter {
  const lane = query.get('lane') ?? ''
  const maxPrice = (query.get('max_price') ?? '').trim().slice(0, 20)
  let maxPico: number | null = null
  let maxPriceInvalid = false
  if (maxPrice !== '') {
    try {
      maxPico = parseUsdPerMillionTokens(maxPrice)
    } catch {
      maxPriceInvalid = true
    }
  }
  return {
    q: (query.get('q') ?? '').trim().slice(0, 100),
    lane: (LANES as readonly string[]).includes(lane) ? (lane as Lane) : '',
    provider: (query.get('provider') ?? '').slice(0, 100),
    modality: (query.get('modality') ?? '').slice(0, 40),
    maxPrice,
    maxPico,
    maxPriceInvalid,
  }
}

/** Lowest published input price (pico per token) over the model's lanes, or over one lane. */
function lowestInput(model: PublicModel, lane: Lane | ''): number | null {
  let lowest: number | null = null
  for (const offer of model.lanes) {
    if ((lane !== '' && offer.lane !== lane) || offer.prices === QUOTE_ON_REQUEST) continue
    if (lowest === null || offer.prices.inputPico < lowest) lowest = offer.prices.inputPico
  }
  return lowest
}

function searchText(model: PublicModel): string {
  return [model.id, model.name, model.ownedBy, ...model.aliases, ...model.lanes.map((offer) => offer.id)]
    .join(' ')
    .toLowerCase()
}

export function matchesFilter(model: PublicModel, filter: ModelsFilter): boolean {
  if (filter.q !== '' && !searchText(model).includes(filter.q.toLowerCase())) return false
  if (filter.lane !== '' && !model.lanes.some((offer) => offer.lane === filter.lane)) return false
  if (filter.provider !== '' && model.ownedBy !== filter.provider) return false
  if (
    filter.modality !== '' &&
    !model.modalities.input.includes(filter.modality) &&
    !model.modalities.output.includes(filter.modality)
  )
    return false
  if (filter.maxPico !== null) {
    const lowest = lowestInput(model, filter.lane)
    if (lowest === null || lowest > filter.maxPico) return false
  }
  return true
}

/** Pico per token → the USD-per-1M decimal the client-side filter compares (a filter, never shown). */
function perMillion(pico: number | null): string {
  if (pico === null) return ''
  const whole = Math.floor(pico / 1_000_000)
  const fraction = String(pico % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
  return fraction === '' ? String(whole) : `${whole}.${fraction}`
}

function option(value: string, label: string, selected: string): Raw {
  return value === selected
    ? html`<option value="${value}" selected>${label}</option>`
    : html`<option value="${value}">${label}</option>`
}

function filterForm(site: SiteSettings, models: readonly PublicModel[], filter: ModelsFilter): Raw {
  return html`<models-filter><form class="filters" method="get" action="/models" role="search" aria-label="Filter models">
<div class="field grow"><label for="filter-q">Search</label><input id="filter-q" name="q" type="search" value="${filter.q}" placeholder="Name or ID" autocomplete="off"></div>
<div class="field"><label for="filter-lane">Lane</label><select id="filter-lane" name="lane">${option('', 'All lanes', filter.lane)}${LANES.map((lane) => option(lane, site.laneNames[lane], filter.lane))}</select></div>
<div class="field"><label for="filter-provider">Provider</label><select id="filter-provider" name="provider">${option('', 'All providers', filter.provider)}${catalogOwners(models).map((owner) => option(owner, owner, filter.provider))}</select></div>
<div class="field"><label for="filter-modality">Modality</label><select id="filter-modality" name="modality">${option('', 'Any', filter.modality)}${catalogModalities(models).map((modality) => option(modality, modality, filter.modality))}</select></div>
<div class="field"><label for="filter-max">Max input $ / 1M tokens</label><input id="filter-max" name="max_price" inputmode="decimal" value="${filter.maxPrice}" placeholder="e.g. 1.50"${filter.maxPriceInvalid ? html` aria-invalid="true" aria-describedby="filter-max-error"` : ''}></div>
<button class="button" type="submit">Filter</button>
${filter.maxPriceInvalid ? html`<p id="filter-max-error" class="callout warning">The max price must be a decimal number such as 1.50; it is ignored.</p>` : ''}
</form></models-filter>`
}

function modelCard(site: SiteSettings, model: PublicModel, shown: boolean): Raw {
  const prices: HtmlValue = LANES.map((lane) => {
    const lowest = model.lanes.some((offer) => offer.lane === lane) ? lowestInput(model, lane) : null
    return html` data-price-${lane}="${perMillion(lowest)}"`
  })
  return html`<article class="model-card" data-model-row data-search="${searchText(model)}" data-lanes="${[...new Set(model.lanes.map((offer) => offer.lane))].join(' ')}" data-providers="${model.ownedBy}" data-modalities="${[...new Set([...model.modalities.input, ...model.modalities.output])].join(' ')}" data-price-min="${perMillion(lowestInput(model, ''))}"${prices}${shown ? '' : html` hidden`}>
<div class="model-head"><h2><a href="/models/${encodeURIComponent(model.id)}">${model.name}</a></h2><code>${model.id}</code></div>
<ul class="facts">
<li>By <strong>${model.ownedBy}</strong></li>
<li>Context <strong>${tokensShort(model.contextLength)}</strong></li>
<li>In ${chips(model.modalities.input)} Out ${chips(model.modalities.output)}</li>
${model.capabilities.length > 0 ? html`<li>${chips(model.capabilities)}</li>` : ''}
</ul>
${laneTable(site, model)}
</article>`
}

export function renderModelsPage(
  site: SiteSettings,
  models: readonly PublicModel[],
  filter: ModelsFilter,
): string {
  const shown = models.map((model) => matchesFilter(model, filter))
  const count = shown.filter(Boolean).length
  const main = html`<h1>Models and prices</h1>
<p class="lead">${models.length} ${models.length === 1 ? 'model' : 'models'}, each quoted by lane: ${site.laneNames.cheap} (pooled, lowest cost), ${site.laneNames.resale} (official provider APIs) and ${site.laneNames.byok} (your own provider key). Prices are in USD per 1M tokens unless marked; availability is live.</p>
<div class="callout"><p>${site.laneNames.byok} prices are ${site.name}'s fee on your own provider key; your provider bills its own usage. ${site.laneNames.byok} is never used as a fallback for the pooled lanes. Where a lane reads "${QUOTE_ON_REQUEST}", ${site.supportEmail === null ? 'ask us' : html`write to <a href="mailto:${site.supportEmail}">${site.supportEmail}</a>`} for a price.</p></div>
${filterForm(site, models, filter)}
<p class="muted" data-model-count aria-live="polite">${count} ${count === 1 ? 'model' : 'models'}</p>
<div class="model-list">${models.map((model, index) => modelCard(site, model, shown[index] === true))}</div>
${models.length === 0 ? html`<p class="empty">No models are configured yet.</p>` : ''}`
  return renderPage(site, {
    title: 'Models and prices',
    description: `Every model ${site.name} serves, with its price in each lane per 1M tokens, context length, modalities and live availability.`,
    path: '/models',
    main,
    section: 'models',
  })
}
