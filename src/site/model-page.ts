/**
 * A model's page (`/models/<model>`): its facts, the per-lane price table, what each lane means
 * for this model, copy-paste snippets (curl, Python and TypeScript `openai`) with its ID in each
 * lane and this deployment's base URL, and schema.org data whose unpublished offers carry no
 * price. An unknown model gets a friendly 404 page.
 *
 * @module
 */
import { html, type Raw } from './html.ts'
import { laneTable } from './lane-table.ts'
import { type PublicLaneOffer, type PublicModel, QUOTE_ON_REQUEST } from './models-catalog.ts'
import { renderPage } from './page-shell.ts'
import { chips, LANE_KICKERS, laneBadge } from './site-format.ts'
import { absoluteUrl, type SiteSettings } from './site-settings.ts'
import { snippetKind, snippetsFor, snippetTabs } from './snippets.ts'

function laneNote(site: SiteSettings, offer: PublicLaneOffer): Raw {
  switch (offer.lane) {
    case 'cheap':
      return html`Pooled shared accounts, strict scrub of end-user identifiers and client headers.`
    case 'resale':
      return html`Official provider API through ${site.name}'s own accounts; never falls back to the pool.`
    case 'byok':
      return html`Your own <strong>${offer.byokProvider}</strong> key, stored in the console or sent per request; never a fallback for pooled requests.`
  }
}

/** schema.org Product with one Offer per lane; an unpublished lane has no price at all. */
function structuredData(site: SiteSettings, model: PublicModel): unknown {
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: model.name,
    sku: model.id,
    brand: { '@type': 'Brand', name: model.ownedBy },
    url: absoluteUrl(site, `/models/${encodeURIComponent(model.id)}`),
    offers: model.lanes.map((offer) => ({
      '@type': 'Offer',
      name: `${site.laneNames[offer.lane]}: ${offer.id}`,
      seller: { '@type': 'Organization', name: site.name },
      ...(offer.prices === QUOTE_ON_REQUEST
        ? { description: QUOTE_ON_REQUEST }
        : {
            priceSpecification: {
              '@type': 'UnitPriceSpecification',
              price: offer.prices.input,
              priceCurrency: 'USD',
              unitText: 'per 1M input tokens',
            },
          }),
    })),
  }
}

export function renderModelPage(site: SiteSettings, model: PublicModel): string {
  const kind = snippetKind(model.modalities.output)
  const main = html`<p class="breadcrumb"><a href="/models">Models</a> / ${model.id}</p>
<h1>${model.name}</h1>
<p class="lead"><code>${model.id}</code> by ${model.ownedBy}, in ${model.lanes.length} ${model.lanes.length === 1 ? 'lane' : 'lanes'}.</p>
<dl class="details">
<dt>Context length</dt><dd>${model.contextLength === null ? 'not stated' : `${model.contextLength.toLocaleString('en-US')} tokens`}</dd>
<dt>Max output</dt><dd>${model.maxOutputTokens === null ? 'not stated' : `${model.maxOutputTokens.toLocaleString('en-US')} tokens`}</dd>
<dt>Input</dt><dd>${chips(model.modalities.input)}</dd>
<dt>Output</dt><dd>${chips(model.modalities.output)}</dd>
<dt>Capabilities</dt><dd>${chips(model.capabilities)}</dd>
${model.aliases.length > 0 ? html`<dt>Aliases</dt><dd>${model.aliases.map((alias, index) => html`${index === 0 ? '' : ', '}<code>${alias}</code>`)}</dd>` : ''}
</dl>
<h2 id="prices">Prices by lane</h2>
<p>USD per 1M tokens unless marked. Each lane is priced on its own; a request is billed in the lane it names.</p>
${laneTable(site, model, { caption: true })}
${model.lanes.some((offer) => offer.lane === 'byok') ? html`<p class="muted">${site.laneNames.byok} prices are ${site.name}'s fee on your own provider key; your provider bills its own usage.</p>` : ''}
<h2 id="use">Use it</h2>
<p>Set <code>ONEKEY_API_KEY</code> to a key from the console, then pick the lane by its model ID.${
    site.pages.playground
      ? html` Or <a href="/console/playground">try it in the playground</a> after signing in.`
      : ''
  }</p>
${model.lanes.map(
  (
    offer,
  ) => html`<h3 id="use-${offer.id.replaceAll('/', '-')}">${laneBadge(site, offer.lane)} <code>${offer.id}</code></h3>
<p class="muted">${LANE_KICKERS[offer.lane]}: ${laneNote(site, offer)}</p>
${snippetTabs(snippetsFor(site.apiBaseUrl, offer.id, kind), `${site.laneNames[offer.lane]} snippets`)}`,
)}`
  return renderPage(site, {
    title: `${model.name} prices by lane`,
    description: `${model.name} (${model.id}) on ${site.name}: price per 1M tokens in each lane, context length, modalities and ready-to-run snippets.`,
    path: `/models/${encodeURIComponent(model.id)}`,
    main,
    section: 'models',
    structuredData: structuredData(site, model),
  })
}

/** The friendly 404 for a model that is not in the catalog. */
export function renderModelNotFound(site: SiteSettings, id: string): string {
  const main = html`<h1>Model not found</h1>
<p>There is no model <code>${id}</code> in ${site.name}'s catalog.</p>
<p>${site.pages.models ? html`<a class="button" href="/models">See every model</a>` : ''}</p>`
  return renderPage(site, {
    title: 'Model not found',
    description: `No such model on ${site.name}.`,
    path: '/models',
    main,
    section: 'models',
    noindex: true,
  })
}
