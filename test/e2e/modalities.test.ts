/**
 * Input modalities end to end: routing skips offers that cannot take a request's images, files
 * or audio, a request no offer can take is a 400 naming the model, the modality and the content
 * part (before limits and holds: no upstream call, nothing reserved), the quote says why a lane
 * is unavailable, and a model without `modalities` takes text and images.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  type Json,
  offer,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const PDF = { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0x' } }
const IMAGE = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }
const AUDIO = { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }

/** A system message, then a user message whose first part is `part`: the part is `messages[1].content[0]`. */
const withPart = (part: Json) => [
  { role: 'system', content: 'be brief' },
  { role: 'user', content: [part, { type: 'text', text: 'what is this?' }] },
]

describe('modalities: offers that cannot take the input are skipped, and none is a 400', () => {
  let plain: FakeUpstream
  let vision: FakeUpstream
  let gateway: TestGateway
  const upstreamCalls = () => plain.calls.length + vision.calls.length

  before(async () => {
    plain = await startFakeUpstream()
    vision = await startFakeUpstream()
    gateway = await startTestGateway({
      providers: [fakeProvider('plain', plain.baseUrl), fakeProvider('vision', vision.baseUrl)],
      models: [
        { id: 'textonly', modalities: { input: ['text'] }, offers: [offer('plain')] },
        {
          id: 'mixed',
          modalities: { input: ['text', 'image'] },
          offers: [
            // Cheaper, but its upstream takes text only: images go to the other offer.
            offer('plain', { price: { input: '0.1', output: '0.1' }, modalities: { input: ['text'] } }),
            offer('vision', { price: { input: '1', output: '1' } }),
          ],
        },
        { id: 'reader', modalities: { input: ['text', 'image', 'file'] }, offers: [offer('vision')] },
        { id: 'undeclared', offers: [offer('plain')] },
      ],
    })
  })
  beforeEach(() => {
    plain.reset()
    vision.reset()
  })
  after(async () => {
    await gateway?.close()
    await plain?.close()
    await vision?.close()
  })

  test('a PDF to a text-only model: 400 naming the model, file and the part; no upstream call, nothing reserved', async () => {
    const before = await gateway.store.ledger.balance(gateway.workspaceId)
    const response = await gateway.post('/v1/chat/completions', {
      model: 'textonly',
      messages: withPart(PDF),
      max_tokens: 100,
    })
    assert.equal(response.status, 400)
    const body = await readJson(response)
    assertMatchesOpenAISchema('ErrorResponse', body)
    assert.equal(body.error.code, 'unsupported_parameter')
    assert.equal(body.error.param, 'messages[1].content[0]')
    assert.match(
      body.error.message,
      /^`cheap\/textonly` does not take file input \(PDF\); models that do: `cheap\/reader`\.$/,
    )
    assert.equal(upstreamCalls(), 0)
    const now = await gateway.store.ledger.balance(gateway.workspaceId)
    assert.equal(now.balanceNano, before.balanceNano)
    assert.equal(now.heldNano, 0)
  })

  test('refused before the hold: a workspace with no credit gets the 400, not a 402', async () => {
    const poor = await gateway.service.createWorkspace('no-credit')
    const { key } = await gateway.service.createApiKey({ workspace: poor.id, name: 'poor' })
    const ask = (messages: Json) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'textonly', messages }),
      })
    const refused = await ask(withPart(PDF))
    assert.equal(refused.status, 400)
    assert.equal((await readJson(refused)).error.code, 'unsupported_parameter')
    // The same request as text reaches the hold.
    assert.equal((await ask([{ role: 'user', content: 'hi' }])).status, 402)
    assert.equal(upstreamCalls(), 0)
  })

  test('audio to a model without audio is a 400 naming audio', async () => {
    const response = await gateway.post('/v1/chat/completions', { model: 'mixed', messages: withPart(AUDIO) })
    assert.equal(response.status, 400)
    const body = await readJson(response)
    assert.equal(body.error.code, 'unsupported_parameter')
    assert.equal(body.error.param, 'messages[1].content[0]')
    assert.match(
      body.error.message,
      /^`cheap\/mixed` does not take audio input \(wav\); no model in this lane does\.$/,
    )
    assert.equal(upstreamCalls(), 0)
  })

  test('of two offers, the image request goes to the one that takes images; text to the cheapest', async () => {
    const image = await gateway.post('/v1/chat/completions', { model: 'mixed', messages: withPart(IMAGE) })
    assert.equal(image.status, 200)
    assert.equal(image.headers.get('x-onekey-provider'), 'vision')
    assert.equal(vision.calls.length, 1)
    assert.equal(plain.calls.length, 0)
    assert.deepEqual((vision.calls[0]!.json!.messages as Json[])[1].content[0], IMAGE)

    const text = await gateway.post('/v1/chat/completions', {
      model: 'mixed',
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(text.status, 200)
    assert.equal(text.headers.get('x-onekey-provider'), 'plain')
  })

  test('plain text to a text-only model is unaffected', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'textonly',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'user', content: [{ type: 'text', text: 'parts of text are text' }] },
      ],
    })
    assert.equal(response.status, 200)
    assert.equal(plain.calls.length, 1)
  })

  test('a fallback model in `models` that takes the file serves it', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'textonly',
      models: ['reader'],
      messages: withPart(PDF),
    })
    assert.equal(response.status, 200)
    assert.equal(vision.calls.length, 1)
    assert.equal(plain.calls.length, 0)

    const neither = await gateway.post('/v1/chat/completions', {
      model: 'textonly',
      models: ['mixed'],
      messages: withPart(PDF),
    })
    assert.equal(neither.status, 400)
    assert.match((await readJson(neither)).error.message, /nor does any model in `models`/)
  })

  test('the quote says why a lane is unavailable, and picks the offer that takes the input', async () => {
    const refused = await readJson(
      await gateway.post('/api/v1/quote', { model: 'textonly', messages: withPart(PDF) }),
    )
    const cheap = refused.lanes.find((lane: Json) => lane.lane === 'cheap')
    assert.equal(cheap.available, false)
    assert.match(cheap.reason, /`textonly` does not take file input/)

    const narrowed = await readJson(
      await gateway.post('/api/v1/quote', { model: 'mixed', messages: withPart(AUDIO) }),
    )
    assert.match(
      narrowed.lanes.find((lane: Json) => lane.lane === 'cheap').reason,
      /does not take audio input/,
    )

    const image = await readJson(
      await gateway.post('/api/v1/quote', { model: 'mixed', messages: withPart(IMAGE) }),
    )
    const mixed = image.lanes.find((lane: Json) => lane.lane === 'cheap')
    assert.equal(mixed.available, true)
    assert.equal(mixed.offer.provider, 'vision')
    assert.equal(upstreamCalls(), 0)
  })

  test('Responses: an input_image to a text-only model is a 400', async () => {
    const response = await gateway.post('/v1/responses', {
      model: 'textonly',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
            { type: 'input_text', text: 'what is this?' },
          ],
        },
      ],
    })
    assert.equal(response.status, 400)
    const body = await readJson(response)
    assert.equal(body.error.code, 'unsupported_parameter')
    assert.match(body.error.message, /`cheap\/textonly` does not take image input/)
    assert.equal(upstreamCalls(), 0)
  })

  test('a model without `modalities` takes text and images, not files or audio', async () => {
    const image = await gateway.post('/v1/chat/completions', {
      model: 'undeclared',
      messages: withPart(IMAGE),
    })
    assert.equal(image.status, 200)
    for (const part of [PDF, AUDIO]) {
      const response = await gateway.post('/v1/chat/completions', {
        model: 'undeclared',
        messages: withPart(part),
      })
      assert.equal(response.status, 400)
      assert.equal((await readJson(response)).error.code, 'unsupported_parameter')
    }
    assert.equal(plain.calls.length, 1)
    const models = await readJson(
      await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.apiKey}` } }),
    )
    const undeclared = models.data.find((model: Json) => model.id === 'cheap/undeclared')
    assert.deepEqual(undeclared.modalities.input, ['text', 'image'])
  })
})
