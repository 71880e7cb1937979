import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildConfig } from '../../config/config.ts'
import type { UpstreamTarget } from '../provider-adapter.ts'
import { createOpenAICompatibleAdapter } from './create-openai-compatible-adapter.ts'

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
