/**
 * What the Gemini translation tests share: a one-provider config, its upstream target and
 * adapter, the recorded fixtures and a translation for a chat completion request.
 *
 * @module
 */
import { buildConfig } from '../../src/config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../src/contracts/openai-wire.ts'
import { createGeminiAdapter } from '../../src/providers/gemini/create-gemini-adapter.ts'
import type { UpstreamTarget } from '../../src/providers/provider-adapter.ts'
import { readFixture } from '../helpers/replay-transcript.ts'

export const fixture = (name: string) =>
  readFixture(new URL(`../../src/providers/gemini/__fixtures__/${name}`, import.meta.url))

const config = buildConfig(
  {
    providers: [
      { name: 'google', kind: 'gemini', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
    ],
    models: [
      {
        id: 'gemini-flash',
        capabilities: ['tools', 'vision', 'reasoning'],
        offers: [
          {
            lane: 'resale',
            provider: 'google',
            model: 'gemini-2.5-flash',
            price: { input: 0.3, output: 2.5 },
          },
        ],
      },
    ],
  },
  { K: 'AIzaSy-secret-key' },
)
export const target: UpstreamTarget = {
  provider: config.providers[0]!,
  account: config.providers[0]!.accounts[0]!,
  upstreamModel: 'gemini-2.5-flash',
  model: config.models[0],
}
export const adapter = createGeminiAdapter()

export function translationFor(request: Partial<OpenAIChatCompletionRequest> = {}) {
  return adapter.toChatCompletionRequest(
    { model: 'gemini-flash', messages: [{ role: 'user', content: 'hi' }], stream: true, ...request },
    target,
  ).translation!
}
