/**
 * How the public pages write prices, numbers and lanes. Prices arrive as exact decimal strings
 * (src/contracts/usd.ts) and stay strings: only padded to cents for reading, never through a
 * float.
 *
 * @module
 */
import type { Lane } from '../config/config.ts'
import { type HtmlValue, html, type Raw } from './html.ts'
import { QUOTE_ON_REQUEST } from './models-catalog.ts'
import type { SiteSettings } from './site-settings.ts'

/** "2.5" → "$2.50", "0.00000185" → "$0.00000185", "0" → "$0". Exact: string work only. */
export function usd(decimal: string): string {
  if (decimal === '0') return '$0'
  const [whole, fraction = ''] = decimal.split('.')
  return `$${whole}.${fraction.padEnd(2, '0')}`
}

/** A price cell: the amount, or "quote on request" (never a number) when unpublished. */
export function priceText(decimal: string | null | undefined, unpublished: boolean): Raw {
  if (unpublished) return html`<span class="quote">${QUOTE_ON_REQUEST}</span>`
  if (decimal === null || decimal === undefined) return html`<span class="muted">—</span>`
  return html`${usd(decimal)}`
}

/** 128000 → "128K", 1048576 → "1M" (context lengths). */
export function tokensShort(tokens: number | null): string {
  if (tokens === null) return '—'
  if (tokens >= 1_000_000 && tokens % 1_000 === 0) return `${trimmed(tokens / 1_000_000)}M`
  if (tokens >= 1_000) return `${trimmed(tokens / 1_000)}K`
  return String(tokens)
}

function trimmed(value: number): string {
  return value.toFixed(value < 10 ? 1 : 0).replace(/\.0$/, '')
}

/** Cost-first, trust-first, control-first: what each lane promises, in one line. */
export const LANE_KICKERS: Record<Lane, string> = {
  cheap: 'Cost-first',
  resale: 'Trust-first',
  byok: 'Control-first',
}

/** The lane's display name as a coloured badge. */
export function laneBadge(site: SiteSettings, lane: Lane): Raw {
  return html`<span class="lane lane-${lane}">${site.laneNames[lane]}</span>`
}

/** A list of short words as chips (modalities, capabilities). */
export function chips(words: readonly string[]): HtmlValue {
  if (words.length === 0) return html`<span class="muted">—</span>`
  return html`<span class="chips">${words.map((word) => html`<span class="chip">${word.replaceAll('_', ' ')}</span>`)}</span>`
}
