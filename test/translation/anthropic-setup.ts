/**
 * What the Anthropic translation tests share: a one-provider config, its upstream target and
 * adapter, the recorded fixtures and a translation for a chat completion request.
 *
 * @module
 */
import { buildConfig } from '../../src/config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../src/contracts/openai-wire.ts'
import { createAnthropicAdapter } from '../../src/providers/anthropic/create-anthropic-adapter.ts'
import type { UpstreamTarget } from '../../src/providers/provider-adapter.ts'
import { readFixture } from '../helpers/replay-transcript.ts'

export const fixture = (name: string) =>
  readFixture(new URL(`../../src/providers/anthropic/__fixtures__/${name}`, import.meta.url))

const config = buildConfig(
  {
    providers: [
      { name: 'claude', kind: 'anthropic', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
    ],
    models: [
      {
        id: 'claude-sonnet',
        max_output_tokens: 64000,
        capabilities: ['tools', 'vision', 'reasoning'],
        offers: [
          { lane: 'resale', provider: 'claude', model: 'claude-sonnet-4-5', price: { input: 3, output: 15 } },
        ],
      },
    ],
  },
  { K: 'sk-ant-secret' },
)
export const target: UpstreamTarget = {
  provider: config.providers[0]!,
  account: config.providers[0]!.accounts[0]!,
  upstreamModel: 'claude-sonnet-4-5',
  model: config.models[0],
}
export const adapter = createAnthropicAdapter()

export function translationFor(request: Partial<OpenAIChatCompletionRequest> = {}) {
  const upstream = adapter.toChatCompletionRequest(
    { model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }], stream: true, ...request },
    target,
  )
  return upstream.translation!
}
