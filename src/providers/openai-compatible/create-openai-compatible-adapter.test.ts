import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig } from '../../config/config.ts'
import type { UpstreamTarget } from '../provider-adapter.ts'
import { createOpenAICompatibleAdapter } from './create-openai-compatible-adapter.ts'
import { AZURE_DEFAULT_API_VERSION, VENDOR_PRESETS } from './vendor-presets.ts'

function targetFor(
  authHeader: string,
  baseUrl = 'https://api.vendor.example/compatible-mode/v1/',
): UpstreamTarget {
  const config = buildConfig(
    {
      providers: [
        {
          name: 'v',
          kind: 'openai-compatible',
          base_url: baseUrl,
          auth_header: authHeader,
          accounts: [{ name: 'a', api_key_env: 'K' }],
        },
      ],
    },
    { K: 'secret' },
  )
  const provider = config.providers[0]!
  return { provider, account: provider.accounts[0]!, upstreamModel: 'vendor-model-v2' }
}

const request = {
  model: 'catalog-id',
  messages: [{ role: 'user', content: 'hi' }],
  temperature: 0.5,
  stream: true,
}

test('builds the upstream call: origin and path from the base URL, upstream model, body otherwise untouched', () => {
  const upstream = createOpenAICompatibleAdapter('openai-compatible').toChatCompletionRequest(
    request,
    targetFor('bearer'),
  )
  assert.equal(upstream.origin, 'https://api.vendor.example')
  assert.equal(upstream.path, '/compatible-mode/v1/chat/completions')
  assert.deepEqual(JSON.parse(upstream.body), { ...request, model: 'vendor-model-v2' })
  assert.deepEqual(upstream.headers, {
    'content-type': 'application/json',
    accept: 'text/event-stream',
    authorization: 'Bearer secret',
  })
  assert.equal(request.model, 'catalog-id', 'the caller’s object is not changed')
})

test('auth header styles and quirks', () => {
  const adapter = createOpenAICompatibleAdapter('openai-compatible', {
    chatCompletionsPath: '/chat',
    unsupportedParameters: ['temperature'],
  })
  const azureStyle = adapter.toChatCompletionRequest(request, targetFor('api-key', 'http://127.0.0.1:8080'))
  assert.equal(azureStyle.headers['api-key'], 'secret')
  assert.equal(azureStyle.headers.authorization, undefined)
  assert.equal(azureStyle.path, '/chat')
  assert.equal(JSON.parse(azureStyle.body).temperature, undefined)
  assert.equal(
    adapter.toChatCompletionRequest(request, targetFor('x-api-key')).headers['x-api-key'],
    'secret',
  )
})

function presetTarget(
  kind: string,
  extra: Record<string, unknown> = {},
  upstreamModel = 'm',
): UpstreamTarget {
  const config = buildConfig(
    { providers: [{ name: 'v', kind, accounts: [{ name: 'a', api_key_env: 'K' }], ...extra }] },
    { K: 'secret' },
  )
  const provider = config.providers[0]!
  return { provider, account: provider.accounts[0]!, upstreamModel }
}

test('vendor presets: default base URLs and auth styles', () => {
  const cases: [string, string][] = [
    ['openai', 'https://api.openai.com/v1/chat/completions'],
    ['deepseek', 'https://api.deepseek.com/v1/chat/completions'],
    ['qwen', 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions'],
    ['moonshot', 'https://api.moonshot.ai/v1/chat/completions'],
    ['minimax', 'https://api.minimax.io/v1/chat/completions'],
    ['zhipu', 'https://open.bigmodel.cn/api/paas/v4/chat/completions'],
    ['groq', 'https://api.groq.com/openai/v1/chat/completions'],
    ['together', 'https://api.together.xyz/v1/chat/completions'],
    ['mistral', 'https://api.mistral.ai/v1/chat/completions'],
  ]
  for (const [kind, url] of cases) {
    const upstream = createOpenAICompatibleAdapter(
      kind as 'openai',
      VENDOR_PRESETS[kind as 'openai'].quirks,
    ).toChatCompletionRequest(request, presetTarget(kind))
    assert.equal(upstream.origin + upstream.path, url, kind)
    assert.equal(upstream.headers.authorization, 'Bearer secret', kind)
  }
})

test('Azure OpenAI: deployment URLs, api-key header, api-version (default and configured)', () => {
  const adapter = createOpenAICompatibleAdapter('azure-openai', VENDOR_PRESETS['azure-openai'].quirks)
  const target = presetTarget(
    'azure-openai',
    { base_url: 'https://my-resource.openai.azure.com' },
    'gpt-4o-prod',
  )
  const chat = adapter.toChatCompletionRequest(request, target)
  assert.equal(chat.origin, 'https://my-resource.openai.azure.com')
  assert.equal(
    chat.path,
    `/openai/deployments/gpt-4o-prod/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`,
  )
  assert.equal(chat.headers['api-key'], 'secret')
  assert.equal(chat.headers.authorization, undefined)
  const pinned = presetTarget(
    'azure-openai',
    { base_url: 'https://r.openai.azure.com', api_version: '2025-04-01-preview' },
    'emb',
  )
  assert.equal(
    adapter.toEmbeddingsRequest!({ model: 'x', input: 'a' }, pinned).path,
    '/openai/deployments/emb/embeddings?api-version=2025-04-01-preview',
  )
  assert.throws(() => presetTarget('azure-openai'), /base_url: required for kind "azure-openai"/)
})

test('Mistral: renamed and dropped fields; DeepSeek has no embeddings', () => {
  const body = JSON.parse(
    createOpenAICompatibleAdapter('mistral', VENDOR_PRESETS.mistral.quirks).toChatCompletionRequest(
      { ...request, max_completion_tokens: 50, seed: 3, stream_options: { include_usage: true }, user: 'u' },
      presetTarget('mistral'),
    ).body,
  )
  assert.equal(body.max_tokens, 50)
  assert.equal(body.random_seed, 3)
  for (const field of ['max_completion_tokens', 'seed', 'stream_options', 'user'])
    assert.equal(body[field], undefined, field)
  assert.equal(
    createOpenAICompatibleAdapter('deepseek', VENDOR_PRESETS.deepseek.quirks).capabilities.embeddings,
    false,
  )
})
