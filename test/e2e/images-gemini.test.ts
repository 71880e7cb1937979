/**
 * `POST /v1/images/generations` on Gemini image models (issue 21, item 1), with the official
 * `openai` SDK against the strict fake Gemini API: `generateContent` with the IMAGE response
 * modality, `inlineData` turned into a spec-valid `ImagesResponse` (`b64_json`, `usage` from
 * `usageMetadata`), the per-image catalog price charged = quoted, `url` and `n` > 1 refused with
 * a 400 before any upstream call, a blocked answer an error that costs nothing.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import OpenAI from 'openai'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { FAKE_GEMINI_IMAGE_TOKENS, FAKE_GEMINI_PNG_BASE64, startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  geminiProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const prompt = 'a red fox in the snow'
const image = { input: ['text'], output: ['image'] }

describe('/v1/images/generations on Gemini image models', () => {
  let gemini: FakeProviderServer
  let gateway: TestGateway
  let client: OpenAI

  before(async () => {
    gemini = await startFakeGemini()
    gateway = await startTestGateway({
      billing: { headroom_factor: 0 },
      providers: [geminiProvider(gemini.url)],
      models: [
        {
          id: 'nano-banana',
          modalities: image,
          images: { max_per_request: 1 },
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-2.5-flash-image',
              price: { image: { '1024x1024': '0.039' } },
              published: true,
            },
          ],
        },
        {
          // No catalog rule: the adapter itself refuses n > 1.
          id: 'nano-banana-open',
          modalities: image,
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-2.5-flash-image',
              price: { image: { '1024x1024': '0.039' } },
            },
          ],
        },
      ],
    })
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  beforeEach(() => {
    gemini.calls.length = 0
  })
  after(async () => {
    await gateway?.close()
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

  async function charged(body: Record<string, unknown>) {
    const start = await settled()
    const response = await gateway.post('/v1/images/generations', body)
    const answer: Json = await readJson(response)
    return { response, answer, nano: start - (await settled()) }
  }

  test('b64_json through the SDK: inlineData → ImagesResponse, usage mapped, charge = price × images = quote', async () => {
    const quote = await readJson(await gateway.post('/v1/quote', { model: 'resale/nano-banana', prompt }))
    const lane = quote.lanes.find((entry: Json) => entry.lane === 'resale')
    assert.equal(lane.available, true)
    assert.equal(lane.max_total_cost, '0.039')
    const start = await settled()
    const result = await client.images.generate({
      model: 'resale/nano-banana',
      prompt,
      response_format: 'b64_json',
    })
    assert.equal(start - (await settled()), parseUsdNano('0.039'))
    assertMatchesOpenAISchema('ImagesResponse', result)
    assert.equal(result.data!.length, 1)
    assert.equal(result.data![0]!.b64_json, FAKE_GEMINI_PNG_BASE64)
    assert.equal(result.data![0]!.revised_prompt, undefined, 'the text part is dropped')
    assert.equal(result.output_format, 'png')
    const usage = result.usage as Json
    const sent = gemini.calls[0]!
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash-image:generateContent')
    assert.deepEqual(sent.body, {
      contents: [{ role: 'user', parts: [{ text: prompt }] }],
      generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
    })
    assert.ok(usage.input_tokens > 0)
    assert.equal(usage.output_tokens, FAKE_GEMINI_IMAGE_TOKENS + 8)
    assert.equal(usage.total_tokens, usage.input_tokens + usage.output_tokens)
    assert.equal(usage.cost_details.total, lane.max_total_cost, 'charge = quote')
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })

  test('response_format url and n > 1 are 400s naming the parameter, before any upstream call', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'resale/nano-banana', prompt, response_format: 'url' }, 'response_format'],
      [{ model: 'resale/nano-banana', prompt, n: 2 }, 'n'],
      [{ model: 'resale/nano-banana-open', prompt, n: 2 }, 'n'],
      [{ model: 'resale/nano-banana-open', prompt, style: 'vivid' }, 'style'],
    ]
    for (const [body, param] of cases) {
      const { response, answer, nano } = await charged(body)
      assert.equal(response.status, 400, JSON.stringify(body))
      assert.equal(answer.error.param, param, JSON.stringify(answer))
      assert.equal(nano, 0)
    }
    await assert.rejects(
      client.images.generate({ model: 'resale/nano-banana', prompt, response_format: 'url' }),
      (error: Json) => error.status === 400 && error.param === 'response_format',
    )
    assert.equal(gemini.calls.length, 0)
  })

  test('a blocked answer (IMAGE_SAFETY or a blocked prompt) is an error, tried once, never charged', async () => {
    for (const blocked of ['a forbidden scene', 'a prohibited scene']) {
      const { response, answer, nano } = await charged({ model: 'resale/nano-banana', prompt: blocked })
      assert.equal(response.status, 400, JSON.stringify(answer))
      assert.equal(answer.error.param, 'prompt')
      assert.match(answer.error.message, /IMAGE_SAFETY|PROHIBITED_CONTENT/)
      assert.equal(nano, 0, 'nothing served, nothing charged')
    }
    assert.equal(gemini.calls.length, 2, 'one call each: a block is not retried')
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })
})
