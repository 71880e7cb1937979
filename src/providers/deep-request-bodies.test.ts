import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig } from '../config/config.ts'
import { MAX_JSON_NESTING } from '../contracts/json-nesting.ts'
import type { OpenAIChatCompletionRequest } from '../contracts/openai-wire.ts'
import { createAnthropicAdapter } from './anthropic/create-anthropic-adapter.ts'
import { createGeminiAdapter } from './gemini/create-gemini-adapter.ts'
import { createOpenAICompatibleAdapter } from './openai-compatible/create-openai-compatible-adapter.ts'
import type { ProviderAdapter, UpstreamTarget } from './provider-adapter.ts'

// The body reader refuses deep bodies first; adapters called directly must not overflow either.

const config = buildConfig(
  {
    providers: [
      { name: 'oai', kind: 'openai', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
      { name: 'claude', kind: 'anthropic', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
      { name: 'google', kind: 'gemini', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
    ],
  },
  { K: 'secret-key-0123456789' },
)

const adapters: [string, ProviderAdapter][] = [
  ['oai', createOpenAICompatibleAdapter('openai')],
  ['claude', createAnthropicAdapter()],
  ['google', createGeminiAdapter()],
]

function targetOf(name: string): UpstreamTarget {
  const provider = config.providers.find((candidate) => candidate.name === name)!
  return { provider, account: provider.accounts[0]!, upstreamModel: 'upstream-model' }
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { type: 'string' }
  for (let level = 0; level < levels; level++) value = { type: 'object', properties: { a: value } }
  return value
}

function withSchema(parameters: unknown): OpenAIChatCompletionRequest {
  return {
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', parameters } }],
  }
}

test('a tool schema nested 10,000 levels: a 400, not a stack overflow, on every adapter', () => {
  for (const [name, adapter] of adapters) {
    assert.throws(() => adapter.toChatCompletionRequest(withSchema(nested(10_000)), targetOf(name)), {
      status: 400,
      code: 'nesting_too_deep',
      name: 'GatewayError',
    })
  }
})

test('schemas well inside the limit go out unchanged', () => {
  const parameters = nested(Math.floor(MAX_JSON_NESTING / 2) - 5)
  for (const [name, adapter] of adapters) {
    const body = adapter.toChatCompletionRequest(withSchema(parameters), targetOf(name)).body
    assert.ok(body.includes(JSON.stringify(parameters)), name)
  }
})
