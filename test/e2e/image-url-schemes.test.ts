/**
 * Image URL schemes (issue 15, finding 6a): upstreams that fetch image URLs themselves
 * (Anthropic, OpenAI-format providers) get https URLs and base64 data URLs only; `file:`,
 * `gopher:`, `ftp:`, `javascript:`, plain-http metadata addresses and the like are a 400 in
 * OpenAI's envelope naming the part, and the upstream receives nothing. Gemini, whose images
 * the gateway fetches itself, refuses them too.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startFakeAnthropic } from '../fakes/fake-anthropic.ts'
import { startFakeGemini } from '../fakes/fake-gemini.ts'
import type { FakeProviderServer } from '../fakes/fake-provider-server.ts'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  anthropicProvider,
  fakeProvider,
  geminiProvider,
  type Json,
  readJson,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const REFUSED = [
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_FLUSHALL',
  'ftp://example.com/cat.png',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'HTTP://169.254.169.254/latest/meta-data',
  ' http://169.254.169.254/latest/meta-data',
  'https:\\\\169.254.169.254/latest/meta-data',
  'https://user:secret@example.com/cat.png',
  'data:image/png,not-base64',
  'cat.png',
]
const HTTPS_URL = 'https://images.example.com/cat.png'
const DATA_URL = 'data:image/png;base64,iVBORw0KGgo='

const price = { input: 1, output: 1 }

describe('image URL schemes: https and base64 data URLs only for upstreams that fetch them', () => {
  let anthropic: FakeProviderServer
  let gemini: FakeProviderServer
  let openai: FakeUpstream
  let gateway: TestGateway
  before(async () => {
    anthropic = await startFakeAnthropic()
    gemini = await startFakeGemini()
    openai = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
    gateway = await startTestGateway({
      providers: [
        anthropicProvider(anthropic.url),
        geminiProvider(gemini.url),
        fakeProvider('oai', openai.baseUrl, {
          accounts: [{ name: 'a', api_key_env: 'FAKE_KEY_A', trust: 'official' }],
        }),
      ],
      models: [
        {
          id: 'claude',
          capabilities: ['vision'],
          offers: [{ lane: 'resale', provider: 'claude', model: 'claude-haiku-4-5', price }],
        },
        {
          id: 'gemini',
          capabilities: ['vision'],
          offers: [{ lane: 'resale', provider: 'google', model: 'gemini-2.5-flash', price }],
        },
        {
          id: 'gpt',
          capabilities: ['vision'],
          offers: [{ lane: 'resale', provider: 'oai', model: 'gpt-4o-mini', price }],
        },
      ],
      workspaces: { default_lane: 'resale' },
    })
  })
  after(async () => {
    await gateway?.close()
    await anthropic?.close()
    await gemini?.close()
    await openai?.close()
  })

  const ask = (model: string, url: string, extra: Record<string, unknown> = {}) =>
    gateway.post('/v1/chat/completions', {
      model,
      messages: [
        { role: 'user', content: 'hello' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image_url', image_url: { url } },
          ],
        },
      ],
      ...extra,
    })
  const upstreamCalls = () => anthropic.calls.length + gemini.calls.length + openai.calls.length

  async function assertRefused(response: Response, url: string, param?: string): Promise<void> {
    assert.equal(response.status, 400, url)
    const body: Json = await readJson(response)
    assertMatchesOpenAISchema('ErrorResponse', body)
    assert.equal(body.error.type, 'invalid_request_error', url)
    if (param !== undefined) assert.equal(body.error.param, param, url)
  }

  for (const model of ['claude', 'gpt'])
    test(`${model}: non-https URLs are 400s naming the part, and nothing reaches the upstream`, async () => {
      const before = upstreamCalls()
      for (const url of REFUSED) {
        await assertRefused(await ask(model, url), url, 'messages[1].content[1].image_url')
        await assertRefused(await ask(model, url, { stream: true }), url, 'messages[1].content[1].image_url')
      }
      // a string image_url is read the same way
      const response = await gateway.post('/v1/chat/completions', {
        model,
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 'file:///etc/passwd' }] }],
      })
      await assertRefused(response, 'string image_url', 'messages[0].content[0].image_url')
      assert.equal(upstreamCalls(), before)
    })

  test('gemini: the same URLs are refused before any upstream call (the gateway fetches its images)', async () => {
    const before = upstreamCalls()
    for (const url of REFUSED) await assertRefused(await ask('gemini', url), url)
    assert.equal(upstreamCalls(), before)
  })

  test('/v1/responses: an input_image with a file: URL is refused the same way', async () => {
    const before = upstreamCalls()
    const response = await gateway.post('/v1/responses', {
      model: 'claude',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'describe' },
            { type: 'input_image', image_url: 'file:///etc/passwd' },
          ],
        },
      ],
    })
    await assertRefused(response, 'input_image')
    assert.equal(upstreamCalls(), before)
  })

  test('https URLs and base64 data URLs pass: Anthropic gets a url or base64 source', async () => {
    assert.equal((await ask('claude', HTTPS_URL)).status, 200)
    let content = ((anthropic.calls.at(-1)!.body.messages as Json[])[0] as Json).content as Json[]
    assert.deepEqual(content.at(-1), { type: 'image', source: { type: 'url', url: HTTPS_URL } })
    assert.equal((await ask('claude', DATA_URL)).status, 200)
    content = ((anthropic.calls.at(-1)!.body.messages as Json[])[0] as Json).content as Json[]
    assert.deepEqual(content.at(-1), {
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
    })
  })

  test('https URLs and base64 data URLs pass: an OpenAI-format upstream gets them as sent', async () => {
    for (const url of [HTTPS_URL, DATA_URL]) {
      const response = await ask('gpt', url)
      assert.equal(response.status, 200, url)
      await response.arrayBuffer()
      const messages = openai.calls.at(-1)!.json!.messages as Json[]
      assert.deepEqual(messages[1].content[1], { type: 'image_url', image_url: { url } })
    }
  })
})
