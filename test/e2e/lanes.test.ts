/**
 * The lanes end to end: two pooled vendors and an official provider as fake upstreams on
 * 127.0.0.1, several accounts each, and assertions on what each fake actually received.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import {
  chatCompletionBody,
  chatCompletionStreamChunks,
  type FakeUpstream,
  startFakeUpstream,
} from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
  testConfig,
} from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'Say hello' }]
const MASTER_KEY = 'a1'.repeat(32)
const CUSTOMER_KEY = 'sk-customer-own-key-0123456789abcdef'
const KEYS = {
  POOL_A_1: 'sk-pool-a-one-0123456789',
  POOL_A_2: 'sk-pool-a-two-0123456789',
  POOL_B_1: 'sk-pool-b-one-0123456789',
  OFFICIAL_1: 'sk-official-one-0123456789',
  OFFICIAL_2: 'sk-official-two-0123456789',
  ONEKEY_MASTER_KEY: MASTER_KEY,
  ONEKEY_ADMIN_TOKEN: 'admin-token-0123456789abcdef',
}

function bearer(call: { headers: Record<string, unknown> }): string {
  return String(call.headers.authorization ?? '').replace(/^Bearer /, '')
}

function catalog(poolA: FakeUpstream, poolB: FakeUpstream, official: FakeUpstream): Record<string, unknown> {
  return {
    upstream: { max_attempts: 6, failure_threshold: 100, cooldown_ms: 60_000 },
    providers: [
      {
        name: 'pool-a',
        kind: 'openai-compatible',
        base_url: poolA.baseUrl,
        accounts: [
          { name: 'a1', api_key_env: 'POOL_A_1' },
          { name: 'a2', api_key_env: 'POOL_A_2' },
        ],
      },
      {
        name: 'pool-b',
        kind: 'openai-compatible',
        base_url: poolB.baseUrl,
        accounts: [{ name: 'b1', api_key_env: 'POOL_B_1' }],
      },
      {
        name: 'official',
        kind: 'openai',
        base_url: official.baseUrl,
        accounts: [
          { name: 'o1', api_key_env: 'OFFICIAL_1', trust: 'official' },
          { name: 'o2', api_key_env: 'OFFICIAL_2', trust: 'official' },
        ],
      },
    ],
    models: [
      {
        id: 'gpt-x',
        aliases: ['gpt-x@2026-01-01'],
        context_length: 100_000,
        max_output_tokens: 1000,
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-a',
            model: 'x-on-a',
            price: { input: '0.2', output: '0.8' },
            published: true,
          },
          {
            lane: 'cheap',
            provider: 'pool-b',
            model: 'x-on-b',
            price: { input: '0.1', output: '0.4' },
            published: true,
            data_policy: { retains_prompts: true },
          },
          {
            lane: 'resale',
            provider: 'official',
            model: 'x-official',
            price: { input: '2', output: '8' },
            published: true,
          },
          {
            lane: 'byok',
            provider: 'official',
            model: 'x-official',
            price: { input: '0', output: '0' },
            published: true,
          },
        ],
      },
      {
        id: 'gpt-y',
        offers: [
          { lane: 'cheap', provider: 'pool-a', model: 'y-on-a', price: { input: '1', output: '1' } },
          { lane: 'resale', provider: 'official', model: 'y-official', price: { input: '3', output: '9' } },
        ],
      },
      {
        id: 'retained-only',
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-b',
            price: { input: '0.1', output: '0.1' },
            data_policy: { trains_on_data: true },
          },
        ],
      },
    ],
  }
}

describe('lanes: cheap, resale and byok keep their promises', () => {
  let poolA: FakeUpstream
  let poolB: FakeUpstream
  let official: FakeUpstream
  let gateway: TestGateway
  let managementKey: string
  const pooledCalls = () => poolA.calls.length + poolB.calls.length

  before(async () => {
    poolA = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from pool a') })
    poolB = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from pool b') })
    official = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from official') })
    gateway = await startTestGateway(catalog(poolA, poolB, official), KEYS)
    managementKey = (
      await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'admin', management: true })
    ).key
  })
  beforeEach(() => {
    poolA.reset()
    poolB.reset()
    official.reset()
    gateway.gateway.stats.reset()
  })
  after(async () => {
    await gateway.close()
    await Promise.all([poolA.close(), poolB.close(), official.close()])
  })

  const manage = (method: string, path: string, body?: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })

  test('cheap: the cheapest pooled offer answers, with its own key, and says how it was served', async () => {
    const response = await gateway.post('/v1/chat/completions', { model: 'cheap/gpt-x', messages })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'cheap')
    assert.equal(response.headers.get('x-onekey-provider'), 'pool-b')
    assert.equal(response.headers.get('x-onekey-model'), 'x-on-b')
    assert.equal(response.headers.get('x-onekey-attempts'), null)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', await readJson(response))
    assert.equal(poolB.calls.length, 1)
    assert.equal(bearer(poolB.calls[0]!), KEYS.POOL_B_1)
    assert.equal(poolB.calls[0]!.json!.model, 'x-on-b')
    assert.equal(official.calls.length + poolA.calls.length, 0)
  })

  test('plain IDs and aliases take the default lane (cheap)', async () => {
    const response = await gateway.post('/v1/chat/completions', { model: 'gpt-x@2026-01-01', messages })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'cheap')
    assert.equal(poolB.calls.length, 1)
  })

  test('resale: the official provider with an official key', async () => {
    const response = await gateway.post('/v1/chat/completions', { model: 'resale/gpt-x', messages })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'resale')
    assert.equal(response.headers.get('x-onekey-provider'), 'official')
    assert.equal(response.headers.get('x-onekey-model'), 'x-official')
    assert.equal(official.calls.length, 1)
    assert.ok([KEYS.OFFICIAL_1, KEYS.OFFICIAL_2].includes(bearer(official.calls[0]!)))
    assert.equal(pooledCalls(), 0)
  })

  for (const [label, extra] of [
    ['non-stream', {}],
    ['stream', { stream: true }],
    ['a models list', { models: ['gpt-y', 'resale/gpt-y'] }],
  ] as const) {
    test(`resale with every official account failing is 503 and never reaches the pool (${label})`, async () => {
      official.fallback = { kind: 'json', status: 500, body: { error: { message: 'down' } } }
      try {
        const response = await gateway.post('/v1/chat/completions', {
          model: 'resale/gpt-x',
          messages,
          ...extra,
        })
        assert.equal(response.status, 503)
        assert.equal(response.headers.get('x-onekey-lane'), 'resale')
        const body = await readJson(response)
        assertMatchesOpenAISchema('ErrorResponse', body)
        assert.equal(body.error.code, 'no_healthy_upstream')
        assert.equal(
          official.calls.length,
          'models' in extra ? 4 : 2,
          'every official account of every model',
        )
        assert.ok(official.calls.every((call) => [KEYS.OFFICIAL_1, KEYS.OFFICIAL_2].includes(bearer(call))))
        assert.equal(pooledCalls(), 0, 'the pool received nothing')
      } finally {
        official.fallback = { kind: 'json', body: chatCompletionBody('from official') }
      }
    })
  }

  test('a models list cannot cross lanes', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'resale/gpt-x',
      models: ['cheap/gpt-y'],
      messages,
    })
    assert.equal(response.status, 400)
    assert.equal((await readJson(response)).error.param, 'models[0]')
    assert.equal(pooledCalls() + official.calls.length, 0)
  })

  test('cheap: a pooled account answering 429 is followed by another pooled account', async () => {
    poolA.script({ kind: 'json', status: 429, body: { error: { message: 'slow down' } } })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'cheap/gpt-x',
      messages,
      provider: { only: ['pool-a'] },
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-attempts'), '2')
    assert.equal(poolA.calls.length, 2)
    assert.deepEqual(new Set(poolA.calls.map(bearer)), new Set([KEYS.POOL_A_1, KEYS.POOL_A_2]))
    assert.equal(official.calls.length, 0)
  })

  test('strict scrub: end-user fields, gateway fields, client headers and identity never reach a pooled account', async () => {
    const response = await gateway.post(
      '/v1/chat/completions',
      {
        model: 'cheap/gpt-x',
        messages,
        user: 'end-user-42',
        safety_identifier: 'hashed-user',
        metadata: { customer: 'acme' },
        store: true,
        prompt_cache_key: 'cache-me',
        provider: { sort: 'price' },
        models: ['gpt-y'],
        temperature: 0.5,
      },
      {
        'x-forwarded-for': '203.0.113.9',
        'x-real-ip': '203.0.113.9',
        'user-agent': 'my-secret-app/1.0',
        cookie: 'session=abc',
        'openai-organization': 'org-customer',
        'x-custom-tenant': 'tenant-7',
      },
    )
    assert.equal(response.status, 200)
    const call = poolB.calls[0]!
    for (const field of [
      'user',
      'safety_identifier',
      'metadata',
      'store',
      'prompt_cache_key',
      'provider',
      'models',
    ]) {
      assert.equal(field in call.json!, false, `${field} is not forwarded`)
    }
    assert.equal(call.json!.temperature, 0.5, 'the rest passes through')
    for (const header of [
      'x-forwarded-for',
      'x-real-ip',
      'cookie',
      'openai-organization',
      'x-custom-tenant',
      'x-request-id',
    ]) {
      assert.equal(call.headers[header], undefined, `${header} is not forwarded`)
    }
    assert.notEqual(call.headers['user-agent'], 'my-secret-app/1.0')
    const raw = JSON.stringify(call.headers) + call.body
    for (const identity of [
      gateway.workspaceId,
      gateway.apiKey,
      gateway.apiKey.slice(0, 12),
      '203.0.113.9',
    ]) {
      assert.ok(!raw.includes(identity), 'no workspace, key or client address upstream')
    }
  })

  test('data collection: a request or the workspace setting skips offers that retain or train', async () => {
    const denied = await gateway.post('/v1/chat/completions', {
      model: 'cheap/gpt-x',
      messages,
      provider: { data_collection: 'deny' },
    })
    assert.equal(denied.status, 200)
    assert.equal(denied.headers.get('x-onekey-provider'), 'pool-a', 'the cheaper retaining offer was skipped')
    assert.equal(poolB.calls.length, 0)

    const settings = await manage('PATCH', '/api/v1/workspace', { deny_data_collection: true })
    assert.equal(settings.status, 200)
    assert.equal((await readJson(settings)).deny_data_collection, true)
    try {
      const byWorkspace = await gateway.post('/v1/chat/completions', { model: 'cheap/gpt-x', messages })
      assert.equal(byWorkspace.headers.get('x-onekey-provider'), 'pool-a')
      const nothing = await gateway.post('/v1/chat/completions', { model: 'retained-only', messages })
      assert.equal(nothing.status, 404)
      const body = await readJson(nothing)
      assertMatchesOpenAISchema('ErrorResponse', body)
      assert.equal(body.error.code, 'no_matching_offer')
      assert.match(body.error.message, /retains prompts or trains on data/)
      assert.equal(poolB.calls.length, 0)
      const listed = await readJson(
        await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.apiKey}` } }),
      )
      assert.ok(!listed.data.some((model: Json) => model.id.includes('retained-only')), 'nor listed')
    } finally {
      await manage('PATCH', '/api/v1/workspace', { deny_data_collection: false })
    }
  })

  test('byok: a missing key is 403; a stored key is encrypted, masked, and reaches only its provider', async () => {
    const missing = await gateway.post('/v1/chat/completions', { model: 'byok/official/gpt-x', messages })
    assert.equal(missing.status, 403)
    assert.equal((await readJson(missing)).error.code, 'byok_credential_missing')

    const refused = await gateway.post('/api/v1/byok/official', undefined as never)
    assert.equal(refused.status, 405)
    const inferenceOnly = await fetch(`${gateway.url}/api/v1/byok/official`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${gateway.apiKey}` },
      body: JSON.stringify({ api_key: CUSTOMER_KEY }),
    })
    assert.equal(inferenceOnly.status, 403, 'an inference key cannot manage')
    assert.equal((await readJson(inferenceOnly)).error.code, 'management_not_allowed')

    const saved = await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    assert.equal(saved.status, 200)
    const savedBody = await readJson(saved)
    assert.equal(savedBody.hint, 'sk-c…cdef')
    assert.ok(!JSON.stringify(savedBody).includes(CUSTOMER_KEY))
    const listed = await readJson(await manage('GET', '/api/v1/byok'))
    assert.deepEqual(
      listed.data.map((item: Json) => [item.provider, item.hint]),
      [['official', 'sk-c…cdef']],
    )
    const [stored] = await gateway.store.byokCredentials.list(gateway.workspaceId)
    assert.ok(!stored!.ciphertext.includes(CUSTOMER_KEY), 'the stored value is not the plaintext')
    assert.ok(!stored!.ciphertext.includes(Buffer.from(CUSTOMER_KEY).toString('base64').slice(0, 16)))

    const response = await gateway.post('/v1/chat/completions', {
      model: 'byok/official/gpt-x',
      messages,
      user: 'end-user-42',
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'byok')
    assert.equal(official.calls.length, 1)
    assert.equal(bearer(official.calls[0]!), CUSTOMER_KEY)
    assert.equal(
      official.calls[0]!.json!.user,
      'end-user-42',
      "the customer's own account gets the body as sent",
    )
    assert.equal(pooledCalls(), 0)
  })

  test('byok: a rejected key is a clear 403 and no other key is ever tried', async () => {
    await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    for (const stream of [false, true]) {
      official.reset()
      official.script({
        kind: 'json',
        status: 401,
        body: { error: { message: 'Incorrect API key provided: sk-cus***' } },
      })
      const response = await gateway.post('/v1/chat/completions', {
        model: 'byok/official/gpt-x',
        messages,
        stream,
      })
      assert.equal(response.status, 403)
      const body = await readJson(response)
      assertMatchesOpenAISchema('ErrorResponse', body)
      assert.equal(body.error.code, 'byok_credential_rejected')
      assert.match(body.error.message, /rejected your stored BYOK key/)
      assert.equal(official.calls.length, 1, 'one call, with the customer key')
      assert.equal(bearer(official.calls[0]!), CUSTOMER_KEY)
      assert.equal(pooledCalls(), 0)
    }
    // the operator's official accounts are untouched by a customer's bad key
    assert.equal(gateway.gateway.health.isAvailable('official/o1'), true)
  })

  test('byok_conf: the given key first; on rejection it falls back to the lane (fallback: true) or stops (false)', async () => {
    official.script({ kind: 'json', status: 401, body: { error: { message: 'bad key' } } })
    const fellBack = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(fellBack.status, 200)
    assert.equal(fellBack.headers.get('x-onekey-lane'), 'cheap', 'billed in the lane that served it')
    assert.equal(fellBack.headers.get('x-onekey-attempts'), '2')
    assert.equal(bearer(official.calls[0]!), 'sk-request-key-0123456789')
    assert.equal('byok_conf' in official.calls[0]!.json!, false, 'byok_conf never goes upstream')
    assert.equal(poolB.calls.length, 1)
    assert.equal(bearer(poolB.calls[0]!), KEYS.POOL_B_1)
    assert.ok(!poolB.calls[0]!.body.includes('sk-request-key'))

    official.reset()
    poolB.reset()
    official.script({ kind: 'json', status: 429, body: { error: { message: 'slow' } } })
    const rateLimited = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: { api_key: 'sk-request-key-0123456789' } },
    })
    assert.equal(rateLimited.status, 200)
    assert.equal(poolB.calls.length, 1, 'a rate limit falls back too')

    official.reset()
    poolB.reset()
    official.script({ kind: 'json', status: 401, body: { error: { message: 'bad key' } } })
    const stopped = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789', fallback: false },
    })
    assert.equal(stopped.status, 403)
    assert.equal((await readJson(stopped)).error.code, 'byok_credential_rejected')
    assert.equal(pooledCalls(), 0)

    official.reset()
    const served = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789', fallback: false },
    })
    assert.equal(served.status, 200)
    assert.equal(served.headers.get('x-onekey-lane'), 'byok')
    assert.equal(pooledCalls(), 0)

    const logged = JSON.stringify(gateway.logs)
    assert.ok(!logged.includes('sk-request-key'), 'byok_conf credentials are never logged')
    assert.ok(!logged.includes(CUSTOMER_KEY))
  })

  test('byok_conf is checked: no byok offer for the provider is a 400 naming the field', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'gpt-y',
      messages,
      byok_conf: { provider: 'official', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(response.status, 400)
    const body = await readJson(response)
    assert.equal(body.error.param, 'byok_conf.provider')
    assert.ok(!JSON.stringify(body).includes('sk-request-key'))
    const mismatched = await gateway.post('/v1/chat/completions', {
      model: 'byok/official/gpt-x',
      messages,
      byok_conf: { provider: 'pool-a', credentials: 'sk-request-key-0123456789' },
    })
    assert.equal(mismatched.status, 400)
    assert.equal((await readJson(mismatched)).error.param, 'byok_conf.provider')
    const malformed = await gateway.post('/v1/chat/completions', {
      model: 'gpt-x',
      messages,
      byok_conf: { provider: 'official' },
    })
    assert.equal((await readJson(malformed)).error.param, 'byok_conf.credentials')
  })

  test('keys restricted to lanes and model patterns get 403 outside them and see only what they may use', async () => {
    const { key } = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'restricted',
      allowedLanes: ['cheap'],
      allowedModels: ['gpt-x'],
    })
    const call = (model: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages }),
      })
    assert.equal((await call('cheap/gpt-x')).status, 200)
    const lane = await call('resale/gpt-x')
    assert.equal(lane.status, 403)
    assert.equal((await readJson(lane)).error.code, 'lane_not_allowed')
    const model = await call('gpt-y')
    assert.equal(model.status, 403)
    assert.equal((await readJson(model)).error.code, 'model_not_allowed')
    assert.equal(official.calls.length, 0)
    const list = await readJson(
      await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }),
    )
    assert.deepEqual(
      list.data.map((item: Json) => item.id),
      ['gpt-x', 'cheap/gpt-x'],
    )
  })

  test('GET /v1/models: lane-prefixed IDs with prices; byok IDs once a key is stored; valid per the spec', async () => {
    await manage('DELETE', '/api/v1/byok/official')
    const headers = { authorization: `Bearer ${gateway.apiKey}` }
    const before = await readJson(await fetch(`${gateway.url}/v1/models`, { headers }))
    assertMatchesOpenAISchema('ListModelsResponse', before)
    assert.deepEqual(
      before.data.map((item: Json) => item.id),
      [
        'gpt-x',
        'cheap/gpt-x',
        'resale/gpt-x',
        'gpt-y',
        'cheap/gpt-y',
        'resale/gpt-y',
        'retained-only',
        'cheap/retained-only',
      ],
    )
    const cheap = before.data.find((item: Json) => item.id === 'cheap/gpt-x')
    assert.deepEqual(cheap.pricing, {
      currency: 'USD',
      prompt: '0.1',
      completion: '0.4',
      cached_input: '0.1',
      request: '0',
    })
    assert.equal(cheap.context_length, 100_000)
    assert.equal(before.data.find((item: Json) => item.id === 'resale/gpt-y').pricing, 'quote on request')

    await manage('PUT', '/api/v1/byok/official', { api_key: CUSTOMER_KEY })
    const after = await readJson(await fetch(`${gateway.url}/v1/models`, { headers }))
    assert.ok(after.data.some((item: Json) => item.id === 'byok/official/gpt-x'))
    const one = await fetch(`${gateway.url}/v1/models/byok/official/gpt-x`, { headers })
    assert.equal(one.status, 200)
    assertMatchesOpenAISchema('Model', await readJson(one))
    assert.equal((await fetch(`${gateway.url}/v1/models/byok/official/gpt-y`, { headers })).status, 404)
  })

  test('quote: every lane with availability, offer, exact costs and data policy, without calling any upstream', async () => {
    const response = await gateway.post('/v1/quote', {
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'x'.repeat(300) }],
      max_tokens: 500,
    })
    assert.equal(response.status, 200)
    const quote = await readJson(response)
    assert.equal(quote.object, 'quote')
    assert.equal(quote.estimated_prompt_tokens, 3 + 4 + 100)
    assert.equal(quote.max_output_tokens, 500)
    const byLane = Object.fromEntries(quote.lanes.map((lane: Json) => [lane.model, lane]))
    const cheap = byLane['cheap/gpt-x']
    assert.equal(cheap.available, true)
    assert.equal(cheap.offer.provider, 'pool-b')
    assert.deepEqual(cheap.offer.data_policy, { retains_prompts: true, trains_on_data: false })
    // 107 tokens × $0.1/1M = $0.0000107; 500 × $0.4/1M = $0.0002
    assert.equal(cheap.estimated_input_cost, '0.0000107')
    assert.equal(cheap.max_output_cost, '0.0002')
    assert.equal(cheap.max_total_cost, '0.0002107')
    assert.equal(byLane['resale/gpt-x'].estimated_input_cost, '0.000214')
    assert.equal(byLane['byok/official/gpt-x'].available, true)
    assert.match(byLane['resale/gpt-x'].trust, /never falls back to pooled/)

    const denied = await readJson(
      await gateway.post('/api/v1/quote', {
        model: 'gpt-y',
        messages,
        provider: { data_collection: 'deny' },
      }),
    )
    const resaleY = denied.lanes.find((lane: Json) => lane.lane === 'resale')
    assert.equal(resaleY.available, true)
    assert.equal(resaleY.offer.price, 'quote on request')
    assert.equal(resaleY.estimated_input_cost, null, 'an unpublished price is never a number')
    assert.equal(
      denied.lanes.find((lane: Json) => lane.lane === 'byok'),
      undefined,
    )
    const retained = await readJson(
      await gateway.post('/v1/quote', {
        model: 'retained-only',
        messages,
        provider: { data_collection: 'deny' },
      }),
    )
    assert.equal(retained.lanes[0].available, false)
    assert.match(retained.lanes[0].reason, /data collection is denied/)
    assert.equal(retained.lanes[1].reason, 'not offered in the resale lane')
    assert.equal(pooledCalls() + official.calls.length, 0, 'no upstream was called')
  })

  test('the workspace default lane applies to plain IDs', async () => {
    const changed = await manage('PATCH', '/api/v1/workspace', { default_lane: 'resale' })
    assert.equal((await readJson(changed)).default_lane, 'resale')
    try {
      const response = await gateway.post('/v1/chat/completions', { model: 'gpt-x', messages })
      assert.equal(response.headers.get('x-onekey-lane'), 'resale')
      assert.equal(official.calls.length, 1)
      assert.equal(pooledCalls(), 0)
      const bad = await manage('PATCH', '/api/v1/workspace', { default_lane: 'byok' })
      assert.equal(bad.status, 400)
    } finally {
      await manage('PATCH', '/api/v1/workspace', { default_lane: 'cheap' })
    }
  })

  test('an official account circuit opens after failures and closes again through a probe', async () => {
    const other = await startTestGateway(
      {
        ...catalog(poolA, poolB, official),
        upstream: { max_attempts: 3, failure_threshold: 2, cooldown_ms: 200 },
      },
      KEYS,
    )
    try {
      official.fallback = { kind: 'json', status: 503, body: { error: { message: 'overloaded' } } }
      for (let index = 0; index < 2; index++) {
        assert.equal(
          (await other.post('/v1/chat/completions', { model: 'resale/gpt-x', messages })).status,
          503,
        )
      }
      assert.equal(official.calls.length, 4)
      const resting = await other.post('/v1/chat/completions', { model: 'resale/gpt-x', messages })
      assert.equal(resting.status, 503)
      assert.equal(official.calls.length, 4, 'both circuits are open: nothing is sent')
      official.fallback = { kind: 'json', body: chatCompletionBody('from official') }
      await new Promise((resolve) => setTimeout(resolve, 300))
      const probe = await other.post('/v1/chat/completions', { model: 'resale/gpt-x', messages })
      assert.equal(probe.status, 200, 'a half-open probe goes through')
      const closed = other.gateway.health.snapshot().filter((circuit) => circuit.state === 'closed')
      assert.equal(closed.length, 1, 'the probed account is closed again; the other still rests')
      assert.equal(pooledCalls(), 0)
    } finally {
      official.fallback = { kind: 'json', body: chatCompletionBody('from official') }
      await other.close()
    }
  })
})

describe('BYOK encryption at rest', () => {
  test('a wrong master key fails loudly at start-up; rotation re-encrypts under the new key', async () => {
    const document = {
      storage: { url: 'sqlite::memory:' },
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'm', offers: [{ lane: 'byok', provider: 'sim', price: { input: 0, output: 0 } }] }],
    }
    const first = await startTestGateway(document, { ONEKEY_MASTER_KEY: MASTER_KEY })
    const logger = createLogger({ level: 'silent' })
    try {
      const { key } = await first.service.createApiKey({
        workspace: first.workspaceId,
        name: 'm',
        management: true,
      })
      const saved = await fetch(`${first.url}/api/v1/byok/sim`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ api_key: CUSTOMER_KEY }),
      })
      assert.equal(saved.status, 200)
      const served = await first.post('/v1/chat/completions', { model: 'byok/sim/m', messages })
      assert.equal(served.status, 200)

      const wrongKey = testConfig(document, { ONEKEY_MASTER_KEY: 'b2'.repeat(32) })
      await assert.rejects(
        startGateway(wrongKey, { store: first.store, logger }),
        /cannot decrypt 1 BYOK credential/,
      )
      await assert.rejects(
        startGateway(testConfig(document), { store: first.store, logger }),
        /no master key is configured/,
      )

      // Rotation: the new key encrypts, the old one (listed as previous) still opens.
      const rotated = testConfig(document, {
        ONEKEY_MASTER_KEY: 'b2'.repeat(32),
        ONEKEY_PREVIOUS_MASTER_KEYS: MASTER_KEY,
      })
      const second = await startGateway(rotated, { store: first.store, logger })
      try {
        const { createByokCredentialService } = await import('../../src/byok/byok-credential-service.ts')
        const { createCredentialCipher } = await import('../../src/byok/credential-cipher.ts')
        const service = createByokCredentialService({
          store: first.store,
          cipher: createCredentialCipher(rotated.secrets.masterKey!, rotated.secrets.previousMasterKeys),
          byokProviders: () => new Set(['sim']),
          cacheTtlMs: 0,
        })
        assert.equal(await service.rotate(), 1)
        assert.equal(await service.resolve(first.workspaceId, 'sim'), CUSTOMER_KEY)
        assert.equal(await service.rotate(), 0, 'nothing left to rotate')
      } finally {
        await second.close(100)
      }
      await startGateway(testConfig(document, { ONEKEY_MASTER_KEY: 'b2'.repeat(32) }), {
        store: first.store,
        logger,
      }).then((gateway) => gateway.close(100))
      const logged = JSON.stringify(first.logs)
      assert.ok(!logged.includes(CUSTOMER_KEY) && !logged.includes(MASTER_KEY))
    } finally {
      await first.close()
    }
  })
})

describe('config reload', () => {
  test('POST /api/v1/admin/reload swaps the catalog while a stream in flight finishes', async () => {
    const base = {
      providers: [{ name: 'sim', kind: 'sim', sim: { tokens_per_second: 40 } }],
      models: [{ id: 'old', offers: [{ lane: 'cheap', provider: 'sim', price: { input: 1, output: 1 } }] }],
    }
    let next: Record<string, unknown> = base
    const gateway = await startTestGateway(
      base,
      { ONEKEY_ADMIN_TOKEN: KEYS.ONEKEY_ADMIN_TOKEN },
      { reload: () => next },
    )
    try {
      const stream = gateway.post('/v1/chat/completions', {
        model: 'old',
        stream: true,
        messages: [{ role: 'user', content: 'one two three four five six seven eight' }],
      })
      const streaming = await stream
      assert.equal(streaming.status, 200)
      next = {
        ...base,
        models: [
          ...base.models,
          { id: 'new', offers: [{ lane: 'resale', provider: 'sim', price: { input: 1, output: 1 } }] },
        ],
      }
      assert.equal(
        (await fetch(`${gateway.url}/metrics`)).status,
        401,
        'metrics sit behind the operator token',
      )
      const scraped = await fetch(`${gateway.url}/metrics`, {
        headers: { authorization: `Bearer ${KEYS.ONEKEY_ADMIN_TOKEN}` },
      })
      assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
      const denied = await fetch(`${gateway.url}/api/v1/admin/reload`, {
        method: 'POST',
        headers: { authorization: 'Bearer nope' },
      })
      assert.equal(denied.status, 401)
      const reloaded = await fetch(`${gateway.url}/api/v1/admin/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.ONEKEY_ADMIN_TOKEN}` },
      })
      assert.equal(reloaded.status, 200)
      assert.deepEqual(await readJson(reloaded), { reloaded: true, models: 2, providers: 1 })
      const data = await readSseData(streaming)
      assert.equal(data.at(-1), '[DONE]', 'the stream that started before the reload finished')
      const fresh = await gateway.post('/v1/chat/completions', { model: 'resale/new', messages })
      assert.equal(fresh.status, 200)

      next = {
        ...base,
        models: [
          { id: 'broken', offers: [{ lane: 'cheap', provider: 'ghost', price: { input: 1, output: 1 } }] },
        ],
      }
      const bad = await fetch(`${gateway.url}/api/v1/admin/reload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEYS.ONEKEY_ADMIN_TOKEN}` },
      })
      assert.equal(bad.status, 400)
      assert.match((await readJson(bad)).error.message, /unknown provider "ghost"/)
      assert.equal(
        (await gateway.post('/v1/chat/completions', { model: 'resale/new', messages })).status,
        200,
        'the running config stays',
      )
    } finally {
      await gateway.close()
    }
  })
})

describe('streams in lanes', () => {
  test('a resale stream carries the lane headers and valid chunks', async () => {
    const official = await startFakeUpstream({
      kind: 'stream',
      chunks: chatCompletionStreamChunks(['Hel', 'lo']),
    })
    const unused = await startFakeUpstream()
    const gateway = await startTestGateway(catalog(unused, unused, official), KEYS)
    try {
      const response = await gateway.post('/v1/chat/completions', {
        model: 'resale/gpt-x',
        messages,
        stream: true,
      })
      assert.equal(response.headers.get('x-onekey-lane'), 'resale')
      const data = await readSseData(response)
      assert.equal(data.at(-1), '[DONE]')
      for (const chunk of data.slice(0, -1))
        assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', JSON.parse(chunk))
      assert.equal(unused.calls.length, 0)
    } finally {
      await gateway.close()
      await Promise.all([official.close(), unused.close()])
    }
  })
})
