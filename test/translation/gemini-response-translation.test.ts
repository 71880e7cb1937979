import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { accumulateChunks, replayAtEverySplit } from '../helpers/replay-transcript.ts'
import { fixture, translationFor } from './gemini-setup.ts'

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
