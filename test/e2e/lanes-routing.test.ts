/**
 * The lanes end to end, routing: which fake upstream each lane reaches and with which account
 * key (cheap, resale, plain IDs and aliases), resale never falling back to the pool, retries
 * across pooled accounts, the strict scrub of what a pooled account receives, data-collection
 * denial, the workspace default lane, official-account circuits, and resale streams.
 * Shared setup: `test/helpers/lanes-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import {
  chatCompletionBody,
  chatCompletionStreamChunks,
  type FakeUpstream,
  startFakeUpstream,
} from '../fakes/fake-upstream.ts'
import {
  bearer,
  catalog,
  KEYS,
  type LanesFixture,
  messages,
  startLanesFixture,
} from '../helpers/lanes-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

describe('lanes: cheap, resale and byok keep their promises', () => {
  let poolA: FakeUpstream
  let poolB: FakeUpstream
  let official: FakeUpstream
  let gateway: TestGateway
  let fixture: LanesFixture
  const pooledCalls = () => fixture.pooledCalls()
  const manage: LanesFixture['manage'] = (method, path, body) => fixture.manage(method, path, body)

  before(async () => {
    fixture = await startLanesFixture()
    poolA = fixture.poolA
    poolB = fixture.poolB
    official = fixture.official
    gateway = fixture.gateway
  })
  beforeEach(() => fixture.reset())
  after(() => fixture.close())

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
