/**
 * Shared set-up of the public-site tests (`test/e2e/site-*.test.ts`): the sim provider, a
 * catalog with a published and an unpublished model, and small readers of rendered pages.
 *
 * @module
 */
import { offer, type TestGateway } from './test-gateway.ts'

export const SIM = { name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }

/** A catalog with a published model in three lanes, a hidden-price one and an embedding model. */
export function catalog() {
  return [
    {
      id: 'sim-echo',
      name: 'Sim Echo',
      context_length: 128000,
      capabilities: ['streaming', 'tools'],
      offers: [
        offer('sim', {
          price: { prompt: '0.10', completion: '0.40', cached_input: '0.05' },
          published: true,
        }),
        offer('sim', { lane: 'resale', price: { prompt: '0.50', completion: '1.50' }, published: true }),
        offer('sim', {
          lane: 'byok',
          price: { prompt: '0', completion: '0', request: '0.0001' },
          published: true,
        }),
      ],
    },
    {
      id: 'secret-model',
      name: 'Secret Model',
      offers: [
        offer('sim', { price: { prompt: '7.77', completion: '9.99' }, published: false }),
        offer('sim', { lane: 'resale', price: { prompt: '3.33', completion: '4.44' }, published: false }),
      ],
    },
  ]
}

/** Every price-like token ("$1", "7.77", "9.99") in a text. */
export function dollarFigures(text: string): string[] {
  return text.match(/\$\s?\d[\d.,]*/g) ?? []
}

/** GETs a path of the gateway (redirects not followed): the response and its text. */
export async function page(gateway: TestGateway, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}${path}`, { headers, redirect: 'manual' })
  return { response, text: await response.text() }
}

/** The `<title>` of a page, or ''. */
export function titleOf(text: string): string {
  return /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? ''
}
