import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { IMAGE_INPUT } from './input-modalities.ts'
import { takeRoutingOptions } from './routing-options.ts'

const base: OpenAIChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] }

test('a request without gateway fields is passed through untouched', () => {
  const { request, options } = takeRoutingOptions(base)
  assert.equal(request, base)
  assert.deepEqual(options, {
    fallbackModels: [],
    includeUsage: false,
    preferences: undefined,
    byok: undefined,
    input: undefined,
  })
})

test('content beyond text is noted for routing, the body untouched', () => {
  const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }]
  const body = { ...base, messages } as typeof base
  const { request, options } = takeRoutingOptions(body)
  assert.equal(request, body)
  assert.deepEqual(options.input, { modalities: IMAGE_INPUT, messages })
})

test('models, provider and byok_conf are read and removed', () => {
  const input = {
    ...base,
    temperature: 1,
    models: ['a', 'b'],
    provider: {
      order: ['x'],
      allow_fallbacks: false,
      data_collection: 'deny',
      sort: 'latency',
      max_price: { prompt: 1.5 },
    },
    byok_conf: { provider: 'openai', credentials: { api_key: ' sk-1 ' } },
    usage: { include: true },
  }
  const { request, options } = takeRoutingOptions(input)
  assert.deepEqual(request, { ...base, temperature: 1 })
  assert.deepEqual(options.fallbackModels, ['a', 'b'])
  assert.equal(options.includeUsage, true)
  assert.equal(options.preferences?.allowFallbacks, false)
  assert.equal(options.preferences?.dataCollection, 'deny')
  assert.equal(options.preferences?.sort, 'latency')
  assert.deepEqual(options.preferences?.maxPrice, { prompt: 1_500_000, completion: undefined })
  assert.deepEqual(options.byok, { provider: 'openai', apiKey: 'sk-1', fallback: true })
  assert.ok('byok_conf' in input, 'the caller object is untouched')
})

test('bad values are 400s naming the param, never echoing a credential', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ models: 'a' }, 'models'],
    [{ usage: true }, 'usage'],
    [{ usage: { include: 'yes' } }, 'usage.include'],
    [{ models: Array.from({ length: 9 }, (_, index) => `m${index}`) }, 'models'],
    [{ provider: [] }, 'provider'],
    [{ provider: { sort: 'fast' } }, 'provider.sort'],
    [{ provider: { data_collection: 'maybe' } }, 'provider.data_collection'],
    [{ provider: { allow_fallbacks: 'no' } }, 'provider.allow_fallbacks'],
    [{ provider: { unknown: 1 } }, 'provider.unknown'],
    [{ provider: { max_price: { prompt: -1 } } }, 'provider.max_price.prompt'],
    [{ provider: { only: [''] } }, 'provider.only'],
    [{ byok_conf: { credentials: 'sk-hidden' } }, 'byok_conf.provider'],
    [{ byok_conf: { provider: 'openai', credentials: 42 } }, 'byok_conf.credentials'],
    [{ byok_conf: { provider: 'openai', credentials: 'sk-hidden', fallback: 'yes' } }, 'byok_conf.fallback'],
  ]
  for (const [fields, param] of cases) {
    assert.throws(
      () => takeRoutingOptions({ ...base, ...fields }),
      (error: { param: string; status: number; message: string }) => {
        assert.equal(error.param, param)
        assert.equal(error.status, 400)
        assert.ok(!error.message.includes('sk-hidden'))
        return true
      },
    )
  }
})
