/**
 * The prompt cache: exact-match hits per workspace and lane, replayed as JSON or SSE, billed at
 * the cached-input price, with every opt-out honoured.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionStreamChunks, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { redisSkipReason, TEST_REDIS_URL } from '../helpers/backends.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const answer = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'm',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Cached hello', refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 8, completion_tokens: 10, total_tokens: 18 },
}

describe('prompt cache', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let owner: string
  before(async () => {
    upstream = await startFakeUpstream({ kind: 'json', body: answer })
    gateway = await startTestGateway({
      cache: { enabled: true, ttl_ms: 60_000 },
      providers: [
        {
          name: 'fake',
          kind: 'openai-compatible',
          base_url: upstream.baseUrl,
          accounts: [
            { name: 'pool', api_key_env: 'FAKE_KEY_A' },
            { name: 'official', api_key_env: 'FAKE_KEY_B', trust: 'official' },
          ],
        },
      ],
      models: [
        {
          id: 'm',
          offers: [
            { lane: 'cheap', provider: 'fake', price: { input: '1', output: '1', cached_input: '0.25' } },
            { lane: 'resale', provider: 'fake', price: { input: '2', output: '2' } },
          ],
        },
      ],
    })
    owner = (
      await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'owner', management: true })
    ).key
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  const ask = (content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    gateway.post(
      '/v1/chat/completions',
      { model: 'cheap/m', messages: [{ role: 'user', content }], ...extra },
      headers,
    )

  test('the same request twice: the second is a hit, billed at the cached-input price', async () => {
    upstream.reset()
    const first = await ask('one', { temperature: 0.2, max_tokens: 10 })
    assert.equal(first.headers.get('x-onekey-cache'), 'miss')
    assert.equal((await readJson(first)).usage.cost_details.total, '0.000018')
    // the same request with its keys in another order and an end-user ID: still the same
    const second = await gateway.post('/v1/chat/completions', {
      max_tokens: 10,
      messages: [{ content: 'one', role: 'user' }],
      temperature: 0.2,
      user: 'someone',
      model: 'cheap/m',
    })
    assert.equal(second.headers.get('x-onekey-cache'), 'hit')
    assert.equal(second.headers.get('x-onekey-lane'), 'cheap')
    const body = await readJson(second)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', body)
    assert.equal(body.choices[0].message.content, 'Cached hello')
    // 18 tokens at $0.25/1M
    assert.equal(body.usage.cost_details.total, '0.0000045')
    assert.equal(upstream.calls.length, 1, 'the upstream answered once')
    // Each request's charge is on its log row (the ledger has one usage entry per batch).
    await gateway.gateway.requestLogs.flush()
    const charges = (await gateway.store.requestLogs.list(gateway.workspaceId, { limit: 10 })).map(
      (row) => row.chargedNano,
    )
    assert.deepEqual(charges.slice(0, 2), [4_500, 18_000])
    assert.equal(
      (await ask('one', { temperature: 0.9, max_tokens: 10 })).headers.get('x-onekey-cache'),
      'miss',
      'another temperature',
    )
  })

  test('a stream request replays a cached answer as a valid SSE stream', async () => {
    await ask('two')
    upstream.reset()
    const replay = await ask('two', { stream: true, stream_options: { include_usage: true } })
    assert.equal(replay.headers.get('x-onekey-cache'), 'hit')
    assert.match(replay.headers.get('content-type') ?? '', /^text\/event-stream/)
    const data = await readSseData(replay)
    assert.equal(data.at(-1), '[DONE]')
    const chunks = data.slice(0, -1).map((item) => JSON.parse(item))
    for (const chunk of chunks) assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', chunk)
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Cached hello')
    assert.equal(chunks.at(-1).usage.cost_details.total, '0.0000045')
    assert.equal(upstream.calls.length, 0)
  })

  test('a streamed answer is stored too (rebuilt from its chunks) and serves both kinds of request', async () => {
    upstream.reset()
    upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks(['Str', 'eam', 'ed 🙂']) })
    const streamed = await ask('five', { stream: true })
    assert.equal(streamed.headers.get('x-onekey-cache'), 'miss')
    await streamed.text()
    let plain: Response | undefined
    for (let attempt = 0; attempt < 50; attempt++) {
      plain = await ask('five')
      if (plain.headers.get('x-onekey-cache') === 'hit') break
      await sleep(20)
    }
    assert.equal(plain!.headers.get('x-onekey-cache'), 'hit')
    const body = await readJson(plain!)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', body)
    assert.equal(body.choices[0].message.content, 'Streamed 🙂')
    assert.equal(body.usage.prompt_tokens, 9)
    const again = await ask('five', { stream: true })
    assert.equal(again.headers.get('x-onekey-cache'), 'hit')
    const data = await readSseData(again)
    assert.equal(data.at(-1), '[DONE]')
    assert.equal(upstream.calls.length, 1)
  })

  test('never shared across workspaces or lanes', async () => {
    await ask('three')
    upstream.reset()
    const resale = await gateway.post('/v1/chat/completions', {
      model: 'resale/m',
      messages: [{ role: 'user', content: 'three' }],
    })
    assert.equal(
      resale.headers.get('x-onekey-cache'),
      'miss',
      'a resale request never gets what the pool produced',
    )
    const other = await gateway.service.createWorkspace('other-cache')
    const { key } = await gateway.service.createApiKey({ workspace: other.id, name: 'k' })
    await gateway.gateway.billing.topUp({
      workspaceId: other.id,
      amountNano: 1e9,
      idempotencyKey: 'c',
      actor: 't',
      kind: 'adjustment',
    })
    const elsewhere = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'cheap/m', messages: [{ role: 'user', content: 'three' }] }),
    })
    assert.equal(elsewhere.headers.get('x-onekey-cache'), 'miss', 'another workspace never gets this one')
    assert.equal(upstream.calls.length, 2)
  })

  test('opt-outs: Cache-Control no-store and no-cache, byok_conf, and the workspace setting', async () => {
    upstream.reset()
    assert.equal(
      (await ask('four', {}, { 'cache-control': 'no-store' })).headers.get('x-onekey-cache'),
      'bypass',
    )
    assert.equal((await ask('four')).headers.get('x-onekey-cache'), 'miss', 'no-store stored nothing')
    assert.equal(
      (await ask('four', {}, { 'cache-control': 'no-cache' })).headers.get('x-onekey-cache'),
      'miss',
    )
    assert.equal((await ask('four')).headers.get('x-onekey-cache'), 'hit')
    assert.equal(upstream.calls.length, 3)
    const patched = await fetch(`${gateway.url}/api/v1/workspace`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${owner}` },
      body: JSON.stringify({ prompt_cache: false }),
    })
    assert.equal(((await readJson(patched)) as Json).prompt_cache, false)
    assert.equal((await ask('four')).headers.get('x-onekey-cache'), 'bypass')
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    assert.match(metrics, /^onekey_cache_results_total\{result="hit"\} \d+$/m)
  })
})

const skipRedis = await redisSkipReason()

describe('prompt cache shared through Redis', { skip: skipRedis }, () => {
  test('an answer one instance stored is a hit on the other', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: answer })
    const document = {
      redis: { url: TEST_REDIS_URL, key_prefix: `onekey-test:${randomUUID()}:` },
      cache: { enabled: true },
      providers: [
        {
          name: 'fake',
          kind: 'openai-compatible',
          base_url: upstream.baseUrl,
          accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A' }],
        },
      ],
      models: [
        { id: 'm', offers: [{ lane: 'cheap', provider: 'fake', price: { input: '1', output: '1' } }] },
      ],
    }
    const one = await startTestGateway(document)
    const two = await startTestGateway(document, {}, { store: one.store, workspaceName: 'second' })
    try {
      const request = (gateway: TestGateway) =>
        fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${one.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'shared' }] }),
        })
      assert.equal((await request(one)).headers.get('x-onekey-cache'), 'miss')
      let status = ''
      for (let attempt = 0; attempt < 50 && status !== 'hit'; attempt++) {
        status = (await request(two)).headers.get('x-onekey-cache') ?? ''
        if (status !== 'hit') await sleep(20)
      }
      assert.equal(status, 'hit')
      assert.equal(upstream.calls.length, 1)
    } finally {
      await two.close()
      await one.close()
      await upstream.close()
    }
  })
})
