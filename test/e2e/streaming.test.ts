import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionStreamChunks, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { fakeProvider, offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]

describe('streaming: no buffering, client disconnect aborts the upstream', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  before(async () => {
    upstream = await startFakeUpstream()
    gateway = await startTestGateway({
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    })
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  test('the first chunk reaches the client while the upstream is still holding the rest', async () => {
    const { promise: held, resolve: release } = Promise.withResolvers<void>()
    upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), waitFor: held })
    const response = await gateway.post('/v1/chat/completions', { model: 'm', messages, stream: true })
    assert.equal(response.status, 200)
    const reader = response.body!.getReader()
    const first = await Promise.race([
      reader.read(),
      sleep(2_000).then(() => assert.fail('first chunk was buffered until the upstream finished')),
    ])
    assert.match(new TextDecoder().decode(first.value), /"role":"assistant"/)
    release()
    let rest = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    assert.match(rest, /data: \[DONE\]\n\n$/)
  })

  test('upstream connections are kept alive and reused, after streams too', async () => {
    upstream.reset()
    for (let index = 0; index < 5; index++) {
      upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks() })
      const response = await gateway.post('/v1/chat/completions', { model: 'm', messages, stream: true })
      assert.match(await response.text(), /\[DONE\]/)
      await (await gateway.post('/v1/chat/completions', { model: 'm', messages })).text()
    }
    const ports = new Set(upstream.calls.map((call) => call.remotePort))
    assert.equal(upstream.calls.length, 10)
    assert.equal(ports.size, 1, `one connection for ten sequential requests, saw ${ports.size}`)
  })

  test('an upstream that keeps talking after [DONE] is cut off once the answer is delivered', async () => {
    upstream.reset()
    const chatter = `data: {"padding":"${'x'.repeat(32 * 1024)}"}\n\n`
    upstream.script({
      kind: 'stream',
      chunks: [...chatCompletionStreamChunks(), ...Array(20).fill(chatter)],
      delayMs: 5,
    })
    const text = await (
      await gateway.post('/v1/chat/completions', { model: 'm', messages, stream: true })
    ).text()
    assert.match(text, /data: \[DONE\]\n\n$/)
    assert.ok(!text.includes('padding'), 'nothing after [DONE] is forwarded')
    const call = upstream.calls[0]!
    for (let waited = 0; call.closedAtMs === undefined && waited < 2_000; waited += 10) await sleep(10)
    assert.ok(call.closedAtMs !== undefined, 'the upstream connection was closed, not left paused')
  })

  test('a client that disconnects mid-stream has its upstream request aborted within 100 ms', async () => {
    upstream.reset()
    upstream.script({
      kind: 'stream',
      chunks: chatCompletionStreamChunks(Array(200).fill('word ')),
      delayMs: 50,
    })
    const body = JSON.stringify({ model: 'm', messages, stream: true })
    const { port } = new URL(gateway.url)
    const disconnectedAt = await new Promise<number>((resolve, reject) => {
      const clientRequest = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        },
        (response) => {
          response.once('data', () => {
            // got the first bytes: now walk away
            const at = performance.now()
            clientRequest.destroy()
            resolve(at)
          })
        },
      )
      clientRequest.on('error', () => {})
      clientRequest.once('timeout', reject)
      clientRequest.end(body)
    })
    const call = upstream.calls[0]!
    for (let waited = 0; call.closedAtMs === undefined && waited < 2_000; waited += 10) await sleep(10)
    assert.ok(call.closedAtMs !== undefined, 'upstream connection closed')
    const delay = call.closedAtMs - disconnectedAt
    assert.ok(delay < 100, `upstream aborted ${delay.toFixed(1)} ms after the client left`)
    await sleep(20)
    const line = gateway.logs.find((log) => log.client_aborted === true)
    assert.ok(line, 'the abort is logged')
  })

  test('a client that disconnects while waiting for a slow first byte aborts the upstream too', async () => {
    upstream.reset()
    upstream.script({
      kind: 'delay',
      ms: 3_000,
      step: { kind: 'stream', chunks: chatCompletionStreamChunks() },
    })
    const controller = new AbortController()
    const pending = gateway
      .post('/v1/chat/completions', { model: 'm', messages, stream: true }, {})
      .catch((error: Error) => error)
    void pending
    const aborted = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, stream: true }),
    }).catch((error: Error) => error)
    for (let waited = 0; upstream.calls.length < 2 && waited < 2_000; waited += 10) await sleep(10)
    const abortedAt = performance.now()
    controller.abort()
    await aborted
    const call = upstream.calls[1]!
    for (let waited = 0; call.closedAtMs === undefined && waited < 2_000; waited += 10) await sleep(10)
    assert.ok(call.closedAtMs !== undefined && call.closedAtMs - abortedAt < 100)
    assert.equal(upstream.calls[0]!.closedAtMs, undefined, 'the other client is still waiting')
  })
})
