import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { decodeEmbeddingBase64 } from '../../src/gateway/deliver/encode-embedding.ts'
import { fakeEmbedding, startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  geminiProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

// Values an OpenAI model returns (float32 printed as decimals), plus awkward ones.
const OPENAI_VECTOR = [-0.0069292834, 0.017290078, 1e-8, -0.3333333432674408, 0.1]

describe('/v1/embeddings through OpenAI-format and Gemini upstreams', () => {
  let openai: FakeUpstream
  let gemini: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    openai = await startFakeUpstream({
      kind: 'json',
      body: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: OPENAI_VECTOR }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 5, total_tokens: 5 },
      },
    })
    gemini = await startFakeGemini()
    gateway = await startTestGateway({
      providers: [
        { name: 'sim', kind: 'sim' },
        fakeProvider('oai', openai.baseUrl, {
          kind: 'openai',
          accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A', trust: 'official' }],
        }),
        geminiProvider(gemini.url),
      ],
      models: [
        {
          id: 'text-embedding-3-small',
          modalities: { input: ['text'], output: ['embedding'] },
          offers: [
            {
              lane: 'resale',
              provider: 'oai',
              model: 'text-embedding-3-small',
              price: { input: 0.02, output: 0 },
            },
          ],
        },
        {
          id: 'gemini-embedding',
          modalities: { input: ['text'], output: ['embedding'] },
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-embedding-001',
              price: { input: 0.15, output: 0 },
            },
          ],
        },
        {
          id: 'sim-embed',
          modalities: { output: ['embedding'] },
          offers: [
            { lane: 'resale', provider: 'sim', model: 'sim-embed', price: { input: 0.01, output: 0 } },
          ],
        },
        {
          id: 'chat-model',
          offers: [{ lane: 'resale', provider: 'sim', model: 'sim-echo', price: { input: 1, output: 1 } }],
        },
      ],
      workspaces: { default_lane: 'resale' },
    })
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await gateway?.close()
    await openai?.close()
    await gemini?.close()
  })

  test('OpenAI upstream: the SDK (which asks for base64) gets exactly the float32 vector', async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hello',
      user: 'end-user-7',
    })
    assert.deepEqual(result.data[0]!.embedding, OPENAI_VECTOR.map(Math.fround))
    assert.equal(result.usage.prompt_tokens, 5)
    const sent = openai.calls.at(-1)!.json!
    assert.equal(sent.encoding_format, 'float', 'the upstream is asked for floats')
    assert.equal(sent.model, 'text-embedding-3-small')
    assert.equal(sent.user, undefined, 'the strict scrub applies to embeddings too')
  })

  test('float format passes the upstream numbers through unchanged; cost on the usage', async () => {
    const response = await gateway.post('/v1/embeddings', {
      model: 'text-embedding-3-small',
      input: ['hello'],
      encoding_format: 'float',
    })
    assert.equal(response.status, 200)
    const body: Json = await readJson(response)
    assertMatchesOpenAISchema('CreateEmbeddingResponse', {
      ...body,
      usage: { prompt_tokens: body.usage.prompt_tokens, total_tokens: body.usage.total_tokens },
    })
    assert.deepEqual(body.data[0].embedding, OPENAI_VECTOR)
    assert.equal(body.usage.cost_details.total, '0.0000001')
    assert.equal(response.headers.get('x-onekey-provider'), 'oai')
  })

  test('Gemini upstream: arrays batched in one call, vectors bit-identical in float and base64', async () => {
    const inputs = ['first text', 'second — text 👋', 'third']
    const before = gemini.calls.length
    const viaSdk = await client.embeddings.create({ model: 'gemini-embedding', input: inputs, dimensions: 6 })
    assert.equal(gemini.calls.length, before + 1, 'one batchEmbedContents call')
    assert.deepEqual(
      viaSdk.data.map((item) => item.embedding),
      inputs.map((text) => fakeEmbedding(text, 6).map(Math.fround)),
    )
    assert.deepEqual(
      viaSdk.data.map((item) => item.index),
      [0, 1, 2],
    )
    const response = await gateway.post('/v1/embeddings', {
      model: 'gemini-embedding',
      input: inputs,
      encoding_format: 'float',
    })
    const body: Json = await readJson(response)
    assert.deepEqual(
      body.data.map((item: Json) => item.embedding),
      inputs.map((text) => fakeEmbedding(text, 8)),
    )
    const base64: Json = await readJson(
      await gateway.post('/v1/embeddings', {
        model: 'gemini-embedding',
        input: 'first text',
        encoding_format: 'base64',
      }),
    )
    assert.equal(typeof base64.data[0].embedding, 'string')
    assert.deepEqual(
      decodeEmbeddingBase64(base64.data[0].embedding),
      fakeEmbedding('first text').map(Math.fround),
    )
    assert.ok(body.usage.prompt_tokens > 0, 'Gemini gives no count: the gateway estimates')
    assert.deepEqual(gemini.rejections, [])
  })

  test('the sim provider embeds offline', async () => {
    const result = await client.embeddings.create({ model: 'sim-embed', input: ['a', 'a', 'b'] })
    assert.equal(result.data.length, 3)
    assert.deepEqual(result.data[0]!.embedding, result.data[1]!.embedding)
    assert.notDeepEqual(result.data[0]!.embedding, result.data[2]!.embedding)
  })

  test('unsupported combinations are clear 400s', async () => {
    const chatOnEmbeddings = await gateway.post('/v1/embeddings', { model: 'chat-model', input: 'x' })
    assert.equal(chatOnEmbeddings.status, 400)
    assert.equal((await readJson(chatOnEmbeddings)).error.code, 'unsupported_endpoint')
    const embeddingOnChat = await gateway.post('/v1/chat/completions', {
      model: 'gemini-embedding',
      messages: [{ role: 'user', content: 'x' }],
    })
    assert.equal(embeddingOnChat.status, 400)
    assert.equal((await readJson(embeddingOnChat)).error.code, 'unsupported_endpoint')
    const tokens = await gateway.post('/v1/embeddings', { model: 'sim-embed', input: [[1, 2, 3]] })
    assert.equal(tokens.status, 400)
    assert.equal((await readJson(tokens)).error.param, 'input[0]')
    const missing = await gateway.post('/v1/embeddings', { model: 'sim-embed' })
    assert.equal((await readJson(missing)).error.code, 'missing_parameter')
  })
})
