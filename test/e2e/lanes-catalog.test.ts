/**
 * The lanes end to end, the catalog as clients see it: keys restricted to lanes and model
 * patterns, `GET /v1/models` (lane-prefixed IDs, prices, byok IDs once a key is stored), the
 * quote for every lane without calling any upstream, and a config reload swapping the catalog
 * while a stream in flight finishes. Shared setup: `test/helpers/lanes-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { FakeUpstream } from '../fakes/fake-upstream.ts'
import { CUSTOMER_KEY, KEYS, type LanesFixture, messages, startLanesFixture } from '../helpers/lanes-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

describe('lanes: cheap, resale and byok keep their promises', () => {
  let official: FakeUpstream
  let gateway: TestGateway
  let fixture: LanesFixture
  const pooledCalls = () => fixture.pooledCalls()
  const manage: LanesFixture['manage'] = (method, path, body) => fixture.manage(method, path, body)

  before(async () => {
    fixture = await startLanesFixture()
    official = fixture.official
    gateway = fixture.gateway
  })
  beforeEach(() => fixture.reset())
  after(() => fixture.close())

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
      input_cache_read: '0.1',
      internal_reasoning: '0.4',
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
