/**
 * The home page (`/`): what this deployment sells, the three lanes side by side with their
 * trust rules stated as the gateway enforces them, the first request against this deployment's
 * base URL, and the calls to action that `console.enabled` and `console.signup` allow.
 *
 * @module
 */
import type { Lane } from '../config/config.ts'
import { type HtmlValue, html, type Raw } from './html.ts'
import type { PublicModel } from './models-catalog.ts'
import { renderPage } from './page-shell.ts'
import { LANE_KICKERS } from './site-format.ts'
import type { SiteSettings } from './site-settings.ts'
import { snippetKind, snippetsFor, snippetTabs } from './snippets.ts'

/** What each lane is, truthfully: the rules routing and the scrub enforce. */
function lanePoints(site: SiteSettings, lane: Lane): Raw {
  switch (lane) {
    case 'cheap':
      return html`<li>Served from <strong>pooled, shared upstream accounts</strong> at the lowest price per token.</li>
<li>A strict scrub before anything leaves: end-user identifiers (<code>user</code>, <code>metadata</code>, <code>safety_identifier</code>…), client headers and your identity are removed.</li>
<li>For high-volume work where cost matters more than whose account serves it.</li>`
    case 'resale':
      return html`<li>The provider's <strong>official API</strong>, through ${site.name}'s own provider accounts and keys.</li>
<li><strong>Never falls back to the shared pool.</strong> If no official account can serve, the request fails instead of changing lanes.</li>
<li>For production traffic and business data.</li>`
    case 'byok':
      return html`<li><strong>Your own provider key</strong>: the provider bills you and sees your account; ${site.name} adds only its published fee.</li>
<li>Store the key once in the console (encrypted), or send it per request.</li>
<li><strong>Never a fallback</strong> for pooled requests, and your key is never swapped for another.</li>`
  }
}

function laneIds(lane: Lane): Raw {
  return lane === 'byok'
    ? html`<code>byok/&lt;provider&gt;/&lt;model&gt;</code>`
    : html`<code>${lane}/&lt;model&gt;</code>`
}

function laneCard(site: SiteSettings, lane: Lane, count: number): Raw {
  return html`<article class="card lane-card lane-card-${lane}" aria-labelledby="lane-${lane}">
<p class="kicker">${LANE_KICKERS[lane]}</p>
<h3 id="lane-${lane}">${site.laneNames[lane]}</h3>
<p class="ids">Model IDs: ${laneIds(lane)} · ${count} ${count === 1 ? 'model' : 'models'}</p>
<ul>${lanePoints(site, lane)}</ul>
</article>`
}

/** The calls to action the deployment allows. */
function callsToAction(site: SiteSettings): HtmlValue {
  const actions: HtmlValue[] = []
  if (site.signUpUrl !== null) {
    actions.push(
      html`<a class="button large" href="${site.signUpUrl}">${site.console.signup === 'invite_only' ? 'Sign up with an invite' : 'Create an account'}</a>`,
    )
  }
  if (site.pages.models)
    actions.push(html`<a class="button large secondary" href="/models">Browse models and prices</a>`)
  if (site.pages.docs) actions.push(html`<a class="button large secondary" href="/docs">Read the docs</a>`)
  return html`<div class="actions">${actions}</div>`
}

function accountStep(site: SiteSettings): Raw {
  const contact =
    site.supportEmail === null
      ? html`the operator`
      : html`<a href="mailto:${site.supportEmail}">${site.supportEmail}</a>`
  if (!site.console.enabled)
    return html`<li><strong>Get an API key</strong><br>Ask ${contact} for a key.</li>`
  if (site.console.signup === 'open') {
    return html`<li><strong>Create an account</strong><br><a href="${site.signUpUrl}">Sign up</a>, or <a href="${site.signInUrl}">sign in</a> if you have one.</li>`
  }
  if (site.console.signup === 'invite_only') {
    return html`<li><strong>Join with an invitation</strong><br>Sign-up is by invitation: ask ${contact}, then <a href="${site.signUpUrl}">sign up</a>. Already a member? <a href="${site.signInUrl}">Sign in</a>.</li>`
  }
  return html`<li><strong>Sign in</strong><br>New accounts are closed for now; members <a href="${site.signInUrl}">sign in here</a>.</li>`
}

/** The model the first-request snippet uses: the first chat model, in its first lane that is not BYOK. */
function exampleModel(
  models: readonly PublicModel[],
): { id: string; kind: ReturnType<typeof snippetKind> } | null {
  const chat = models.filter((model) => snippetKind(model.modalities.output) === 'chat')
  for (const model of [...chat, ...models]) {
    const lane = model.lanes.find((offer) => offer.lane !== 'byok') ?? model.lanes[0]
    if (lane !== undefined) return { id: lane.id, kind: snippetKind(model.modalities.output) }
  }
  return null
}

export function renderHomePage(site: SiteSettings, models: readonly PublicModel[]): string {
  const count = (lane: Lane) =>
    models.filter((model) => model.lanes.some((offer) => offer.lane === lane)).length
  const lanes: Lane[] = ['cheap', 'resale', 'byok']
  const shown = lanes.filter((lane) => count(lane) > 0)
  const example = exampleModel(models)
  const main = html`<section class="hero" aria-labelledby="hero-title">
<h1 id="hero-title">${site.tagline}</h1>
<p class="lead">${site.name} is an OpenAI-compatible API: one key and one base URL for ${models.length} ${models.length === 1 ? 'model' : 'models'}. Every model is sold by lane, so each request chooses what matters most: cost, trust or control.</p>
${callsToAction(site)}
</section>
<section aria-labelledby="lanes-title">
<h2 id="lanes-title">Three lanes, three promises</h2>
<p>The lane is part of the model ID, and each lane has its own price. A request stays in the lane it asked for.</p>
<div class="lanes">${(shown.length === 0 ? lanes : shown).map((lane) => laneCard(site, lane, count(lane)))}</div>
</section>
<section aria-labelledby="start-title">
<h2 id="start-title">Your first request</h2>
<ol class="steps">
${accountStep(site)}
<li><strong>Create an API key</strong><br>${site.console.enabled ? html`In the console, under Keys. Set it as <code>ONEKEY_API_KEY</code>.` : html`Set it as <code>ONEKEY_API_KEY</code>.`}</li>
<li><strong>Send a request</strong><br>Any OpenAI client works: set its base URL to <code>${site.apiBaseUrl}</code>.</li>
</ol>
${
  example === null
    ? html`<p class="empty">No models are configured yet.</p>`
    : snippetTabs(snippetsFor(site.apiBaseUrl, example.id, example.kind), 'First request')
}
${site.pages.models ? html`<p>Prices differ by lane and by model: see <a href="/models">every model and its price in each lane</a>.</p>` : ''}
</section>`
  return renderPage(site, {
    title: site.name,
    description: `${site.name}: ${site.tagline} An OpenAI-compatible API with ${models.length} models, priced by lane.`,
    path: '/',
    main,
    section: 'home',
  })
}
