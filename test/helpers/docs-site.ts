/**
 * The gateway the docs tests run against (the `sim` provider in every lane, a brand, tiers and
 * billing terms of its own), and small readers for the rendered docs pages.
 *
 * @module
 */
import { startTestGateway, type TestGateway } from './test-gateway.ts'

/** A catalog with `model` in every lane, served by the offline `sim` provider. */
export function simCatalog(model: string): Record<string, unknown> {
  return {
    providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0, tokens_per_second: 0 } }],
    models: [
      {
        id: model,
        capabilities: ['streaming'],
        offers: [
          { lane: 'cheap', provider: 'sim', price: { prompt: '0.10', completion: '0.40' }, published: true },
          { lane: 'resale', provider: 'sim', price: { prompt: '0.50', completion: '1.50' }, published: true },
          { lane: 'byok', provider: 'sim', price: { prompt: '0', completion: '0' }, published: true },
        ],
      },
    ],
  }
}

/** A deployment with its own brand, tiers and credit terms; `overrides` replaces top-level blocks. */
export function docsDeployment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...simCatalog('docs-echo'),
    site: {
      name: 'Acme & <Co>',
      support_email: 'help@acme.example',
      lane_names: { cheap: 'Budget', resale: 'Business', byok: 'Own key' },
    },
    billing: { purchase_fee: { fixed: '0.5', percent: '2.5' }, credit_expiry_days: 90, signup_credit: '3' },
    limits: {
      default_tier: 'starter',
      tiers: {
        starter: { rpm: 37, tpm: 123_457, concurrency: 3 },
        scale: { rpm: 4_321, tpm: 9_876_543, concurrency: 77 },
      },
    },
    ...overrides,
  }
}

export function startDocsGateway(
  overrides: Record<string, unknown> = {},
  options: Parameters<typeof startTestGateway>[2] = {},
): Promise<TestGateway> {
  return startTestGateway(docsDeployment(overrides), {}, options)
}

/** Decodes the few entities the renderer writes. */
export function decodeEntities(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
}

/** Every `<pre><code class="language-x">` block of a page: language, tab label (if any), text. */
export function codeBlocks(page: string): { language: string; tab: string | null; code: string }[] {
  const blocks: { language: string; tab: string | null; code: string }[] = []
  const pattern =
    /(?:<section data-tab-label="([^"]*)">[^<]*<p class="tab-heading">[^<]*<\/p>\s*)?<pre><code class="language-([a-z0-9-]+)">([\s\S]*?)<\/code><\/pre>/g
  for (const match of page.matchAll(pattern)) {
    blocks.push({
      tab: match[1] === undefined ? null : decodeEntities(match[1]),
      language: match[2]!,
      code: decodeEntities(match[3]!),
    })
  }
  return blocks
}

/** The `<tr>` rows of the table in the region labelled `label`, as cell texts. */
export function tableRows(page: string, label: string): string[][] {
  const start = page.indexOf(`aria-label="${label}"`)
  if (start === -1) throw new Error(`no table "${label}"`)
  const table = page.slice(start, page.indexOf('</table>', start))
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) =>
      decodeEntities(cell[1]!.replace(/<[^>]+>/g, '')).trim(),
    ),
  )
}
