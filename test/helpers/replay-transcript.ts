/**
 * Replays a recorded upstream answer through the gateway's own translation step
 * (`translateUpstreamResponse`) with the bytes cut at chosen places, and reads back the OpenAI
 * SSE `data` it produced. Used to prove translations do not depend on how the network splits
 * the upstream's bytes (down to single bytes, inside multi-byte UTF-8 characters).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { translateUpstreamResponse } from '../../src/gateway/attempt/translate-upstream-response.ts'
import type { ResponseTranslation } from '../../src/providers/provider-adapter.ts'
import { createSseDecoder } from '../../src/streaming/sse-decoder.ts'
import { assertMatchesOpenAISchema } from './openapi.ts'

export function readFixture(url: URL): Buffer {
  return readFileSync(url)
}

async function* pieces(bytes: Buffer, cuts: readonly number[]) {
  let from = 0
  for (const cut of cuts) {
    yield bytes.subarray(from, cut)
    from = cut
  }
  yield bytes.subarray(from)
}

/** The `data` values the translated stream carries, for the bytes cut at `cuts`. */
export async function translateStreamAt(
  translation: ResponseTranslation,
  bytes: Buffer,
  cuts: readonly number[],
): Promise<string[]> {
  const response = translateUpstreamResponse(
    {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      body: pieces(bytes, cuts),
      discard() {},
    },
    translation,
    true,
    'test',
  )
  const decoder = createSseDecoder()
  const datas: string[] = []
  for await (const chunk of response.body) for (const event of decoder.push(chunk)) datas.push(event.data)
  for (const event of decoder.end()) datas.push(event.data)
  return datas
}

/** `created` varies with the clock: compare transcripts without it. */
export function normalizeChunks(datas: readonly string[]): unknown[] {
  return datas.map((data) => {
    if (data === '[DONE]') return data
    const parsed = JSON.parse(data) as Record<string, unknown>
    if ('created' in parsed) parsed.created = 0
    return parsed
  })
}

/**
 * Translates the whole transcript, then again at every two-way cut and at every byte; all must
 * give the same chunks. Returns the normalized chunks, each validated against the OpenAI schema.
 */
export async function replayAtEverySplit(
  translation: () => ResponseTranslation,
  bytes: Buffer,
): Promise<unknown[]> {
  const whole = normalizeChunks(await translateStreamAt(translation(), bytes, []))
  for (let cut = 1; cut < bytes.length; cut++) {
    const split = normalizeChunks(await translateStreamAt(translation(), bytes, [cut]))
    assert.deepEqual(split, whole, `a cut at byte ${cut} changed the translation`)
  }
  const everyByte = Array.from({ length: bytes.length - 1 }, (_, index) => index + 1)
  assert.deepEqual(
    normalizeChunks(await translateStreamAt(translation(), bytes, everyByte)),
    whole,
    'single-byte chunks',
  )
  for (const chunk of whole) {
    if (chunk === '[DONE]' || (chunk as { error?: unknown }).error !== undefined) continue
    assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', chunk)
  }
  return whole
}

/** Folds OpenAI chunks into what a client ends with: text, tool calls, finish reason, usage. */
export function accumulateChunks(chunks: readonly unknown[]) {
  let content = ''
  let reasoning = ''
  let finishReason: string | null = null
  let usage: unknown
  let done = false
  let error: unknown
  const toolCalls: { id: string; name: string; arguments: string }[] = []
  for (const chunk of chunks) {
    if (chunk === '[DONE]') {
      done = true
      continue
    }
    const typed = chunk as {
      error?: unknown
      usage?: unknown
      choices: {
        delta: {
          content?: string
          reasoning_content?: string
          tool_calls?: { index: number; id?: string; function?: { name?: string; arguments?: string } }[]
        }
        finish_reason: string | null
      }[]
    }
    if (typed.error !== undefined) {
      error = typed.error
      continue
    }
    if (typed.usage !== undefined) usage = typed.usage
    for (const choice of typed.choices) {
      const delta = choice.delta
      if (typeof delta.content === 'string') content += delta.content
      if (typeof delta.reasoning_content === 'string') reasoning += delta.reasoning_content
      for (const call of delta.tool_calls ?? []) {
        toolCalls[call.index] ??= { id: '', name: '', arguments: '' }
        const slot = toolCalls[call.index]!
        if (call.id) slot.id = call.id
        if (call.function?.name) slot.name = call.function.name
        slot.arguments += call.function?.arguments ?? ''
      }
      if (choice.finish_reason !== null) finishReason = choice.finish_reason
    }
  }
  return { content, reasoning, toolCalls, finishReason, usage, done, error }
}
