import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  chatCompletionBody,
  chatCompletionStreamChunks,
  type FakeUpstream,
  startFakeUpstream,
} from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  type Json,
  offer,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'Say hello' }]

describe('chat completions through an OpenAI-compatible upstream', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  before(async () => {
    upstream = await startFakeUpstream()
    gateway = await startTestGateway({
      providers: [fakeProvider('fake', upstream.baseUrl), { name: 'sim', kind: 'sim' }],
      models: [
        { id: 'chat-model', offers: [offer('fake', { model: 'upstream-model' })] },
        { id: 'sim-echo', offers: [offer('sim')] },
      ],
    })
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  test('non-stream: the upstream answer reaches the client unchanged but for usage.cost, valid per the OpenAI spec', async () => {
    upstream.script({ kind: 'json', body: chatCompletionBody('Hi there') })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'chat-model',
      messages,
      temperature: 0.3,
    })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/)
    assert.equal(response.headers.get('x-onekey-provider'), 'fake')
    assert.equal(response.headers.get('x-onekey-model'), 'upstream-model')
    assert.equal(response.headers.get('x-onekey-attempts'), null)
    const body = await readJson(response)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', body)
    const expected = chatCompletionBody('Hi there') as Json
    // 9 prompt tokens × $1/1M + 3 completion tokens × $2/1M = $0.000015
    expected.usage = {
      ...expected.usage,
      cost: 0.000015,
      cost_details: { currency: 'USD', total: '0.000015', lane: 'cheap', upstream_inference_cost: null },
    }
    assert.deepEqual(body, expected)
    assert.match(response.headers.get('x-onekey-generation-id') ?? '', /^gen_[\w-]{13,}$/)
  })

  test('the upstream gets the upstream model name, the account key and no client identity', async () => {
    upstream.calls.length = 0
    await gateway.post(
      '/v1/chat/completions',
      {
        model: 'chat-model',
        messages,
        user: 'end-user-42',
        metadata: { customer: 'x' },
        store: true,
        seed: 7,
      },
      { 'x-forwarded-for': '203.0.113.9', cookie: 'session=secret', 'openai-organization': 'org-client' },
    )
    const call = upstream.calls[0]!
    assert.equal(call.path, '/v1/chat/completions')
    assert.deepEqual(call.json, { model: 'upstream-model', messages, seed: 7 })
    assert.match(call.headers.authorization ?? '', /^Bearer sk-fake-account-[ab]-0123456789$/)
    for (const header of ['x-forwarded-for', 'cookie', 'openai-organization', 'x-request-id']) {
      assert.equal(call.headers[header], undefined, `${header} must not be forwarded`)
    }
    assert.ok(!call.body.includes(gateway.apiKey), 'the client key never reaches the upstream')
  })

  test('stream: every chunk is forwarded and valid per the OpenAI spec, ending with [DONE]', async () => {
    upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks() })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'chat-model',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    })
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.ok(response.headers.get('x-request-id'))
    const data = await readSseData(response)
    assert.equal(data.at(-1), '[DONE]')
    const chunks = data.slice(0, -1).map((payload) => JSON.parse(payload))
    for (const chunk of chunks) assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', chunk)
    assert.equal(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'Hello wörld 🙂')
    assert.deepEqual(chunks.at(-1).usage, {
      prompt_tokens: 9,
      completion_tokens: 3,
      total_tokens: 12,
      cost: 0.000015,
      cost_details: { currency: 'USD', total: '0.000015', lane: 'cheap', upstream_inference_cost: null },
    })
    assert.equal(upstream.calls.at(-1)!.headers.accept, 'text/event-stream')
  })

  test('a stream split at awkward byte boundaries, inside UTF-8 characters, arrives intact', async () => {
    const bytes = Buffer.from(chatCompletionStreamChunks(['Grüße, ', 'мир ', '🌍'], false).join(''))
    for (const size of [1, 2, 3, 7, 64]) {
      const pieces: Uint8Array[] = []
      for (let offset = 0; offset < bytes.length; offset += size)
        pieces.push(bytes.subarray(offset, offset + size))
      upstream.script({ kind: 'stream', chunks: pieces })
      const data = await readSseData(
        await gateway.post('/v1/chat/completions', { model: 'chat-model', messages, stream: true }),
      )
      assert.equal(data.at(-1), '[DONE]', `split ${size}`)
      const text = data
        .slice(0, -1)
        .map((payload) => JSON.parse(payload).choices[0]?.delta.content ?? '')
        .join('')
      assert.equal(text, 'Grüße, мир 🌍', `split ${size}`)
    }
  })

  test('sim answers deterministically, stream and non-stream, valid per the spec', async () => {
    const request = {
      model: 'sim-echo',
      messages: [{ role: 'user', content: 'one two three' }],
      max_tokens: 3,
    }
    const response = await gateway.post('/v1/chat/completions', request)
    const body = await readJson(response)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', body)
    assert.equal(body.choices[0].message.content, 'You said: one')
    assert.equal(body.choices[0].finish_reason, 'length')
    const streamed = await readSseData(
      await gateway.post('/v1/chat/completions', { ...request, max_tokens: 10, stream: true }),
    )
    const chunks = streamed.slice(0, -1).map((payload) => JSON.parse(payload))
    for (const chunk of chunks) assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', chunk)
    assert.equal(
      chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
      'You said: one two three',
    )
  })

  test('models: list and get, valid per the spec; unknown model is 404', async () => {
    const headers = { authorization: `Bearer ${gateway.apiKey}` }
    const list = await readJson(await fetch(`${gateway.url}/v1/models`, { headers }))
    assertMatchesOpenAISchema('ListModelsResponse', list)
    assert.deepEqual(
      list.data.map((model: { id: string }) => model.id),
      ['chat-model', 'cheap/chat-model', 'sim-echo', 'cheap/sim-echo'],
      'plain IDs of the default lane, then the lane-prefixed ones',
    )
    const one = await fetch(`${gateway.url}/v1/models/sim-echo`, { headers })
    assert.equal(one.status, 200)
    assertMatchesOpenAISchema('Model', await readJson(one))
    const missing = await fetch(`${gateway.url}/v1/models/nope`, { headers })
    assert.equal(missing.status, 404)
    assert.equal((await readJson(missing)).error.code, 'model_not_found')
    const unknownChat = await gateway.post('/v1/chat/completions', { model: 'nope', messages })
    assert.equal(unknownChat.status, 404)
    assert.deepEqual((await readJson(unknownChat)).error, {
      message: 'The model `nope` does not exist or you do not have access to it.',
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    })
  })

  test('one JSON log line per request, metadata only', async () => {
    upstream.script({ kind: 'json', body: chatCompletionBody('secret completion text') })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'chat-model',
      messages: [{ role: 'user', content: 'secret prompt text' }],
    })
    const requestId = response.headers.get('x-request-id')
    await response.text()
    await new Promise((resolve) => setTimeout(resolve, 20))
    const line = gateway.logs.find((log) => log.request_id === requestId)
    assert.ok(line, 'request logged')
    assert.equal(line.status, 200)
    assert.equal(line.model, 'chat-model')
    assert.equal(line.provider, 'fake')
    assert.equal(line.workspace, gateway.workspaceId)
    assert.equal(line.key_prefix, gateway.apiKey.slice(0, 13))
    assert.equal(line.prompt_tokens, 9)
    assert.equal(typeof line.latency_ms, 'number')
    const everything = JSON.stringify(gateway.logs)
    for (const secret of [
      'secret prompt text',
      'secret completion text',
      gateway.apiKey,
      'sk-fake-account',
    ]) {
      assert.ok(!everything.includes(secret), `logs must not contain ${secret}`)
    }
    assert.ok(!everything.includes(createHash('sha256').update(gateway.apiKey).digest('hex')))
  })
})
