import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import {
  anthropicProvider,
  geminiProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex')

describe('image URLs: fetched safely for Gemini, passed as URLs to Anthropic', () => {
  let images: ReturnType<typeof createServer>
  let imagePort: number
  let gemini: FakeProviderServer
  let anthropic: FakeProviderServer
  let gateway: TestGateway
  let imageRequests = 0
  before(async () => {
    images = createServer((_request, response) => {
      imageRequests++
      response.writeHead(200, { 'content-type': 'image/jpeg' })
      response.end(JPEG)
    })
    images.listen(0, '127.0.0.1')
    await once(images, 'listening')
    imagePort = (images.address() as AddressInfo).port
    gemini = await startFakeGemini()
    anthropic = await startFakeAnthropic()
    gateway = await startTestGateway({
      // The test's image server is on loopback: the operator allows that one address.
      upstream: { image_fetch: { allow_hosts: ['127.0.0.1'] } },
      providers: [geminiProvider(gemini.url), anthropicProvider(anthropic.url)],
      models: [
        {
          id: 'gemini',
          capabilities: ['vision'],
          offers: [
            {
              lane: 'resale',
              provider: 'google',
              model: 'gemini-2.5-flash',
              price: { input: 1, output: 1 },
            },
          ],
        },
        {
          id: 'claude',
          capabilities: ['vision'],
          offers: [
            {
              lane: 'resale',
              provider: 'claude',
              model: 'claude-haiku-4-5',
              price: { input: 1, output: 1 },
            },
          ],
        },
      ],
      workspaces: { default_lane: 'resale' },
    })
  })
  after(async () => {
    await gateway?.close()
    await gemini?.close()
    await anthropic?.close()
    images?.closeAllConnections()
    images?.close()
  })

  const ask = (model: string, url: string) =>
    gateway.post('/v1/chat/completions', {
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image_url', image_url: { url } },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
    })

  test('Gemini gets the bytes inline, fetched once for two uses', async () => {
    const before = imageRequests
    const response = await ask('gemini', `http://127.0.0.1:${imagePort}/photo.jpg`)
    assert.equal(response.status, 200)
    const parts = ((gemini.calls.at(-1)!.body.contents as Json[])[0] as Json).parts as Json[]
    assert.deepEqual(parts[1], { inlineData: { mimeType: 'image/jpeg', data: JPEG.toString('base64') } })
    assert.deepEqual(parts[2], parts[1])
    assert.equal(imageRequests, before + 1)
  })

  test('a private address the operator did not allow is a 400, and nothing reaches the upstream', async () => {
    const calls = gemini.calls.length
    const response = await ask('gemini', `http://localhost:${imagePort}/photo.jpg`)
    assert.equal(response.status, 400)
    const error: Json = await readJson(response)
    assert.equal(error.error.code, 'image_fetch_failed')
    assert.equal(error.error.param, 'messages[0].content[1].image_url')
    assert.equal(gemini.calls.length, calls)
  })

  test('Anthropic fetches https URLs itself: the gateway passes them on', async () => {
    const before = imageRequests
    const response = await ask('claude', `https://localhost:${imagePort}/photo.jpg`)
    assert.equal(response.status, 200)
    const content = ((anthropic.calls.at(-1)!.body.messages as Json[])[0] as Json).content as Json[]
    assert.deepEqual(content[1], {
      type: 'image',
      source: { type: 'url', url: `https://localhost:${imagePort}/photo.jpg` },
    })
    assert.equal(imageRequests, before)
  })
})
