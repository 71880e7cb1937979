import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { type Json, offer, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]

async function expectError(response: Response, status: number, code: string): Promise<Json> {
  assert.equal(response.status, status, `status for ${code}`)
  assert.match(response.headers.get('x-request-id') ?? '', /\S/)
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
  const body = await readJson(response)
  assertMatchesOpenAISchema('ErrorResponse', body)
  assert.equal(body.error.code, code)
  assert.ok(!/\n\s+at /.test(body.error.message), 'no stack trace')
  return body
}

describe('HTTP errors: one envelope everywhere', () => {
  let gateway: TestGateway
  before(async () => {
    gateway = await startTestGateway({
      server: { port: 0, body_limit_bytes: 1024 },
      auth: { cache_ttl_ms: 50 },
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
    })
  })
  after(() => gateway.close())

  test('unknown route → 404, wrong method → 405 with Allow', async () => {
    await expectError(await fetch(`${gateway.url}/v1/unknown`), 404, 'route_not_found')
    await expectError(await fetch(`${gateway.url}/nowhere`), 404, 'route_not_found')
    // `/` is the public site's home page (a redirect to the console when `site.pages.home` is off).
    const root = await fetch(`${gateway.url}/`, { redirect: 'manual' })
    assert.equal(root.status, 200)
    assert.match(root.headers.get('content-type') ?? '', /^text\/html/)
    const wrongMethod = await fetch(`${gateway.url}/v1/chat/completions`)
    assert.equal(wrongMethod.headers.get('allow'), 'POST')
    await expectError(wrongMethod, 405, 'method_not_allowed')
    await expectError(
      await fetch(`${gateway.url}/v1/models/x`, { method: 'DELETE' }),
      405,
      'method_not_allowed',
    )
  })

  test('body over the limit → 413, declared or streamed', async () => {
    const big = JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'x'.repeat(2000) }] })
    await expectError(await gateway.post('/v1/chat/completions', big), 413, 'request_too_large')
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big))
        controller.close()
      },
    })
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}` },
      body: chunked,
      duplex: 'half',
    } as RequestInit)
    await expectError(response, 413, 'request_too_large')
  })

  test('invalid JSON, a non-object body, an empty body, bad fields → 400 naming the problem', async () => {
    await expectError(await gateway.post('/v1/chat/completions', '{"model":'), 400, 'invalid_json')
    await expectError(await gateway.post('/v1/chat/completions', '[1,2]'), 400, 'invalid_body')
    await expectError(await gateway.post('/v1/chat/completions', '"text"'), 400, 'invalid_body')
    await expectError(await gateway.post('/v1/chat/completions', ''), 400, 'invalid_body')
    const body = await expectError(
      await gateway.post('/v1/chat/completions', { model: 'sim-echo', messages: [{ content: 'no role' }] }),
      400,
      'invalid_parameter',
    )
    assert.equal(body.error.param, 'messages[0].role')
  })

  test('missing, malformed, unknown keys → 401', async () => {
    const unauthenticated = (authorization?: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: authorization ? { authorization } : {},
        body: JSON.stringify({ model: 'sim-echo', messages }),
      })
    await expectError(await unauthenticated(), 401, 'invalid_api_key')
    await expectError(await unauthenticated('Bearer nope'), 401, 'invalid_api_key')
    await expectError(await unauthenticated(`Basic ${gateway.apiKey}`), 401, 'invalid_api_key')
    const lowercase = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `bearer ${gateway.apiKey}` },
    })
    assert.equal(lowercase.status, 200, 'the auth scheme is case-insensitive')
    await lowercase.text()
    await expectError(await unauthenticated(`Bearer okm-sk-${'A'.repeat(40)}`), 401, 'invalid_api_key')
    await expectError(await fetch(`${gateway.url}/v1/models`), 401, 'invalid_api_key')
  })

  test('a revoked key is refused within the cache TTL; an expired key is refused', async () => {
    const { key, record } = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'temp',
    })
    const call = () =>
      gateway.post(
        '/v1/chat/completions',
        { model: 'sim-echo', messages },
        { authorization: `Bearer ${key}` },
      )
    assert.equal((await call()).status, 200, 'works before revocation (and is now cached)')
    await gateway.service.revokeApiKey(record.id)
    let refused = false
    for (let attempt = 0; attempt < 50 && !refused; attempt++) {
      const response = await call()
      if (response.status === 401) {
        refused = true
        assert.match((await readJson(response)).error.message, /revoked/)
      } else await response.text()
      await sleep(20)
    }
    assert.ok(refused, 'revocation seen within 1 s with a 50 ms cache TTL')

    const expiring = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'short',
      expiresAt: new Date(Date.now() + 300),
    })
    const withExpiring = () =>
      gateway.post(
        '/v1/chat/completions',
        { model: 'sim-echo', messages },
        { authorization: `Bearer ${expiring.key}` },
      )
    assert.equal((await withExpiring()).status, 200)
    await sleep(350)
    const body = await expectError(await withExpiring(), 401, 'invalid_api_key')
    assert.match(body.error.message, /expired/)
  })

  test('x-request-id: a sane incoming one is kept, anything else replaced', async () => {
    const kept = await fetch(`${gateway.url}/healthz`, { headers: { 'x-request-id': 'trace-abc.123' } })
    assert.equal(kept.headers.get('x-request-id'), 'trace-abc.123')
    const replaced = await fetch(`${gateway.url}/healthz`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    })
    assert.match(replaced.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/)
  })

  test('healthz and readyz answer', async () => {
    assert.deepEqual(await readJson(await fetch(`${gateway.url}/healthz`)), { status: 'ok' })
    assert.deepEqual(await readJson(await fetch(`${gateway.url}/readyz`)), { status: 'ready' })
  })

  test('malformed HTTP gets a 400 in the envelope, with a request ID', async () => {
    const { port } = new URL(gateway.url)
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('BLAH / HTTP/1.1\r\nHost: x\r\n\r\n'),
      )
      let text = ''
      socket.on('data', (chunk) => {
        text += chunk.toString()
      })
      socket.on('close', () => resolve(text))
    })
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.match(raw, /x-request-id: req_/)
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))
    assertMatchesOpenAISchema('ErrorResponse', body)
  })

  test('a gateway fault is a 500 with no internals (storage closed under a fresh key)', async () => {
    const broken = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
    })
    try {
      const { key: brokenKey } = await broken.service.createApiKey({
        workspace: broken.workspaceId,
        name: 'x',
      })
      await broken.gateway.store.close()
      const response = await fetch(`${broken.url}/v1/models`, {
        headers: { authorization: `Bearer ${brokenKey}` },
      })
      const body = await expectError(response, 500, 'internal_error')
      assert.equal(body.error.message, 'The gateway failed to process the request.')
      assert.equal(body.error.type, 'server_error')
      await sleep(20)
      assert.ok(
        broken.logs.some((log) => log.msg === 'unhandled error'),
        'the fault is logged server-side',
      )
      await expectError(await fetch(`${broken.url}/readyz`), 503, 'storage_unavailable')
    } finally {
      await broken.gateway.close(100)
    }
  })
})
