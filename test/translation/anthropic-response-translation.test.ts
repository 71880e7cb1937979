import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { accumulateChunks, replayAtEverySplit } from '../helpers/replay-transcript.ts'
import { fixture, translationFor } from './anthropic-setup.ts'

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
      // counted by the gateway (anthropic-reasoning-translation.test.ts): 17 bytes / 3
      completion_tokens_details: { reasoning_tokens: 6 },
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
