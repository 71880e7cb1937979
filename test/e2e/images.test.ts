/**
 * `POST /v1/images/generations` (issue 21, item 1) with the official `openai` SDK against strict
 * fake OpenAI image APIs: every lane with its trust rule (cheap falls back among pooled
 * accounts; resale never reaches one, even when the official account fails; byok uses the
 * workspace's stored key), `url` and `b64_json` passed through, per-image prices by size and
 * quality held for every image asked (`n`) and charged for the images returned, quote = charge,
 * the catalog's one-image rule, 400s naming the parameter and 402s before any upstream call,
 * answers valid against the OpenAI spec's `ImagesResponse`.
 */

import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import OpenAI from 'openai'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { FAKE_PNG_BASE64, type FakeOpenAIImages, startFakeOpenAIImages } from '../fakes/fake-openai-images.ts'
import { CUSTOMER_KEY, KEYS, laneProviders } from '../helpers/lanes-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { type Json, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const prompt = 'a red fox' // 9 bytes: 3 prompt tokens by the conservative estimate

function imagesCatalog(poolA: FakeOpenAIImages, poolB: FakeOpenAIImages, official: FakeOpenAIImages) {
  const image = { input: ['text'], output: ['image'] }
  return {
    upstream: { max_attempts: 6, failure_threshold: 100, cooldown_ms: 60_000 },
    billing: { headroom_factor: 0 },
    providers: laneProviders(poolA, poolB, official, 1),
    models: [
      {
        id: 'dall-e-3',
        modalities: image,
        images: { max_per_request: 1 },
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-a',
            price: { image: { '1024x1024': '0.03', '1024x1024/hd': '0.06' } },
            published: true,
          },
          {
            lane: 'cheap',
            provider: 'pool-b',
            price: { image: { '1024x1024': '0.04', '1024x1024/hd': '0.08' } },
            published: true,
          },
          {
            lane: 'resale',
            provider: 'official',
            price: { image: { '1024x1024': '0.05', '1792x1024/hd': '0.12' } },
            published: true,
          },
          {
            lane: 'byok',
            provider: 'official',
            price: { image: { '1024x1024': '0', '1024x1024/hd': '0' } },
            published: true,
          },
        ],
      },
      {
        id: 'gpt-image-1',
        modalities: image,
        images: { default_quality: 'medium' },
        offers: [
          {
            lane: 'resale',
            provider: 'official',
            price: {
              prompt: '5',
              image: { '1024x1024/low': '0.011', '1024x1024/medium': '0.042', '1024x1536/high': '0.25' },
            },
            published: true,
          },
        ],
      },
      {
        id: 'dall-e-2',
        modalities: image,
        offers: [
          {
            lane: 'cheap',
            provider: 'pool-a',
            price: { image: { '256x256': '0.016', '1024x1024': '0.02' } },
          },
        ],
      },
      {
        id: 'chat-only',
        offers: [{ lane: 'cheap', provider: 'pool-a', price: { input: '1', output: '1' } }],
      },
    ],
    workspaces: { default_lane: 'cheap' },
  }
}

describe('/v1/images/generations: lanes, prices per image, the OpenAI contract', () => {
  let poolA: FakeOpenAIImages
  let poolB: FakeOpenAIImages
  let official: FakeOpenAIImages
  let gateway: TestGateway
  let client: OpenAI
  const upstreamCalls = () => poolA.calls.length + poolB.calls.length + official.calls.length

  before(async () => {
    poolA = await startFakeOpenAIImages()
    poolB = await startFakeOpenAIImages()
    official = await startFakeOpenAIImages()
    gateway = await startTestGateway(imagesCatalog(poolA, poolB, official), KEYS)
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
  })
  beforeEach(() => {
    for (const fake of [poolA, poolB, official]) fake.reset()
  })
  after(async () => {
    await gateway?.close()
    await Promise.all([poolA?.close(), poolB?.close(), official?.close()])
  })

  async function settled(): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const balance = await gateway.store.ledger.balance(gateway.workspaceId)
      if (balance.heldNano === 0) return balance.balanceNano
      await sleep(25)
    }
    assert.fail('a hold stayed open')
  }

  /** Posts an image request; the answer, its status and what the balance went down by. */
  async function charged(body: Record<string, unknown>, apiKey = gateway.apiKey) {
    const start = await settled()
    const response = await fetch(`${gateway.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const answer: Json = await readJson(response)
    return { response, answer, nano: start - (await settled()) }
  }

  test('cheap lane through the SDK: a pooled account draws the image, its URL passed through untouched', async () => {
    const { data: result, response } = await client.images
      .generate({
        model: 'cheap/dall-e-3',
        prompt,
        size: '1024x1024',
        response_format: 'url',
        user: 'end-user-1',
      })
      .withResponse()
    assert.equal(response.headers.get('x-onekey-lane'), 'cheap')
    assert.equal(poolA.calls.length, 1, 'the cheapest pooled offer first')
    assert.equal(official.calls.length, 0)
    assert.match(result.data![0]!.url!, /^https:\/\/images\.example\.test\/generated\/1-0\.png\?sig=abc$/)
    assert.match(result.data![0]!.revised_prompt!, /red fox/)
    const sent = poolA.calls[0]!.json
    assert.equal(sent.model, 'dall-e-3')
    assert.equal(sent.user, undefined, 'end-user fields never reach a pooled account')
    assertMatchesOpenAISchema('ImagesResponse', result)
    const usage = result.usage as Json
    assert.equal(usage.cost_details.total, '0.03')
    assert.equal(usage.cost, 0.03)
    assert.equal(usage.cost_details.lane, 'cheap')
  })

  test('cheap lane falls back among pooled accounts and is charged at the offer that served', async () => {
    poolA.failNext(500, 2)
    const { response, answer, nano } = await charged({ model: 'cheap/dall-e-3', prompt })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-provider'), 'pool-b')
    assert.equal(poolA.calls.length, 2, 'both pool-a accounts tried')
    assert.equal(official.calls.length, 0, 'the cheap lane never reaches the official account')
    assert.equal(answer.usage.cost_details.total, '0.04')
    assert.equal(nano, parseUsdNano('0.04'))
  })

  test('resale: gpt-image-1 in b64_json, n counted in the hold and the charge, usage kept; quote = charge', async () => {
    const quote = await readJson(
      await gateway.post('/v1/quote', { model: 'resale/gpt-image-1', prompt, n: 3 }),
    )
    const lane = quote.lanes.find((entry: Json) => entry.lane === 'resale')
    assert.equal(lane.available, true)
    assert.deepEqual(lane.offer.price.image, {
      '1024x1024/low': '0.011',
      '1024x1024/medium': '0.042',
      '1024x1536/high': '0.25',
    })
    const { data: result } = await client.images
      .generate({ model: 'resale/gpt-image-1', prompt, n: 3 })
      .withResponse()
    assert.equal(result.data!.length, 3)
    assert.equal(result.data![0]!.b64_json, FAKE_PNG_BASE64)
    assertMatchesOpenAISchema('ImagesResponse', result)
    const usage = result.usage as Json
    assert.equal(usage.input_tokens, 12, "the upstream's usage is kept")
    assert.equal(usage.output_tokens, 3 * 1056)
    // 3 × 0.042 + 3 prompt tokens × 5/1M
    assert.equal(usage.cost_details.total, '0.126015')
    assert.equal(usage.cost_details.total, lane.max_total_cost, 'charge = quote for the same images')
    assert.equal(official.calls[0]!.json.n, 3)
    assert.equal(
      official.calls[0]!.json.response_format,
      undefined,
      'nothing added the GPT image API refuses',
    )
    const { nano } = await charged({ model: 'resale/gpt-image-1', prompt, n: 3, quality: 'medium' })
    assert.equal(nano, parseUsdNano('0.126015'))
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })

  test('fewer images returned than asked: charged for what came back; more: cut to n and charged n', async () => {
    official.imagesReturned = 1
    const fewer = await charged({ model: 'resale/gpt-image-1', prompt, n: 3, quality: 'low' })
    assert.equal(fewer.response.status, 200)
    assert.equal(fewer.answer.data.length, 1)
    assert.equal(fewer.nano, parseUsdNano('0.011015'))
    assert.equal(fewer.answer.usage.cost_details.total, '0.011015')
    official.imagesReturned = 5
    const more = await charged({ model: 'resale/gpt-image-1', prompt, n: 2, quality: 'low' })
    assert.equal(more.answer.data.length, 2, 'never more images than asked for')
    assert.equal(more.nano, parseUsdNano('0.022015'))
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })

  test('resale: the official account failing is an error, never a pooled account', async () => {
    official.failNext(500, 10)
    const { response, answer, nano } = await charged({ model: 'resale/dall-e-3', prompt })
    assert.ok(response.status >= 500, `status ${response.status}`)
    assert.ok(answer.error)
    assert.ok(official.calls.length >= 1)
    assert.equal(poolA.calls.length + poolB.calls.length, 0, 'no pooled account touched')
    assert.equal(nano, 0, 'nothing served, nothing charged')
  })

  test('byok: the stored key reaches its provider, url format, the body as sent', async () => {
    const management = (
      await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'admin', management: true })
    ).key
    const saved = await fetch(`${gateway.url}/api/v1/byok/official`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${management}`, 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: CUSTOMER_KEY }),
    })
    assert.equal(saved.status, 200)
    const { response, answer } = await charged({
      model: 'byok/official/dall-e-3',
      prompt,
      quality: 'hd',
      style: 'natural',
      user: 'end-user-2',
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'byok')
    assert.equal(official.calls.length, 1)
    assert.equal(official.calls[0]!.headers.authorization, `Bearer ${CUSTOMER_KEY}`)
    assert.equal(official.calls[0]!.json.user, 'end-user-2', "the workspace's own key gets the body as sent")
    assert.equal(poolA.calls.length + poolB.calls.length, 0)
    assert.match(answer.data[0].url, /^https:\/\/images\.example\.test\//)
    assertMatchesOpenAISchema('ImagesResponse', answer)
  })

  test('400s before any upstream call: n above the model rule, unpriced size or quality, unknown field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'cheap/dall-e-3', prompt, n: 2 }, 'n'],
      [{ model: 'cheap/dall-e-3', prompt, size: '512x512' }, 'size'],
      [{ model: 'resale/gpt-image-1', prompt, quality: 'hd' }, 'quality'],
      [{ model: 'resale/gpt-image-1', prompt, size: '1024x1536' }, 'quality'],
      [{ model: 'cheap/dall-e-3', prompt, watermark: true }, 'watermark'],
      [{ model: 'cheap/dall-e-3', prompt, n: 11 }, 'n'],
      [{ model: 'cheap/dall-e-3', prompt, response_format: 'png' }, 'response_format'],
      [{ model: 'cheap/dall-e-3' }, 'prompt'],
      [{ prompt }, 'model'],
      [{ model: 'chat-only', prompt }, 'model'],
    ]
    for (const [body, param] of cases) {
      const response = await gateway.post('/v1/images/generations', body)
      const answer = await readJson(response)
      assert.equal(response.status, 400, JSON.stringify(body))
      assert.equal(answer.error.param, param, JSON.stringify(answer))
      assert.equal(answer.error.type, 'invalid_request_error')
    }
    await assert.rejects(
      client.images.generate({ model: 'cheap/dall-e-3', prompt, n: 2 }),
      (error: Json) => error.status === 400 && error.param === 'n',
    )
    assert.equal(upstreamCalls(), 0)
  })

  test('insufficient credits: 402 before any upstream call, the hold covering every image and the dearest offer', async () => {
    const workspace = await gateway.service.createWorkspace('poor')
    await gateway.gateway.billing.topUp({
      workspaceId: workspace.id,
      amountNano: parseUsdNano('0.1'),
      idempotencyKey: 'poor-credit',
      actor: 'test',
      kind: 'adjustment',
    })
    const { key } = await gateway.service.createApiKey({ workspace: workspace.id, name: 'poor' })
    const post = (body: Record<string, unknown>) =>
      fetch(`${gateway.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    // 3 × 0.042 > 0.1: refused; 2 × 0.042 fits.
    const refused = await post({ model: 'resale/gpt-image-1', prompt, n: 3 })
    assert.equal(refused.status, 402)
    assert.equal(official.calls.length, 0)
    assert.equal((await post({ model: 'resale/gpt-image-1', prompt, n: 2 })).status, 200)
    await gateway.gateway.billing.topUp({
      workspaceId: workspace.id,
      amountNano: parseUsdNano('0.05'),
      idempotencyKey: 'poor-credit-2',
      actor: 'test',
      kind: 'adjustment',
    })
    // 0.065985 left: pool-a's hd price (0.06) would fit, pool-b's (0.08), the dearest cheap candidate, does not.
    assert.equal((await post({ model: 'cheap/dall-e-3', prompt, quality: 'hd' })).status, 402)
    assert.equal(poolA.calls.length + poolB.calls.length, 0)
  })

  test('/v1/models shows per-image prices; an unpublished price is "quote on request"', async () => {
    const models = await readJson(
      await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.apiKey}` } }),
    )
    const find = (id: string) => models.data.find((entry: Json) => entry.id === id)
    assert.deepEqual(find('cheap/dall-e-3').pricing.image, { '1024x1024': '0.03', '1024x1024/hd': '0.06' })
    assert.deepEqual(find('cheap/dall-e-3').modalities.output, ['image'])
    assert.equal(find('resale/gpt-image-1').pricing.prompt, '5')
    assert.equal(find('cheap/dall-e-2').pricing, 'quote on request')
    const quote = await readJson(await gateway.post('/v1/quote', { model: 'cheap/dall-e-2', prompt }))
    const lane = quote.lanes.find((entry: Json) => entry.lane === 'cheap')
    assert.equal(lane.offer.price, 'quote on request')
    assert.equal(lane.max_total_cost, null)
  })
})
