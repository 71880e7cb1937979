import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  anthropicProvider,
  fakeProvider,
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const NATIVE_ANSWER = {
  id: 'cmpl-native1',
  object: 'text_completion',
  created: 1_790_000_000,
  model: 'gpt-3.5-turbo-instruct',
  choices: [{ text: ' native text', index: 0, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
}

describe('/v1/completions: native where the upstream has it, through chat otherwise', () => {
  let openai: FakeUpstream
  let anthropic: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    openai = await startFakeUpstream({ kind: 'json', body: NATIVE_ANSWER })
    anthropic = await startFakeAnthropic()
    gateway = await startTestGateway({
      providers: [
        { name: 'sim', kind: 'sim' },
        fakeProvider('oai', openai.baseUrl, {
          kind: 'openai',
          accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A', trust: 'official' }],
        }),
        anthropicProvider(anthropic.url),
      ],
      models: [
        {
          id: 'instruct',
          capabilities: ['completions'],
          offers: [
            {
              lane: 'resale',
              provider: 'oai',
              model: 'gpt-3.5-turbo-instruct',
              price: { input: 1.5, output: 2 },
            },
          ],
        },
        {
          id: 'claude',
          offers: [
            {
              lane: 'resale',
              provider: 'claude',
              model: 'claude-haiku-4-5',
              price: { input: 1, output: 5 },
            },
          ],
        },
        {
          id: 'echo',
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
    await anthropic?.close()
  })

  test('native: the client body reaches /completions as sent, answer passed through with its cost', async () => {
    const completion = await client.completions.create({
      model: 'instruct',
      prompt: 'Say',
      max_tokens: 5,
      echo: true,
      suffix: '!',
    })
    assertMatchesOpenAISchema('CreateCompletionResponse', JSON.parse(JSON.stringify(completion)))
    assert.equal(completion.choices[0]!.text, ' native text')
    const call = openai.calls.at(-1)!
    assert.equal(call.path, '/v1/completions')
    assert.deepEqual(call.json, {
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say',
      max_tokens: 5,
      echo: true,
      suffix: '!',
    })
    assert.ok((completion.usage as unknown as { cost: number }).cost > 0)
  })

  test('native stream: chunks relayed as the upstream sent them, usage asked for and hidden unless wanted', async () => {
    const chunk = (text: string, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'cmpl-n2', object: 'text_completion', created: 1, model: 'gpt-3.5-turbo-instruct', choices: [{ text, index: 0, logprobs: null, finish_reason: finish }], usage: null })}\n\n`
    const usage = `data: ${JSON.stringify({ id: 'cmpl-n2', object: 'text_completion', created: 1, model: 'gpt-3.5-turbo-instruct', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\n\n`
    openai.script({
      kind: 'stream',
      chunks: [chunk(' a', null), chunk(' b', 'stop'), usage, 'data: [DONE]\n\n'],
    })
    const datas = await readSseData(
      await gateway.post('/v1/completions', { model: 'instruct', prompt: 'x', stream: true }),
    )
    assert.equal(openai.calls.at(-1)!.path, '/v1/completions')
    assert.deepEqual(openai.calls.at(-1)!.json!.stream_options, { include_usage: true })
    assert.equal(datas.at(-1), '[DONE]')
    const chunks = datas.slice(0, -1).map((data) => JSON.parse(data))
    assert.deepEqual(
      chunks.map((item) => item.choices[0]?.text),
      [' a', ' b'],
    )
    assert.ok(chunks.every((item) => item.usage === undefined))
  })

  for (const model of ['claude', 'echo']) {
    test(`${model}: through chat, non-stream and stream, in the legacy shape`, async () => {
      const completion = await client.completions.create({ model, prompt: 'hello world' })
      assertMatchesOpenAISchema('CreateCompletionResponse', JSON.parse(JSON.stringify(completion)))
      assert.equal(completion.object, 'text_completion')
      assert.match(completion.id, /^cmpl-/)
      assert.equal(completion.choices[0]!.text, 'You said: hello world')
      assert.equal(completion.choices[0]!.finish_reason, 'stop')
      assert.equal(completion.usage!.completion_tokens, 4)

      const stream = await client.completions.create({
        model,
        prompt: 'one two three',
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      let usage: OpenAI.CompletionUsage | undefined
      let finish: string | null = null
      for await (const chunk of stream) {
        // Like OpenAI, chunks before the last have finish_reason null (the spec only models the final shape).
        const plain = JSON.parse(JSON.stringify(chunk))
        for (const choice of plain.choices) choice.finish_reason ??= 'stop'
        assertMatchesOpenAISchema('CreateCompletionResponse', plain)
        text += chunk.choices[0]?.text ?? ''
        finish = chunk.choices[0]?.finish_reason ?? finish
        if (chunk.usage) usage = chunk.usage
      }
      assert.equal(text, 'You said: one two three')
      assert.equal(finish, 'stop')
      assert.equal(usage?.completion_tokens, 5)
    })
  }

  test('the legacy default of 16 output tokens applies through chat', async () => {
    const long = Array.from({ length: 30 }, (_, index) => `w${index}`).join(' ')
    const completion = await client.completions.create({ model: 'echo', prompt: long })
    assert.equal(completion.choices[0]!.finish_reason, 'length')
    assert.equal(completion.usage!.completion_tokens, 16)
  })

  test('what chat cannot do is a 400 naming the field; a stream ends with [DONE]', async () => {
    const echo = await gateway.post('/v1/completions', { model: 'claude', prompt: 'x', echo: true })
    assert.equal(echo.status, 400)
    const error: Json = await readJson(echo)
    assert.equal(error.error.code, 'unsupported_parameter')
    assert.equal(error.error.param, 'echo')
    const several = await gateway.post('/v1/completions', { model: 'echo', prompt: ['a', 'b'] })
    assert.equal((await readJson(several)).error.param, 'prompt')
    const stream = await gateway.post('/v1/completions', { model: 'echo', prompt: 'hi', stream: true })
    const datas = await readSseData(stream)
    assert.equal(datas.at(-1), '[DONE]')
    assert.ok(datas.slice(0, -1).every((data) => JSON.parse(data).object === 'text_completion'))
    assert.ok(
      datas.slice(0, -1).every((data) => JSON.parse(data).usage === undefined),
      'no usage unless asked',
    )
  })
})
