import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  anthropicProvider,
  geminiProvider,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const WEATHER_TOOL: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a place',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
}

describe('the openai SDK gets the same behaviour from OpenAI-format, Anthropic and Gemini upstreams', () => {
  let anthropic: FakeProviderServer
  let gemini: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    anthropic = await startFakeAnthropic()
    gemini = await startFakeGemini()
    gateway = await startTestGateway(
      {
        providers: [
          { name: 'sim', kind: 'sim' },
          anthropicProvider(anthropic.url),
          geminiProvider(gemini.url),
        ],
        models: [
          {
            id: 'echo',
            offers: [{ lane: 'resale', provider: 'sim', model: 'sim-echo', price: { input: 1, output: 2 } }],
          },
          {
            id: 'claude-sonnet',
            max_output_tokens: 8192,
            offers: [
              {
                lane: 'resale',
                provider: 'claude',
                model: 'claude-sonnet-4-5',
                price: { input: 3, output: 15 },
              },
              {
                lane: 'byok',
                provider: 'claude',
                model: 'claude-sonnet-4-5',
                price: { input: 0, output: 0 },
              },
            ],
          },
          {
            id: 'gemini-flash',
            offers: [
              {
                lane: 'resale',
                provider: 'google',
                model: 'gemini-2.5-flash',
                price: { input: 0.3, output: 2.5 },
              },
            ],
          },
        ],
        workspaces: { default_lane: 'resale' },
      },
      { ONEKEY_MASTER_KEY: 'b2'.repeat(32) },
    )
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await gateway?.close()
    await anthropic?.close()
    await gemini?.close()
  })

  for (const model of ['echo', 'claude-sonnet', 'gemini-flash']) {
    test(`${model}: non-stream chat`, async () => {
      const raw = await client.chat.completions
        .create({
          model,
          messages: [
            { role: 'system', content: 'Be kind.' },
            { role: 'user', content: 'hello there' },
          ],
        })
        .withResponse()
      const completion = raw.data
      assertMatchesOpenAISchema('CreateChatCompletionResponse', JSON.parse(JSON.stringify(completion)))
      assert.equal(completion.choices[0]!.message.content, 'You said: hello there')
      assert.equal(completion.choices[0]!.finish_reason, 'stop')
      assert.equal(completion.usage!.completion_tokens, 4)
      assert.ok(completion.usage!.prompt_tokens > 0)
      assert.match(String((completion.usage as unknown as { cost: string }).cost), /^0\.\d+$/)
      assert.ok(raw.response.headers.get('x-onekey-provider'))
    })

    test(`${model}: stream with usage`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'stream this please' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      let finish: string | null = null
      const usages: OpenAI.CompletionUsage[] = []
      for await (const chunk of stream) {
        assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', JSON.parse(JSON.stringify(chunk)))
        text += chunk.choices[0]?.delta.content ?? ''
        finish = chunk.choices[0]?.finish_reason ?? finish
        if (chunk.usage) usages.push(chunk.usage)
      }
      assert.equal(text, 'You said: stream this please')
      assert.equal(finish, 'stop')
      assert.equal(usages.length, 1)
      assert.equal(usages[0]!.completion_tokens, 5)
    })

    test(`${model}: a stream without include_usage gets no usage chunk`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'quiet' }],
        stream: true,
      })
      let sawUsage = false
      for await (const chunk of stream) if (chunk.usage) sawUsage = true
      assert.equal(sawUsage, false)
    })

    test(`${model}: max_tokens → finish_reason length`, async () => {
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'one two three four five' }],
        max_tokens: 2,
      })
      assert.equal(completion.choices[0]!.finish_reason, 'length')
      assert.equal(completion.choices[0]!.message.content, 'You said:')
    })
  }

  for (const model of ['claude-sonnet', 'gemini-flash']) {
    for (const stream of [false, true]) {
      test(`${model}: tool call round trip (${stream ? 'stream' : 'non-stream'})`, async () => {
        const messages: OpenAI.ChatCompletionMessageParam[] = [
          { role: 'user', content: 'What is the weather in Paris?' },
        ]
        let toolCalls: OpenAI.ChatCompletionMessageToolCall[] = []
        let finish: string | null = null
        if (stream) {
          const events = await client.chat.completions.create({
            model,
            messages,
            tools: [WEATHER_TOOL],
            stream: true,
          })
          const calls: { id: string; name: string; arguments: string }[] = []
          for await (const chunk of events) {
            for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
              calls[call.index] ??= { id: '', name: '', arguments: '' }
              const slot = calls[call.index]!
              slot.id ||= call.id ?? ''
              slot.name ||= call.function?.name ?? ''
              slot.arguments += call.function?.arguments ?? ''
            }
            finish = chunk.choices[0]?.finish_reason ?? finish
          }
          toolCalls = calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          }))
        } else {
          const completion = await client.chat.completions.create({
            model,
            messages,
            tools: [WEATHER_TOOL],
            tool_choice: 'auto',
          })
          toolCalls = (completion.choices[0]!.message.tool_calls ??
            []) as OpenAI.ChatCompletionMessageToolCall[]
          finish = completion.choices[0]!.finish_reason
        }
        assert.equal(finish, 'tool_calls')
        assert.equal(toolCalls.length, 1)
        const call = toolCalls[0] as OpenAI.ChatCompletionMessageFunctionToolCall
        assert.equal(call.function.name, 'get_weather')
        assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' })
        assert.ok(call.id.length > 0)

        messages.push({ role: 'assistant', content: null, tool_calls: toolCalls })
        messages.push({ role: 'tool', tool_call_id: call.id, content: '{"temperature_c":18}' })
        const answer = await client.chat.completions.create({ model, messages, tools: [WEATHER_TOOL] })
        assert.equal(answer.choices[0]!.finish_reason, 'stop')
        assert.match(answer.choices[0]!.message.content ?? '', /^The tool said: .*18/)
      })
    }
  }

  test('upstream-side request errors come back as OpenAI errors (400 naming the field)', async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'claude-sonnet',
        messages: [{ role: 'user', content: 'hi' }],
        temperature: 1.7,
      }),
      (error: unknown) =>
        error instanceof OpenAI.BadRequestError &&
        (error.error as { param?: string }).param === 'temperature',
    )
  })

  test("BYOK: the workspace's own Anthropic key is sent as x-api-key; a key Anthropic rejects is a 403", async () => {
    const managementKey = (
      await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'admin', management: true })
    ).key
    const store = (apiKey: string) =>
      fetch(`${gateway.url}/api/v1/byok/claude`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ api_key: apiKey }),
      })
    assert.equal((await store('sk-ant-customer-own-key')).status, 200)
    const completion = await client.chat.completions.create({
      model: 'byok/claude/claude-sonnet',
      messages: [{ role: 'user', content: 'mine' }],
    })
    assert.equal(completion.choices[0]!.message.content, 'You said: mine')
    assert.equal(anthropic.calls.at(-1)!.headers['x-api-key'], 'sk-ant-customer-own-key')
    await store('sk-ant-rejected')
    await assert.rejects(
      client.chat.completions.create({
        model: 'byok/claude/claude-sonnet',
        messages: [{ role: 'user', content: 'x' }],
      }),
      (error: unknown) =>
        error instanceof OpenAI.PermissionDeniedError &&
        (error.error as { code?: string }).code === 'byok_credential_rejected',
    )
  })

  test('the strict fakes refused nothing the gateway sent, and no OpenAI header leaked', () => {
    assert.deepEqual(anthropic.rejections, [])
    assert.deepEqual(gemini.rejections, [])
    assert.ok(anthropic.calls.length > 0 && gemini.calls.length > 0)
    for (const call of [...anthropic.calls, ...gemini.calls])
      assert.equal(call.headers.authorization, undefined)
  })
})
