/**
 * Slots: the places where the docs state something about this deployment, filled from the
 * running config so the pages cannot drift from it.
 *
 * - **Inline**: `{{name}}` anywhere in the Markdown, code blocks included (e.g.
 *   `{{base_url}}`, `{{cheap_model}}`, `{{purchase_fee}}`). The value is HTML-escaped.
 * - **Block**: a line `::: generated name` on its own (e.g. `::: generated rate-limit-tiers`),
 *   replaced by a table built from the config.
 *
 * Rendering (docs-render.ts) leaves the slots as markers in the cached HTML and checks every
 * name against {@link INLINE_SLOTS} and {@link BLOCK_SLOTS}: an unknown slot fails the start.
 * {@link fillSlots} then writes the values, at start and again whenever the facts change (a
 * config reload changes the catalog, hence the example model IDs).
 *
 * @module
 */

import type { ModelConfig } from '../config/catalog-config.ts'
import type { GatewayConfig } from '../config/config-types.ts'
import { formatDecimal } from '../contracts/usd.ts'
import { html, type Raw, raw } from './html.ts'
import { type LaneName, resolveSiteSettings, type SiteSettings } from './site-settings.ts'

/** What the docs state about this deployment. */
export interface DocsFacts {
  site: SiteSettings
  defaultTier: string
  tiers: readonly { name: string; rpm: number; tpm: number; concurrency: number }[]
  purchaseFee: { fixedNano: number; percentMilli: number }
  /** 0: credit never expires. */
  creditExpiryDays: number
  signupCreditNano: number
  defaultLane: 'cheap' | 'resale'
  cacheEnabled: boolean
  /** Model IDs for the examples, from the catalog. */
  examples: {
    model: string
    cheap: string
    resale: string
    byok: string
    byokProvider: string
  }
}

/** Picks the example model: a chat model offered in the most lanes (cheap and resale first). */
function exampleModels(models: readonly ModelConfig[]): DocsFacts['examples'] {
  let best: ModelConfig | undefined
  let bestScore = -1
  for (const model of models) {
    if (!model.modalities.output.includes('text') || /embed/i.test(model.id)) continue
    const lanes = new Set(model.offers.map((offer) => offer.lane))
    const score = (lanes.has('cheap') ? 2 : 0) + (lanes.has('resale') ? 2 : 0) + (lanes.has('byok') ? 1 : 0)
    if (score > bestScore) {
      best = model
      bestScore = score
    }
  }
  const id = best?.id ?? 'your-model'
  const byokProvider = best?.offers.find((offer) => offer.lane === 'byok')?.provider ?? 'openai'
  return {
    model: id,
    cheap: `cheap/${id}`,
    resale: `resale/${id}`,
    byok: `byok/${byokProvider}/${id}`,
    byokProvider,
  }
}

/**
 * The facts from the config the gateway runs with. Tiers, fees and expiry are read at start
 * (a reload does not change what the gateway enforces for them); the catalog is the live one.
 */
export function docsFactsFrom(
  config: Pick<GatewayConfig, 'limits' | 'billing' | 'workspaces' | 'cache'>,
  site: SiteSettings,
  models: readonly ModelConfig[],
): DocsFacts {
  return {
    site,
    defaultTier: config.limits.defaultTier,
    tiers: Object.entries(config.limits.tiers).map(([name, tier]) => ({ name, ...tier })),
    purchaseFee: {
      fixedNano: config.billing.purchaseFeeFixedNano,
      percentMilli: config.billing.purchaseFeePercentMilli,
    },
    creditExpiryDays: config.billing.creditExpiryDays,
    signupCreditNano: config.billing.signupCreditNano,
    defaultLane: config.workspaces.defaultLane,
    cacheEnabled: config.cache.enabled,
    examples: exampleModels(models),
  }
}

/**
 * The facts of a running gateway, computed again only when they can have changed: the catalog
 * (replaced on a config reload) or the public URL (settled once the server listens).
 */
export function createDocsFactsSource(
  config: GatewayConfig,
  models: () => readonly ModelConfig[],
): () => DocsFacts {
  let last: { models: readonly ModelConfig[]; publicUrl: string; facts: DocsFacts } | undefined
  return () => {
    const current = models()
    if (last === undefined || last.models !== current || last.publicUrl !== config.console.publicUrl) {
      const site = resolveSiteSettings(config.site, config.console)
      last = {
        models: current,
        publicUrl: config.console.publicUrl,
        facts: docsFactsFrom(config, site, current),
      }
    }
    return last.facts
  }
}

const count = (value: number) => value.toLocaleString('en-US')
/** "$0.35" from nano-USD, exact. */
const usd = (nano: number) => `$${formatDecimal(nano, 9)}`
const percent = (milli: number) => `${formatDecimal(milli, 3)} %`

function purchaseFee(facts: DocsFacts): string {
  const { fixedNano, percentMilli } = facts.purchaseFee
  if (fixedNano === 0 && percentMilli === 0) return '$0 (none)'
  if (percentMilli === 0) return usd(fixedNano)
  if (fixedNano === 0) return percent(percentMilli)
  return `${usd(fixedNano)} + ${percent(percentMilli)}`
}

function creditExpiry(facts: DocsFacts): string {
  if (facts.creditExpiryDays === 0) return 'never'
  return `${facts.creditExpiryDays === 1 ? '1 day' : `${count(facts.creditExpiryDays)} days`} after purchase`
}

const laneName = (facts: DocsFacts, lane: LaneName) => facts.site.laneNames[lane]

/** Every inline slot and its text (escaped when filled). */
export const INLINE_SLOTS: Readonly<Record<string, (facts: DocsFacts) => string>> = {
  site_name: (facts) => facts.site.name,
  base_url: (facts) => facts.site.apiBaseUrl,
  public_url: (facts) => facts.site.publicUrl,
  support_email: (facts) => facts.site.supportEmail ?? 'the support address of this deployment',
  model: (facts) => facts.examples.model,
  cheap_model: (facts) => facts.examples.cheap,
  resale_model: (facts) => facts.examples.resale,
  byok_model: (facts) => facts.examples.byok,
  byok_provider: (facts) => facts.examples.byokProvider,
  lane_cheap: (facts) => laneName(facts, 'cheap'),
  lane_resale: (facts) => laneName(facts, 'resale'),
  lane_byok: (facts) => laneName(facts, 'byok'),
  default_lane: (facts) => facts.defaultLane,
  default_lane_name: (facts) => laneName(facts, facts.defaultLane),
  default_tier: (facts) => facts.defaultTier,
  purchase_fee: purchaseFee,
  credit_expiry: creditExpiry,
  signup_credit: (facts) => usd(facts.signupCreditNano),
  trial_credit_note: (facts) =>
    facts.signupCreditNano > 0
      ? `New workspaces start with ${usd(facts.signupCreditNano)} of trial credit, so the first request works before you buy anything.`
      : 'Add credit to the workspace (Credits page) before the first request.',
}

/** A table in the page's markup: scrolls on phones, reachable by keyboard, named for readers. */
export function tableRegion(label: string, table: Raw): Raw {
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label="${label}">${table}</div>`
}

function tiersTable(facts: DocsFacts): Raw {
  const rows = facts.tiers.map(
    (tier) =>
      html`<tr><th scope="row">${tier.name}${tier.name === facts.defaultTier ? ' (default)' : ''}</th><td>${count(tier.rpm)}</td><td>${count(tier.tpm)}</td><td>${count(tier.concurrency)}</td></tr>`,
  )
  return tableRegion(
    'Rate-limit tiers',
    html`<table><thead><tr><th scope="col">Tier</th><th scope="col">Requests per minute</th><th scope="col">Tokens per minute</th><th scope="col">Requests at once</th></tr></thead><tbody>${rows}</tbody></table>`,
  )
}

function creditTermsTable(facts: DocsFacts): Raw {
  const rows: [string, string][] = [
    ['Purchase fee', purchaseFee(facts)],
    ['Credit expires', creditExpiry(facts)],
    ['Trial credit for a new workspace', usd(facts.signupCreditNano)],
  ]
  return tableRegion(
    'Credit terms',
    html`<table><thead><tr><th scope="col">Term</th><th scope="col">This deployment</th></tr></thead><tbody>${rows.map(
      ([term, value]) => html`<tr><th scope="row">${term}</th><td>${value}</td></tr>`,
    )}</tbody></table>`,
  )
}

function lanesTable(facts: DocsFacts): Raw {
  const rows: [LaneName, string, string, string, string][] = [
    [
      'cheap',
      'cheap/<model>',
      'the operator’s pool of shared upstream accounts',
      'cost',
      'another pooled account only',
    ],
    [
      'resale',
      'resale/<model>',
      'the official provider API, through the operator’s own keys',
      'trust',
      'another official account only; never the pool',
    ],
    [
      'byok',
      'byok/<provider>/<model>',
      'your own key for that provider',
      'control',
      'none: a failing key is an error',
    ],
  ]
  return tableRegion(
    'Lanes',
    html`<table><thead><tr><th scope="col">Lane</th><th scope="col">Model ID</th><th scope="col">Served by</th><th scope="col">Choose it for</th><th scope="col">When it fails, it tries</th></tr></thead><tbody>${rows.map(
      ([lane, id, servedBy, story, fallback]) =>
        html`<tr><th scope="row"><span class="lane lane-${lane}">${laneName(facts, lane)}</span></th><td><code>${id}</code></td><td>${servedBy}</td><td>${story}</td><td>${fallback}</td></tr>`,
    )}</tbody></table>`,
  )
}

/** Every block slot and its HTML. `errors` is static (the code's table) and lives in docs-errors-table.ts. */
export const BLOCK_SLOTS: Readonly<Record<string, (facts: DocsFacts) => Raw>> = {
  'rate-limit-tiers': tiersTable,
  'credit-terms': creditTermsTable,
  lanes: lanesTable,
}

/** The marker a block slot leaves in the rendered HTML. */
export function blockMarker(name: string): string {
  return `<!--slot:${name}-->`
}

const INLINE = /\{\{\s*([a-z_]+)\s*\}\}/g
const INLINE_IN_URL = /%7B%7B([a-z_]+)%7D%7D/g
const BLOCK = /<!--slot:([a-z-]+)-->/g

/** The slot names a rendered template uses; unknown ones are returned in `unknown`. */
export function slotNames(template: string): { names: string[]; unknown: string[] } {
  const names = new Set<string>()
  const unknown = new Set<string>()
  for (const [, name] of template.matchAll(INLINE)) (name! in INLINE_SLOTS ? names : unknown).add(name!)
  for (const [, name] of template.matchAll(INLINE_IN_URL))
    (name! in INLINE_SLOTS ? names : unknown).add(name!)
  for (const [, name] of template.matchAll(BLOCK)) (name! in BLOCK_SLOTS ? names : unknown).add(name!)
  return { names: [...names], unknown: [...unknown] }
}

/** Throws when a template uses a slot that does not exist. */
export function assertKnownSlots(template: string, where: string): void {
  const { unknown } = slotNames(template)
  if (unknown.length > 0)
    throw new Error(`${where}: unknown docs slot ${unknown.map((name) => `"${name}"`).join(', ')}`)
}

/** Writes every slot's value into a rendered template (values HTML-escaped; URLs percent-encoded). */
export function fillSlots(template: string, facts: DocsFacts): string {
  const value = (name: string) => {
    const slot = INLINE_SLOTS[name]
    if (slot === undefined) throw new Error(`unknown docs slot "${name}"`)
    return slot(facts)
  }
  return template
    .replace(BLOCK, (_, name: string) => {
      const slot = BLOCK_SLOTS[name]
      if (slot === undefined) throw new Error(`unknown docs slot "${name}"`)
      return slot(facts).__html
    })
    .replace(INLINE, (_, name: string) => html`${value(name)}`.__html)
    .replace(INLINE_IN_URL, (_, name: string) => html`${encodeURI(value(name))}`.__html)
}

/** Marks the fill's output as trusted HTML (every value in it was escaped by {@link fillSlots}). */
export function filledHtml(template: string, facts: DocsFacts): Raw {
  return raw(fillSlots(template, facts))
}
