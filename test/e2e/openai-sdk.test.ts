import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import {
  fakeProvider,
  type Json,
  offer,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

describe('the official openai SDK, unmodified, pointed at the gateway', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from upstream') })
    gateway = await startTestGateway({
      server: { port: 0, body_limit_bytes: 2048 },
      providers: [
        { name: 'sim', kind: 'sim' },
        fakeProvider('fake', upstream.baseUrl, { accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A' }] }),
      ],
      models: [
        { id: 'sim-echo', offers: [offer('sim')] },
        { id: 'fake-model', offers: [offer('fake')] },
      ],
    })
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  test('non-stream', async () => {
    const completion = await client.chat.completions.create({
      model: 'sim-echo',
      messages: [{ role: 'user', content: 'hello sdk' }],
    })
    assert.equal(completion.choices[0]?.message.content, 'You said: hello sdk')
    assert.equal(completion.usage?.completion_tokens, 4)
  })

  test('stream, with usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'sim-echo',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    assert.equal(text, 'You said: stream me')
    assert.equal(usage?.completion_tokens, 4)
  })

  test('models list and retrieve', async () => {
    const ids: string[] = []
    for await (const model of client.models.list()) ids.push(model.id)
    assert.deepEqual(ids, ['sim-echo', 'cheap/sim-echo', 'fake-model', 'cheap/fake-model'])
    assert.equal((await client.models.retrieve('sim-echo')).id, 'sim-echo')
    assert.equal(
      (await client.models.retrieve('cheap/sim-echo')).id,
      'cheap/sim-echo',
      'a slash in the ID survives the SDK',
    )
  })

  test('error classes: 401, 404, 413, 429, 500, with our code and request ID', async () => {
    // the SDK's error classes have incompatible constructor signatures, hence the loose arguments
    const cases: [
      () => Promise<unknown>,
      abstract new (...args: Json[]) => InstanceType<typeof OpenAI.APIError>,
      number,
      string,
    ][] = [
      [
        () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list(),
        OpenAI.AuthenticationError,
        401,
        'invalid_api_key',
      ],
      [
        () => client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
        OpenAI.NotFoundError,
        404,
        'model_not_found',
      ],
      [
        () =>
          client.chat.completions.create({
            model: 'sim-echo',
            messages: [{ role: 'user', content: 'x'.repeat(4000) }],
          }),
        OpenAI.APIError,
        413,
        'request_too_large',
      ],
      [
        () => {
          upstream.script({ kind: 'json', status: 429, body: { error: { message: 'slow down' } } })
          return client.chat.completions.create({
            model: 'fake-model',
            messages: [{ role: 'user', content: 'x' }],
          })
        },
        OpenAI.RateLimitError,
        429,
        'upstream_rate_limited',
      ],
    ]
    for (const [call, errorClass, status, code] of cases) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof errorClass, `${code}: ${String(error)}`)
        assert.equal(error.status, status)
        assert.equal(error.code, code)
        assert.match(error.requestID ?? '', /^req_/)
        return true
      })
    }

    const broken = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
    })
    try {
      const { key } = await broken.service.createApiKey({ workspace: broken.workspaceId, name: 'x' })
      await broken.gateway.store.close()
      const brokenClient = new OpenAI({ baseURL: `${broken.url}/v1`, apiKey: key, maxRetries: 0 })
      await assert.rejects(brokenClient.models.list(), (error: unknown) => {
        assert.ok(error instanceof OpenAI.InternalServerError)
        assert.equal(error.code, 'internal_error')
        return true
      })
    } finally {
      await broken.gateway.close(100)
    }
  })

  test('a failure after the first byte raises an APIError in the SDK iterator', async () => {
    upstream.script({
      kind: 'stream',
      chunks: [
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'x', choices: [{ index: 0, delta: { content: 'partial' }, finish_reason: null }] })}\n\n`,
      ],
      cutAfter: 1,
    })
    const stream = await client.chat.completions.create({
      model: 'fake-model',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    let text = ''
    await assert.rejects(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
      })(),
      (error: unknown) => error instanceof OpenAI.APIError && /upstream/.test(error.message),
    )
    assert.equal(text, 'partial')
  })
})
