/**
 * Anthropic reasoning tokens: recorded thinking answers (non-stream and stream, replayed at
 * every split) report `completion_tokens_details.reasoning_tokens` as the gateway's count of the
 * thinking text (the conservative estimate, or the catalog model's tokenizer), never above
 * `output_tokens`; redacted thinking is not counted; answers without thinking leave it out.
 */
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { buildConfig } from '../../src/config/config.ts'
import { createAnthropicAdapter } from '../../src/providers/anthropic/create-anthropic-adapter.ts'
import { estimateTextTokens } from '../../src/tokens/estimate-prompt-tokens.ts'
import { loadTokenizers, tokenCounter } from '../../src/tokens/tokenizer.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { accumulateChunks, replayAtEverySplit } from '../helpers/replay-transcript.ts'
import { fixture, translationFor } from './anthropic-setup.ts'

type Usage = { completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number } }

const thinkingOf = (answer: { content: { type: string; thinking?: string }[] }) =>
  answer.content.filter((block) => block.type === 'thinking').map((block) => block.thinking!)

/** A translation for a model whose catalog entry names the o200k_base tokenizer. */
function tokenizedTranslation(stream: boolean) {
  const config = buildConfig(
    {
      providers: [
        { name: 'claude', kind: 'anthropic', accounts: [{ name: 'a', api_key_env: 'K', trust: 'official' }] },
      ],
      models: [
        {
          id: 'claude-tokenized',
          tokenizer: 'o200k_base',
          capabilities: ['reasoning'],
          offers: [
            {
              lane: 'resale',
              provider: 'claude',
              model: 'claude-sonnet-4-5',
              price: { input: 3, output: 15 },
            },
          ],
        },
      ],
    },
    { K: 'sk-ant-secret' },
  )
  const provider = config.providers[0]!
  return createAnthropicAdapter().toChatCompletionRequest(
    {
      model: 'claude-tokenized',
      messages: [{ role: 'user', content: 'hi' }],
      stream,
      reasoning_effort: 'low',
    },
    { provider, account: provider.accounts[0]!, upstreamModel: 'claude-sonnet-4-5', model: config.models[0] },
  ).translation!
}

describe('Anthropic reasoning tokens, counted with the conservative estimate', () => {
  test('non-stream: the thinking block is counted, the redacted one is not, and the answer is spec-valid', () => {
    const answer = JSON.parse(fixture('thinking.json').toString())
    const completion = translationFor({ stream: false, reasoning_effort: 'low' }).response(answer)!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    const [thinking] = thinkingOf(answer)
    const expected = estimateTextTokens(thinking!)
    assert.ok(expected > 0 && expected < 180)
    assert.deepEqual(completion.usage, {
      prompt_tokens: 42,
      completion_tokens: 180,
      total_tokens: 222,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: expected },
    })
    // the thinking text still reaches the client as before, as reasoning_content
    const message = completion.choices[0]!.message as { reasoning_content?: string; content: string }
    assert.equal(message.reasoning_content, thinking)
    assert.equal(message.content, '27 × 453 = 12,231.')
  })

  test('stream: thinking deltas are counted on the usage chunk, at every split', async () => {
    const chunks = await replayAtEverySplit(
      () => translationFor({ reasoning_effort: 'low' }),
      fixture('thinking-deltas.sse'),
    )
    const result = accumulateChunks(chunks)
    assert.match(result.reasoning, /^Let me think about the café's bill.*日本語でも確認します。 Done\.$/)
    assert.equal(result.content, 'The total is €14.85.')
    const usage = result.usage as Usage
    assert.equal(usage.completion_tokens, 96)
    assert.deepEqual(usage.completion_tokens_details, {
      reasoning_tokens: estimateTextTokens(result.reasoning),
    })
    // the usage chunk is the last before [DONE], with no choices
    assert.deepEqual((chunks.at(-2) as { choices: unknown[] }).choices, [])
  })

  test('the recorded thinking stream reports its estimate too', async () => {
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor({ reasoning_effort: 'low' }), fixture('thinking.sse')),
    )
    assert.deepEqual((result.usage as Usage).completion_tokens_details, {
      reasoning_tokens: estimateTextTokens('27 * 453 = 12231.'),
    })
  })

  test('the count is clamped to output_tokens (which include the thinking)', async () => {
    const long = 'step by step, '.repeat(40)
    const completion = translationFor({ stream: false }).response({
      id: 'msg_clamp',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        { type: 'thinking', thinking: long, signature: 'sig' },
        { type: 'text', text: 'ok' },
      ],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 10, output_tokens: 7 },
    })!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    assert.ok(estimateTextTokens(long) > 7)
    assert.deepEqual(completion.usage.completion_tokens_details, { reasoning_tokens: 7 })
    const bytes = Buffer.from(
      [
        'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_c","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"output_tokens":1}}}\n\n',
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}\n\n',
        `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"${long}"}}\n\n`,
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":7}}\n\n',
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      ].join(''),
    )
    const streamed = accumulateChunks(await replayAtEverySplit(() => translationFor(), bytes))
    assert.deepEqual((streamed.usage as Usage).completion_tokens_details, { reasoning_tokens: 7 })
  })

  test('only redacted thinking: the field is present with 0 (encrypted data is not counted)', () => {
    const completion = translationFor({ stream: false }).response({
      id: 'msg_redacted',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [
        {
          type: 'redacted_thinking',
          data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP',
        },
        { type: 'text', text: 'ok' },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, output_tokens: 40 },
    })!
    assertMatchesOpenAISchema('CreateChatCompletionResponse', completion)
    assert.deepEqual(completion.usage.completion_tokens_details, { reasoning_tokens: 0 })
  })

  test('no thinking: completion_tokens_details is left out (stream and non-stream)', async () => {
    const completion = translationFor({ stream: false }).response(
      JSON.parse(fixture('text.json').toString()),
    )!
    assert.equal(completion.usage.completion_tokens_details, undefined)
    const result = accumulateChunks(
      await replayAtEverySplit(() => translationFor(), fixture('tool-call.sse')),
    )
    assert.equal((result.usage as Usage).completion_tokens_details, undefined)
  })
})

describe('Anthropic reasoning tokens, counted with the catalog model’s tokenizer', () => {
  before(() => loadTokenizers(['o200k_base']))

  test('non-stream and stream both equal the tokenizer’s count of the thinking text', async () => {
    const count = tokenCounter('o200k_base')!
    const answer = JSON.parse(fixture('thinking.json').toString())
    const completion = tokenizedTranslation(false).response(answer)!
    const [thinking] = thinkingOf(answer)
    assert.notEqual(count(thinking!), estimateTextTokens(thinking!), 'the tokenizer, not the estimate')
    assert.deepEqual(completion.usage.completion_tokens_details, { reasoning_tokens: count(thinking!) })

    const result = accumulateChunks(
      await replayAtEverySplit(() => tokenizedTranslation(true), fixture('thinking-deltas.sse')),
    )
    assert.deepEqual((result.usage as Usage).completion_tokens_details, {
      reasoning_tokens: count(result.reasoning),
    })
  })
})
