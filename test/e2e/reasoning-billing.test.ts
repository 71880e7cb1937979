/**
 * Reasoning billed at its own price (issue 21, items 2 and 5): an offer's `reasoning` price
 * charges `completion_tokens_details.reasoning_tokens`, the rest of the completion at the output
 * price; without one, reasoning costs the output price as before. Quote = charge for the same
 * usage with every price component (input, cached input, output, reasoning, per request), on an
 * OpenAI-format upstream (JSON and stream) and on Gemini (thoughts translated into the same field).
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { costNano, formatNanoUsd } from '../../src/billing/cost.ts'
import type { OfferPrice } from '../../src/config/catalog-config.ts'
import { parseUsd, parseUsdPerMillionTokens } from '../../src/contracts/usd.ts'
import { FAKE_THOUGHT_TOKENS, startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { streamChunks } from '../helpers/billing-setup.ts'
import {
  fakeProvider,
  geminiProvider,
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]
const PRICE = { prompt: '0.5', cached_input: '0.25', completion: '1', request: '0.0001' }
// The example: 1000 prompt (400 cached), 1026 completion of which 1024 reasoning.
// At the output price: 600×0.5 + 400×0.25 + 1026×1 + 100 = 1526 µUSD; at 2.5 for reasoning:
// 600×0.5 + 400×0.25 + 2×1 + 1024×2.5 + 100 = 3062 µUSD.
const EXAMPLE = {
  prompt_tokens: 1000,
  completion_tokens: 1026,
  total_tokens: 2026,
  prompt_tokens_details: { cached_tokens: 400 },
  completion_tokens_details: { reasoning_tokens: 1024 },
}

/** The published price (decimal strings) back in the catalog's exact integers. */
function fromPublished(published: Json): OfferPrice {
  return {
    input: parseUsdPerMillionTokens(published.prompt),
    output: parseUsdPerMillionTokens(published.completion),
    cachedInput: parseUsdPerMillionTokens(published.input_cache_read),
    reasoning: parseUsdPerMillionTokens(published.internal_reasoning),
    request: parseUsd(published.request),
  }
}

/** What the answer's usage costs at the quote's published prices. */
function quotedCost(published: Json, usage: Json): number {
  return costNano(fromPublished(published), {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  })
}

describe('reasoning billed at its own price', () => {
  let upstream: FakeUpstream
  let gemini: FakeProviderServer
  let gateway: TestGateway

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok', 'm') })
    gemini = await startFakeGemini()
    const offer = (price: Record<string, string>, extra: Record<string, unknown> = {}) => ({
      lane: 'cheap',
      provider: 'fake',
      price,
      published: true,
      ...extra,
    })
    gateway = await startTestGateway({
      // Each hold straight from the balance: `settled()` sees it released as soon as it is.
      billing: { headroom_factor: 0 },
      providers: [fakeProvider('fake', upstream.baseUrl), geminiProvider(gemini.url)],
      models: [
        { id: 'thinker', offers: [offer({ ...PRICE, reasoning: '2.5' })] },
        { id: 'plain', offers: [offer(PRICE)] },
        // OpenRouter's name for the reasoning price, and through upstream_cost + margin.
        { id: 'aliased', offers: [offer({ ...PRICE, internal_reasoning: '2.5' })] },
        {
          id: 'margined',
          offers: [
            {
              lane: 'cheap',
              provider: 'fake',
              upstream_cost: { ...PRICE, reasoning: '2' },
              margin_percent: 25,
              published: true,
            },
          ],
        },
        {
          id: 'capped',
          max_output_tokens: 4096,
          capabilities: ['reasoning'],
          offers: [offer({ ...PRICE, reasoning: '2.5' })],
        },
        { id: 'hidden', offers: [offer({ ...PRICE, reasoning: '2.5' }, { published: false })] },
        {
          id: 'gemini-think',
          capabilities: ['reasoning'],
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-2.5-flash',
              price: { ...PRICE, reasoning: '3.5' },
              published: true,
            },
          ],
        },
      ],
    })
  })
  after(async () => {
    await gateway?.close()
    await upstream?.close()
    await gemini?.close()
  })

  async function settled(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const balance = await gateway.store.ledger.balance(gateway.workspaceId)
      if (balance.heldNano === 0) return balance.balanceNano
      await sleep(25)
    }
    assert.fail('a hold stayed open')
  }

  async function quoteLane(body: Record<string, unknown>, lane = 'cheap'): Promise<Json> {
    const quote = await readJson(await gateway.post('/v1/quote', body))
    return { quote, lane: quote.lanes.find((entry: Json) => entry.lane === lane) }
  }

  /** Sends `body`, returns the answer and what the balance went down by. */
  async function charged(body: Record<string, unknown>): Promise<{ answer: Json; nano: number }> {
    const start = await settled()
    const response = await gateway.post('/v1/chat/completions', body)
    assert.equal(response.status, 200)
    const answer = body.stream === true ? await readSseData(response) : await readJson(response)
    return { answer, nano: start - (await settled()) }
  }

  test("the issue's example: 0.003062 with a reasoning price, 0.001526 without; quote = charge", async () => {
    for (const [model, total, expectedNano] of [
      ['thinker', '0.003062', 3_062_000],
      ['aliased', '0.003062', 3_062_000],
      ['plain', '0.001526', 1_526_000],
    ] as const) {
      const { lane } = await quoteLane({ model, messages, max_tokens: 2000 })
      upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', EXAMPLE) })
      const { answer, nano } = await charged({ model, messages, max_tokens: 2000 })
      assert.equal(answer.usage.estimated, undefined, model)
      assert.equal(answer.usage.cost_details.total, total, model)
      assert.equal(answer.usage.cost, Number(total))
      assert.equal(nano, expectedNano, `${model}: charged what the answer says`)
      assert.equal(nano, quotedCost(lane.offer.price, answer.usage), `${model}: quote = charge`)
    }
  })

  test('upstream_cost + margin_percent carries the reasoning price; cost_details shows the upstream part', async () => {
    const { lane } = await quoteLane({ model: 'margined', messages, max_tokens: 2000 })
    assert.equal(lane.offer.price.internal_reasoning, '2.5')
    assert.equal(lane.offer.price.completion, '1.25')
    upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', EXAMPLE) })
    const { answer, nano } = await charged({ model: 'margined', messages, max_tokens: 2000 })
    // Upstream: 600×0.5 + 400×0.25 + 2×1 + 1024×2 + 100 = 2550 µUSD; ×1.25 = 3187.5 µUSD.
    assert.equal(answer.usage.cost_details.upstream_inference_cost, '0.00255')
    assert.equal(answer.usage.cost_details.total, '0.0031875')
    assert.equal(nano, quotedCost(lane.offer.price, answer.usage))
  })

  test('a stream whose usage chunk carries reasoning tokens is priced and charged at the reasoning price', async () => {
    upstream.script({ kind: 'stream', chunks: streamChunks(EXAMPLE) })
    const { answer, nano } = await charged({
      model: 'thinker',
      messages,
      max_tokens: 2000,
      stream: true,
      stream_options: { include_usage: true },
    })
    assert.equal(answer.at(-1), '[DONE]')
    const usage = JSON.parse(answer.at(-2)).usage
    assert.equal(usage.completion_tokens_details.reasoning_tokens, 1024)
    assert.equal(usage.cost_details.total, '0.003062')
    assert.equal(nano, 3_062_000)

    // Without the usage chunk forwarded, the charge is the same.
    upstream.script({ kind: 'stream', chunks: streamChunks(EXAMPLE) })
    const quiet = await charged({ model: 'thinker', messages, max_tokens: 2000, stream: true })
    assert.equal(quiet.nano, 3_062_000)
  })

  test('the quote at its maximum equals the charge for that usage: every output token reasoning', async () => {
    const { quote, lane } = await quoteLane({ model: 'thinker', messages, max_tokens: 50 })
    // 50 output tokens at the reasoning price (dearer than the output price).
    assert.equal(lane.max_output_cost, '0.000125')
    const usage = {
      prompt_tokens: quote.estimated_prompt_tokens,
      completion_tokens: 50,
      total_tokens: quote.estimated_prompt_tokens + 50,
      completion_tokens_details: { reasoning_tokens: 50 },
    }
    upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', usage) })
    const { answer, nano } = await charged({ model: 'thinker', messages, max_tokens: 50 })
    assert.equal(answer.usage.cost_details.total, lane.max_total_cost)
    assert.equal(formatNanoUsd(nano), lane.max_total_cost)
  })

  test('Gemini thoughts are charged at the reasoning price; quote = charge (JSON and stream)', async () => {
    for (const stream of [false, true]) {
      const body = {
        model: 'gemini-think',
        messages,
        reasoning_effort: 'low',
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      }
      const { lane } = await quoteLane(body, 'resale')
      assert.equal(lane.offer.price.internal_reasoning, '3.5')
      const { answer, nano } = await charged({ ...body, model: 'resale/gemini-think' })
      const usage = stream ? JSON.parse(answer.at(-2)).usage : answer.usage
      assert.equal(usage.completion_tokens_details.reasoning_tokens, FAKE_THOUGHT_TOKENS)
      assert.ok(usage.completion_tokens > FAKE_THOUGHT_TOKENS)
      assert.equal(nano, quotedCost(lane.offer.price, usage))
      const atOutput = quotedCost(
        { ...lane.offer.price, internal_reasoning: lane.offer.price.completion },
        usage,
      )
      // 400 thoughts × (3.5 − 1) = 1000 µUSD more than at the output price.
      assert.equal(nano - atOutput, 1_000_000)
      assert.equal(usage.cost_details.total, formatNanoUsd(nano))
    }
    assert.deepEqual(gemini.rejections, [])
  })

  const IMPLAUSIBLE: Record<string, unknown> = {
    'above the completion': 11,
    negative: -5,
    fractional: 2.5,
    'a string': '3',
  }
  for (const [name, reasoning] of Object.entries(IMPLAUSIBLE)) {
    test(`reasoning tokens ${name}: refused, priced from the gateway's count`, async () => {
      const usage = {
        prompt_tokens: 8,
        completion_tokens: 10,
        total_tokens: 18,
        completion_tokens_details: { reasoning_tokens: reasoning },
      }
      upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', usage) })
      const { answer, nano } = await charged({ model: 'thinker', messages, max_tokens: 10 })
      assert.equal(answer.usage.estimated, true)
      assert.equal(answer.usage.completion_tokens_details, undefined)
      // The gateway's count: 8 prompt tokens at 0.5, 1 output token at 1, plus the request price.
      assert.equal(nano, 8 * 500 + 1_000 + 100_000)

      upstream.script({ kind: 'stream', chunks: streamChunks(usage) })
      const streamed = await charged({
        model: 'thinker',
        messages,
        max_tokens: 10,
        stream: true,
        stream_options: { include_usage: true },
      })
      assert.equal(JSON.parse(streamed.answer.at(-2)).usage.estimated, true)
      assert.equal(streamed.nano, 8 * 500 + 2 * 1_000 + 100_000)
    })
  }

  test('a reasoning request without its own cap reserves the thinking budget; its usage is believed', async () => {
    const { quote, lane } = await quoteLane({ model: 'capped', messages, reasoning_effort: 'high' })
    // The largest high budget (24,576) plus 4,096 answer tokens, above the model's 4,096.
    assert.equal(quote.max_output_tokens, 28_672)
    assert.equal(lane.max_output_cost, '0.07168')
    const usage = {
      prompt_tokens: 8,
      completion_tokens: 10_000,
      total_tokens: 10_008,
      completion_tokens_details: { reasoning_tokens: 9_000 },
    }
    upstream.script({ kind: 'json', body: chatCompletionBody('ok', 'm', usage) })
    const { answer, nano } = await charged({ model: 'capped', messages, reasoning_effort: 'high' })
    assert.equal(answer.usage.estimated, undefined, 'within the thinking budget: not implausible')
    // 8×0.5 + 1000×1 + 9000×2.5 + 100 = 23604 µUSD
    assert.equal(nano, 23_604_000)
  })

  test('/v1/models and the quote publish every price component; unpublished ones never show a number', async () => {
    const headers = { authorization: `Bearer ${gateway.apiKey}` }
    const list = await readJson(await fetch(`${gateway.url}/v1/models`, { headers }))
    const pricing = (id: string) => list.data.find((entry: Json) => entry.id === id)?.pricing
    const expected = {
      currency: 'USD',
      prompt: '0.5',
      completion: '1',
      cached_input: '0.25',
      input_cache_read: '0.25',
      internal_reasoning: '2.5',
      request: '0.0001',
    }
    assert.deepEqual(pricing('cheap/thinker'), expected)
    assert.deepEqual(pricing('cheap/aliased'), expected)
    assert.deepEqual(
      pricing('cheap/plain'),
      { ...expected, internal_reasoning: '1' },
      'reasoning at output price',
    )
    assert.equal(pricing('cheap/hidden'), 'quote on request')
    const { lane } = await quoteLane({ model: 'thinker', messages, max_tokens: 10 })
    assert.deepEqual(lane.offer.price, expected)
    const hidden = (await quoteLane({ model: 'hidden', messages, max_tokens: 10 })).lane
    assert.equal(hidden.offer.price, 'quote on request')
    assert.equal(hidden.max_total_cost, null)
  })

  test('the ledger holds together', async () => {
    await settled()
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })
})
