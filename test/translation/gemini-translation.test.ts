import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildConfig } from '../../src/config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../src/contracts/openai-wire.ts'
import type { GatewayError } from '../../src/errors/gateway-error.ts'
import { createGeminiAdapter } from '../../src/providers/gemini/create-gemini-adapter.ts'
import type { UpstreamTarget } from '../../src/providers/provider-adapter.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { accumulateChunks, readFixture, replayAtEverySplit } from '../helpers/replay-transcript.ts'

const fixture = (name: string) =>
  readFixture(new URL(`../../src/providers/gemini/__fixtures__/${name}`, import.meta.url))

const config = buildConfig(
  {
    providers: [
      { name: 'google', kind: 'gemini', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
    ],
    models: [
      {
        id: 'gemini-flash',
        capabilities: ['tools', 'vision', 'reasoning'],
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
  },
  { K: 'AIzaSy-secret-key' },
)
const target: UpstreamTarget = {
  provider: config.providers[0]!,
  account: config.providers[0]!.accounts[0]!,
  upstreamModel: 'gemini-2.5-flash',
  model: config.models[0],
}
const adapter = createGeminiAdapter()

function translationFor(request: Partial<OpenAIChatCompletionRequest> = {}) {
  return adapter.toChatCompletionRequest(
    { model: 'gemini-flash', messages: [{ role: 'user', content: 'hi' }], stream: true, ...request },
    target,
  ).translation!
}

describe('Gemini stream transcripts (CRLF framing), replayed at every split', () => {
  test('text with multi-byte characters; cumulative usage reported once, cached tokens kept', async () => {
    const chunks = await replayAtEverySplit(() => translationFor(), fixture('text-with-cache.sse'))
    const result = accumulateChunks(chunks)
    assert.equal(result.content, 'Bonjour — ça va? 👋 日本語')
    assert.equal(result.finishReason, 'stop')
    assert.equal(result.done, true)
    assert.deepEqual(result.usage, {
      prompt_tokens: 2057,
      completion_tokens: 11,
      total_tokens: 2068,
      prompt_tokens_details: { cached_tokens: 2048 },
    })
    assert.equal(chunks.filter((chunk) => (chunk as { usage?: unknown }).usage !== undefined).length, 1)
    assert.equal((chunks[0] as { id: string }).id, 'chatcmpl-mKp0aPX0Kab2z7IPqsaP6Ac')
  })

  test('a function call becomes a tool call with an id; finish tool_calls', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('tool-call.sse')),
    )
    assert.equal(result.toolCalls.length, 1)
    assert.equal(result.toolCalls[0]!.name, 'get_weather')
    assert.deepEqual(JSON.parse(result.toolCalls[0]!.arguments), { location: 'San Francisco, CA' })
    assert.match(result.toolCalls[0]!.id, /^call_/)
    assert.equal(result.finishReason, 'tool_calls')
  })

  test('parallel function calls with text', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('parallel-tool-calls.sse')),
    )
    assert.equal(result.content, 'Checking both.')
    assert.deepEqual(
      result.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)]),
      [
        ['get_weather', { location: 'Paris' }],
        ['get_time', { timezone: 'Europe/Paris' }],
      ],
    )
    assert.notEqual(result.toolCalls[0]!.id, result.toolCalls[1]!.id)
    assert.equal(result.finishReason, 'tool_calls')
  })

  test('MAX_TOKENS → length, thoughts counted as reasoning output', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('max-tokens.sse')),
    )
    assert.equal(result.finishReason, 'length')
    assert.deepEqual(result.usage, {
      prompt_tokens: 6,
      completion_tokens: 23,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 20 },
    })
  })

  test('stop sequence → stop; SAFETY → content_filter', async () => {
    assert.equal(
      accumulateChunks(await replayAtEverySplit(() => translationFor(), fixture('stop-sequence.sse')))
        .finishReason,
      'stop',
    )
    const blocked = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('safety-block.sse')),
    )
    assert.equal(blocked.finishReason, 'content_filter')
    assert.equal(blocked.content, 'I can')
  })

  test('an error mid-stream is an error event; a body cut before a finish reason ends without [DONE]', async () => {
    const failed = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('error-mid-stream.sse')),
    )
    assert.ok(failed.error)
    assert.equal(failed.done, false)
    const cut = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('cut-before-finish.sse')),
    )
    assert.equal(cut.content, 'cut')
    assert.equal(cut.done, false)
    assert.equal(cut.finishReason, null)
  })
})

describe('Gemini non-stream answers', () => {
  test('text, cached and thought tokens', () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('text.json').toString()),
    )!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    assert.equal(completion.choices[0]!.message.content, "Hi! I'm Gemini. 👋")
    assert.deepEqual(completion.usage, {
      prompt_tokens: 1900,
      completion_tokens: 57,
      total_tokens: 1957,
      prompt_tokens_details: { cached_tokens: 1800 },
      completion_tokens_details: { reasoning_tokens: 50 },
    })
  })

  test('function calls', () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('tool-call.json').toString()),
    )!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    const calls = completion.choices[0]!.message.tool_calls!
    assert.deepEqual(
      calls.map((call) => call.function),
      [
        { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
        { name: 'get_time', arguments: '{}' },
      ],
    )
    assert.equal(completion.choices[0]!.message.content, null)
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls')
  })

  test('a blocked prompt is an empty answer with finish_reason content_filter', () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('prompt-blocked.json').toString()),
    )!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    assert.equal(completion.choices[0]!.finish_reason, 'content_filter')
    assert.equal(completion.choices[0]!.message.content, null)
  })
})

describe('OpenAI request → Gemini request', () => {
  test('roles, system instruction, images, tools, tool results, generation config', () => {
    const upstream = adapter.toChatCompletionRequest(
      {
        model: 'gemini-flash',
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather?' },
              { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_9',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_9', content: '{"temperature":18}' },
          { role: 'tool_placeholder_never_sent', content: '' },
        ].slice(0, 4),
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              parameters: {
                type: 'object',
                properties: { city: { type: 'string' } },
                additionalProperties: false,
              },
            },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        max_tokens: 200,
        stop: ['END'],
        temperature: 1.4,
        top_p: 0.5,
        seed: 7,
        response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
        reasoning_effort: 'low',
        stream: true,
        stream_options: { include_usage: true },
      },
      target,
    )
    assert.equal(upstream.origin, 'https://generativelanguage.googleapis.com')
    assert.equal(upstream.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse')
    assert.equal(upstream.headers['x-goog-api-key'], 'AIzaSy-secret-key')
    assert.equal(upstream.headers.authorization, undefined)
    assert.deepEqual(JSON.parse(upstream.body), {
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        {
          role: 'user',
          parts: [{ text: 'Weather?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }],
        },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              parametersJsonSchema: {
                type: 'object',
                properties: { city: { type: 'string' } },
                additionalProperties: false,
              },
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      generationConfig: {
        maxOutputTokens: 200,
        stopSequences: ['END'],
        temperature: 1.4,
        topP: 0.5,
        seed: 7,
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'object' },
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      },
    })
    const nonStream = adapter.toChatCompletionRequest(
      { model: 'm', messages: [{ role: 'user', content: 'x' }] },
      target,
    )
    assert.equal(nonStream.path, '/v1beta/models/gemini-2.5-flash:generateContent')
  })

  test('files and audio go inline', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'gemini-flash',
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'file',
                  file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'r.pdf' },
                },
                { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
              ],
            },
          ],
        },
        target,
      ).body,
    )
    assert.deepEqual(body.contents[0].parts, [
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0x' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
    ])
  })

  test('a tool result for an unknown call and an http image URL are refused clearly', () => {
    assert.throws(
      () =>
        adapter.toChatCompletionRequest(
          {
            model: 'm',
            messages: [
              { role: 'user', content: 'x' },
              { role: 'tool', tool_call_id: 'nope', content: 'r' },
            ],
          },
          target,
        ),
      (error: GatewayError) => error.param === 'messages[1].tool_call_id',
    )
    assert.throws(
      () =>
        adapter.toChatCompletionRequest(
          {
            model: 'm',
            messages: [
              {
                role: 'user',
                content: [{ type: 'image_url', image_url: { url: 'http://example.com/a.png' } }],
              },
            ],
          },
          target,
        ),
      (error: GatewayError) => error.code === 'unsupported_parameter',
    )
  })
})

describe('Gemini errors and embeddings', () => {
  test('400 API_KEY_INVALID is an auth failure; 429 a rate limit; 503 retryable', () => {
    const invalidKey = adapter.toGatewayError(
      400,
      '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}',
      {},
      target,
    )
    assert.equal(invalidKey.code, 'upstream_auth_failed')
    assert.equal(
      adapter.toGatewayError(429, '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}', {}, target).code,
      'upstream_rate_limited',
    )
    assert.equal(
      adapter.toGatewayError(503, '{"error":{"code":503,"status":"UNAVAILABLE"}}', {}, target).retryable,
      true,
    )
    const bad = adapter.toGatewayError(
      400,
      '{"error":{"code":400,"message":"Invalid JSON payload received.","status":"INVALID_ARGUMENT"}}',
      {},
      target,
    )
    assert.equal(bad.code, 'invalid_parameter')
  })

  test('embeddings: batchEmbedContents in, OpenAI list out', () => {
    const upstream = adapter.toEmbeddingsRequest!(
      { model: 'e', input: ['a', 'bb'], dimensions: 3 },
      { ...target, upstreamModel: 'gemini-embedding-001' },
    )
    assert.equal(upstream.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents')
    assert.deepEqual(JSON.parse(upstream.body), {
      requests: [
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'a' }] },
          outputDimensionality: 3,
        },
        {
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text: 'bb' }] },
          outputDimensionality: 3,
        },
      ],
    })
    const converted = upstream.translate!({
      embeddings: [{ values: [0.1, -0.2, 0.3] }, { values: [1, 2, 3] }],
    })!
    assert.deepEqual(
      converted.data.map((item) => item.embedding),
      [
        [0.1, -0.2, 0.3],
        [1, 2, 3],
      ],
    )
    assert.equal(
      upstream.translate!({ embeddings: [{ values: [1] }] }),
      undefined,
      'a count mismatch is refused',
    )
  })
})
