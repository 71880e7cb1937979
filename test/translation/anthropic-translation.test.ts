import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildConfig } from '../../src/config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../src/contracts/openai-wire.ts'
import type { GatewayError } from '../../src/errors/gateway-error.ts'
import { createAnthropicAdapter } from '../../src/providers/anthropic/create-anthropic-adapter.ts'
import type { UpstreamTarget } from '../../src/providers/provider-adapter.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { accumulateChunks, readFixture, replayAtEverySplit } from '../helpers/replay-transcript.ts'

const fixture = (name: string) =>
  readFixture(new URL(`../../src/providers/anthropic/__fixtures__/${name}`, import.meta.url))

const config = buildConfig(
  {
    providers: [
      { name: 'claude', kind: 'anthropic', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
    ],
    models: [
      {
        id: 'claude-sonnet',
        max_output_tokens: 64000,
        capabilities: ['tools', 'vision', 'reasoning'],
        offers: [
          { lane: 'resale', provider: 'claude', model: 'claude-sonnet-4-5', price: { input: 3, output: 15 } },
        ],
      },
    ],
  },
  { K: 'sk-ant-secret' },
)
const target: UpstreamTarget = {
  provider: config.providers[0]!,
  account: config.providers[0]!.accounts[0]!,
  upstreamModel: 'claude-sonnet-4-5',
  model: config.models[0],
}
const adapter = createAnthropicAdapter()

function translationFor(request: Partial<OpenAIChatCompletionRequest> = {}) {
  const upstream = adapter.toChatCompletionRequest(
    { model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }], stream: true, ...request },
    target,
  )
  return upstream.translation!
}

describe('Anthropic stream transcripts, replayed at every split', () => {
  test('text with multi-byte characters and cache-read tokens', async () => {
    const chunks = await replayAtEverySplit(() => translationFor(), fixture('text-with-cache.sse'))
    const result = accumulateChunks(chunks)
    assert.equal(result.content, 'Bonjour — ça va? 👋 日本語')
    assert.equal(result.finishReason, 'stop')
    assert.equal(result.done, true)
    assert.deepEqual(result.usage, {
      prompt_tokens: 2060,
      completion_tokens: 9,
      total_tokens: 2069,
      prompt_tokens_details: { cached_tokens: 2048 },
    })
    const first = chunks[0] as { id: string; model: string; choices: { delta: unknown }[] }
    assert.equal(first.id, 'chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL')
    assert.equal(first.model, 'claude-sonnet-4-5-20250929')
    assert.deepEqual(first.choices[0]!.delta, { role: 'assistant', content: '' })
    const ids = new Set(
      chunks.filter((chunk) => chunk !== '[DONE]').map((chunk) => (chunk as { id: string }).id),
    )
    assert.equal(ids.size, 1, 'one id for the whole stream')
    // the usage chunk comes last, with no choices, as OpenAI sends it
    assert.deepEqual((chunks.at(-2) as { choices: unknown[] }).choices, [])
  })

  test('a tool call: text first, then the call with its arguments streamed', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('tool-call.sse')),
    )
    assert.equal(result.content, 'Let me check the weather.')
    assert.deepEqual(result.toolCalls, [
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        arguments: '{"location": "San Francisco, CA"}',
      },
    ])
    assert.equal(result.finishReason, 'tool_calls')
    assert.deepEqual(result.usage, {
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
      prompt_tokens_details: { cached_tokens: 0 },
    })
  })

  test('parallel tool calls get OpenAI indexes 0 and 1', async () => {
    const chunks = await replayAtEverySplit(() => translationFor(), fixture('parallel-tool-calls.sse'))
    const result = accumulateChunks(chunks)
    assert.deepEqual(result.toolCalls, [
      { id: 'toolu_01A', name: 'get_weather', arguments: '{"location": "Paris"}' },
      { id: 'toolu_01B', name: 'get_time', arguments: '{"timezone": "Europe/Paris"}' },
    ])
    assert.equal(result.finishReason, 'tool_calls')
    assert.equal(result.content, '')
  })

  test('max_tokens → length; stop_sequence → stop', async () => {
    const length = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('max-tokens.sse')),
    )
    assert.equal(length.finishReason, 'length')
    assert.equal(length.content, 'Once upon a')
    const stop = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('stop-sequence.sse')),
    )
    assert.equal(stop.finishReason, 'stop')
    assert.equal(stop.content, '1, 2, 3')
  })

  test('an error event mid-stream becomes an error event, with no finish and no [DONE]', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('error-mid-stream.sse')),
    )
    assert.equal(result.content, 'Partial')
    assert.equal(result.finishReason, null)
    assert.equal(result.done, false)
    assert.ok(result.error)
  })

  test('thinking becomes reasoning_content; cache writes count as prompt tokens', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor({ reasoning_effort: 'low' }), fixture('thinking.sse')),
    )
    assert.equal(result.reasoning, '27 * 453 = 12231.')
    assert.equal(result.content, '12,231')
    assert.deepEqual(result.usage, {
      prompt_tokens: 130,
      completion_tokens: 40,
      total_tokens: 170,
      prompt_tokens_details: { cached_tokens: 0 },
    })
  })

  test('JSON mode: the forced tool’s input streams as content and finishes with stop', async () => {
    const bytes = Buffer.from(
      [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_J","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":20,"output_tokens":1}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_J","name":"json_response","input":{}}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"answer\\": 4"}}\n\n',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"2}"}}\n\n',
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ].join(''),
    )
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor({ response_format: { type: 'json_object' } }), bytes),
    )
    assert.deepEqual(JSON.parse(result.content), { answer: 42 })
    assert.equal(result.finishReason, 'stop')
    assert.deepEqual(result.toolCalls, [])
  })
})

describe('Anthropic non-stream answers', () => {
  test('text with cache reads', () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('text.json').toString()),
    )!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    assert.equal(completion.choices[0]!.message.content, 'Hi! My name is Claude. 👋')
    assert.equal(completion.choices[0]!.finish_reason, 'stop')
    assert.deepEqual(completion.usage, {
      prompt_tokens: 3895,
      completion_tokens: 503,
      total_tokens: 4398,
      prompt_tokens_details: { cached_tokens: 1800 },
    })
  })

  test('tool calls with their arguments as JSON strings', () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('tool-call.json').toString()),
    )!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    const message = completion.choices[0]!.message
    assert.equal(message.content, "I'll check.")
    assert.deepEqual(message.tool_calls, [
      {
        id: 'toolu_01A09q90qw90lq917835lq9',
        type: 'function',
        function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' },
      },
      { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ])
    assert.equal(completion.choices[0]!.finish_reason, 'tool_calls')
  })

  test('something that is not a message is refused', () => {
    assert.equal(translationFor().response({ object: 'chat.completion' }), undefined)
  })
})

describe('OpenAI request → Anthropic request', () => {
  test('system, images, tools, tool results, stop, sampling, cache hints', () => {
    const upstream = adapter.toChatCompletionRequest(
      {
        model: 'claude-sonnet',
        messages: [
          {
            role: 'system',
            content: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
          },
          { role: 'developer', content: 'Use metric units.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather and time here?' },
              { type: 'image_url', image_url: { url: 'https://example.com/city.png' } },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
              },
              { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
          { role: 'user', content: 'Thanks' },
        ],
        tools: [
          {
            type: 'function',
            function: {
              name: 'get_weather',
              description: 'Weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          },
          { type: 'function', function: { name: 'get_time' } },
        ],
        tool_choice: 'required',
        parallel_tool_calls: false,
        stop: 'END',
        temperature: 0.2,
        top_p: 0.9,
        max_tokens: 300,
        stream: true,
        stream_options: { include_usage: true },
      },
      target,
    )
    assert.equal(upstream.path, '/v1/messages')
    assert.equal(upstream.origin, 'https://api.anthropic.com')
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'anthropic-version': '2023-06-01',
      'x-api-key': 'sk-ant-secret',
    })
    assert.deepEqual(JSON.parse(upstream.body), {
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      stream: true,
      system: [
        { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Use metric units.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather and time here?' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/city.png' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: [{ type: 'text', text: '18°C' }] },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '14:00' }] },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { name: 'get_time', input_schema: { type: 'object', properties: {} } },
      ],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
    })
  })

  test('max_tokens defaults to the catalog cap; named tool_choice; reasoning_effort → thinking', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          tools: [{ type: 'function', function: { name: 'f' } }],
          tool_choice: { type: 'function', function: { name: 'f' } },
        },
        target,
      ).body,
    )
    assert.equal(body.max_tokens, 64000)
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'f' })
    const thinking = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          reasoning_effort: 'medium',
          max_tokens: 10000,
        },
        target,
      ).body,
    )
    assert.deepEqual(thinking.thinking, { type: 'enabled', budget_tokens: 8192 })
    assert.equal(thinking.max_tokens, 10000)
  })

  test('JSON schema mode is a forced tool', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [{ role: 'user', content: 'hi' }],
          response_format: {
            type: 'json_schema',
            json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'number' } } } },
          },
        },
        target,
      ).body,
    )
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'json_response' })
    assert.deepEqual(body.tools[0].input_schema, { type: 'object', properties: { a: { type: 'number' } } })
  })

  test('files: PDFs and plain text become documents; audio and file IDs are refused', () => {
    const body = JSON.parse(
      adapter.toChatCompletionRequest(
        {
          model: 'claude-sonnet',
          messages: [
            {
              role: 'user',
              content: [
                {
                  type: 'file',
                  file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'report.pdf' },
                },
                {
                  type: 'file',
                  file: { file_data: `data:text/plain;base64,${Buffer.from('notes ✓').toString('base64')}` },
                },
                { type: 'text', text: 'Summarize', cache_control: { type: 'ephemeral' } },
              ],
            },
          ],
        },
        target,
      ).body,
    )
    assert.deepEqual(body.messages[0].content, [
      {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
        title: 'report.pdf',
      },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'notes ✓' } },
      { type: 'text', text: 'Summarize', cache_control: { type: 'ephemeral' } },
    ])
    const refused = (content: unknown[]) =>
      assert.throws(
        () => adapter.toChatCompletionRequest({ model: 'm', messages: [{ role: 'user', content }] }, target),
        (error: GatewayError) =>
          error.code === 'unsupported_parameter' && error.param === 'messages[0].content[0]',
      )
    refused([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])
    refused([{ type: 'file', file: { file_id: 'file-abc' } }])
    refused([{ type: 'file', file: { file_data: 'data:application/zip;base64,UEs=' } }])
  })

  test('what Anthropic cannot take is a 400 naming the field', () => {
    const refuse = (request: Record<string, unknown>, code: string, param: string) =>
      assert.throws(
        () =>
          adapter.toChatCompletionRequest(
            { model: 'm', messages: [{ role: 'user', content: 'hi' }], ...request },
            target,
          ),
        (error: GatewayError) => error.code === code && error.param === param && error.status === 400,
      )
    refuse({ temperature: 1.5 }, 'invalid_parameter', 'temperature')
    refuse({ audio: { voice: 'x' } }, 'unsupported_parameter', 'audio')
    refuse({ n: 2 }, 'unsupported_parameter', 'n')
    refuse(
      { messages: [{ role: 'user', content: [{ type: 'input_video', video: {} }] }] },
      'unsupported_parameter',
      'messages[0].content[0]',
    )
    refuse({ reasoning_effort: 'high', max_tokens: 1000 }, 'invalid_parameter', 'max_tokens')
    refuse(
      {
        messages: [
          {
            role: 'assistant',
            content: 'x',
            tool_calls: [{ id: 'c', function: { name: 'f', arguments: '[1' } }],
          },
        ],
      },
      'invalid_parameter',
      'messages[0].tool_calls[0].function.arguments',
    )
  })
})

describe('Anthropic errors', () => {
  test('529 overloaded is retryable; 401 is an auth failure that never echoes the upstream text', () => {
    const overloaded = adapter.toGatewayError(
      529,
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      {},
      target,
    )
    assert.equal(overloaded.code, 'upstream_error')
    assert.equal(overloaded.retryable, true)
    const auth = adapter.toGatewayError(
      401,
      '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key sk-ant-secret"}}',
      {},
      target,
    )
    assert.equal(auth.code, 'upstream_auth_failed')
    assert.ok(!auth.message.includes('sk-ant'))
    const bad = adapter.toGatewayError(
      400,
      '{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}',
      {},
      target,
    )
    assert.equal(bad.code, 'invalid_parameter')
    assert.match(bad.message, /roles must alternate/)
  })
})
