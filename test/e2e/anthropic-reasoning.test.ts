/**
 * Anthropic reasoning tokens end to end: the openai SDK asks a `reasoning` model through the
 * gateway, the strict fake Anthropic API thinks (thinking is enabled from `reasoning_effort`), and
 * the answer's `usage.completion_tokens_details.reasoning_tokens` is the gateway's estimate of
 * the thinking text it relayed (non-stream and stream), spec-valid, with the usage landing in the
 * request log row. Translation details: test/translation/anthropic-reasoning-translation.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import { estimateTextTokens } from '../../src/tokens/estimate-prompt-tokens.ts'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { waitFor } from '../helpers/billing-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { anthropicProvider, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

type Reasoned = { reasoning_content?: string }

describe('Anthropic extended thinking reports reasoning tokens', () => {
  let anthropic: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI
  before(async () => {
    anthropic = await startFakeAnthropic()
    gateway = await startTestGateway(
      {
        providers: [anthropicProvider(anthropic.url)],
        models: [
          {
            id: 'claude-thinking',
            max_output_tokens: 8192,
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
        workspaces: { default_lane: 'resale' },
      },
      { ONEKEY_MASTER_KEY: 'c3'.repeat(32) },
    )
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  after(async () => {
    await gateway?.close()
    await anthropic?.close()
  })

  /** The request log row of a generation, once written. */
  async function loggedRow(generationId: string | null) {
    assert.ok(generationId, 'x-onekey-generation-id')
    let row: Awaited<ReturnType<TestGateway['store']['requestLogs']['find']>>
    await waitFor(async () => {
      row = await gateway.store.requestLogs.find(gateway.workspaceId, generationId)
      return row !== undefined && row !== null
    }, 'the request log row')
    return row!
  }

  test('non-stream: reasoning_tokens is the estimate of the thinking text', async () => {
    const raw = await client.chat.completions
      .create({
        model: 'claude-thinking',
        messages: [{ role: 'user', content: 'what is 27 times 453' }],
        reasoning_effort: 'low',
      })
      .withResponse()
    const completion = raw.data
    assertMatchesOpenAISchema('CreateChatCompletionResponse', JSON.parse(JSON.stringify(completion)))
    assert.deepEqual(anthropic.rejections, [])
    assert.deepEqual(anthropic.calls.at(-1)!.body.thinking, { type: 'enabled', budget_tokens: 2048 })
    const reasoning = (completion.choices[0]!.message as Reasoned).reasoning_content
    assert.equal(reasoning, 'Let me think about “what is 27 times 453” before answering.')
    const usage = completion.usage!
    assert.equal(usage.completion_tokens_details?.reasoning_tokens, estimateTextTokens(reasoning!))
    assert.ok(usage.completion_tokens_details!.reasoning_tokens! <= usage.completion_tokens)
    const row = await loggedRow(raw.response.headers.get('x-onekey-generation-id'))
    assert.equal(row.completionTokens, usage.completion_tokens)
    assert.equal(row.usageSource, 'upstream', 'the usage was plausible and taken')
  })

  test('stream: the usage chunk carries reasoning_tokens; the thinking streams as before', async () => {
    const raw = await client.chat.completions
      .create({
        model: 'claude-thinking',
        messages: [{ role: 'user', content: 'stream your reasoning' }],
        reasoning_effort: 'low',
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse()
    let reasoning = ''
    let text = ''
    const usages: OpenAI.CompletionUsage[] = []
    for await (const chunk of raw.data) {
      assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', JSON.parse(JSON.stringify(chunk)))
      reasoning += (chunk.choices[0]?.delta as Reasoned | undefined)?.reasoning_content ?? ''
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usages.push(chunk.usage)
    }
    assert.deepEqual(anthropic.rejections, [])
    assert.equal(reasoning, 'Let me think about “stream your reasoning” before answering.')
    assert.equal(text, 'You said: stream your reasoning')
    assert.equal(usages.length, 1)
    assert.equal(usages[0]!.completion_tokens_details?.reasoning_tokens, estimateTextTokens(reasoning))
    const row = await loggedRow(raw.response.headers.get('x-onekey-generation-id'))
    assert.equal(row.completionTokens, usages[0]!.completion_tokens)
    assert.equal(row.usageSource, 'upstream')
  })

  test('without reasoning_effort there is no thinking and no completion_tokens_details', async () => {
    const completion = await client.chat.completions.create({
      model: 'claude-thinking',
      messages: [{ role: 'user', content: 'hello there' }],
    })
    assert.equal(anthropic.calls.at(-1)!.body.thinking, undefined)
    assert.equal(completion.usage!.completion_tokens_details, undefined)
  })
})
