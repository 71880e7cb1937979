import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  chatCompletionBody,
  chatCompletionStreamChunks,
  type FakeUpstream,
  startFakeUpstream,
} from '../fakes/fake-upstream.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  offer,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]

describe('upstream faults: retry before the first byte, error event after it', () => {
  let primary: FakeUpstream
  let backup: FakeUpstream
  let gateway: TestGateway
  before(async () => {
    primary = await startFakeUpstream()
    backup = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('from backup') })
    gateway = await startTestGateway({
      upstream: { max_attempts: 3, failure_threshold: 100, cooldown_ms: 60_000 },
      providers: [
        fakeProvider('primary', primary.baseUrl, {
          timeouts: { first_byte_ms: 300, idle_ms: 300 },
          accounts: [{ name: 'only', api_key_env: 'FAKE_KEY_A' }],
        }),
        fakeProvider('backup', backup.baseUrl, { accounts: [{ name: 'only', api_key_env: 'FAKE_KEY_B' }] }),
      ],
      models: [
        { id: 'primary-only', offers: [offer('primary')] },
        {
          id: 'with-backup',
          offers: [offer('primary'), offer('backup', { model: 'backup-model' })],
        },
      ],
    })
  })
  beforeEach(() => {
    primary.reset()
    backup.reset()
    // Each case starts from clean rolling stats: a failing offer is otherwise (rightly) demoted.
    gateway.gateway.stats.reset()
  })
  after(async () => {
    await gateway.close()
    await primary.close()
    await backup.close()
  })

  async function expectError(response: Response, status: number, code: string): Promise<void> {
    assert.equal(response.status, status)
    assert.ok(response.headers.get('x-request-id'))
    const body = await readJson(response)
    assertMatchesOpenAISchema('ErrorResponse', body)
    assert.equal(body.error.code, code)
    assert.ok(!JSON.stringify(body).includes('sk-fake'), 'no upstream key in errors')
  }

  for (const [label, fault] of [
    ['HTTP 500', { kind: 'json', status: 500, body: { error: { message: 'boom' } } }],
    ['HTTP 503', { kind: 'json', status: 503, body: { error: { message: 'overloaded' } } }],
    ['HTTP 429', { kind: 'json', status: 429, body: { error: { message: 'slow down' } } }],
    ['HTTP 408', { kind: 'json', status: 408, body: {} }],
    ['HTTP 409', { kind: 'json', status: 409, body: {} }],
    ['a socket destroyed before headers', { kind: 'destroy' }],
    ['invalid JSON with status 200', { kind: 'raw', body: '{"id": "chatcmpl-' }],
    [
      'an HTML error page',
      { kind: 'raw', status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' },
    ],
  ] as const) {
    test(`${label} falls back to the next route before the first byte`, async () => {
      primary.script(fault)
      const response = await gateway.post('/v1/chat/completions', { model: 'with-backup', messages })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-onekey-provider'), 'backup')
      assert.equal(response.headers.get('x-onekey-model'), 'backup-model')
      assert.equal(response.headers.get('x-onekey-attempts'), '2')
      assert.equal((await readJson(response)).choices[0].message.content, 'from backup')
      assert.equal(primary.calls.length, 1)
      assert.equal(backup.calls.length, 1)
    })
  }

  test('a stream that fails before its first event falls back too', async () => {
    primary.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), cutAfter: 0 })
    backup.script({ kind: 'stream', chunks: chatCompletionStreamChunks(['back', 'up']) })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'with-backup',
      messages,
      stream: true,
    })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-provider'), 'backup')
    const data = await readSseData(response)
    assert.equal(data.at(-1), '[DONE]')
  })

  test('a stream cut after the first bytes ends with one error event, never a clean [DONE]', async () => {
    primary.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), cutAfter: 2 })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'with-backup',
      messages,
      stream: true,
    })
    assert.equal(response.status, 200)
    const data = await readSseData(response)
    assert.ok(!data.includes('[DONE]'))
    const last = JSON.parse(data.at(-1)!)
    assertMatchesOpenAISchema('ErrorResponse', last)
    assert.equal(last.error.type, 'upstream_error')
    assert.equal(data.length, 3, 'two forwarded chunks and the error event')
    assert.equal(backup.calls.length, 0, 'no fallback after bytes reached the client')
  })

  test('a stream that ends cleanly but incomplete is reported as an error', async () => {
    primary.script({ kind: 'stream', chunks: chatCompletionStreamChunks().slice(0, 2) })
    const data = await readSseData(
      await gateway.post('/v1/chat/completions', { model: 'primary-only', messages, stream: true }),
    )
    assert.equal(JSON.parse(data.at(-1)!).error.code, 'upstream_error')
  })

  test('an error event from the upstream mid-stream is passed on as our error event', async () => {
    const chunks = chatCompletionStreamChunks()
    primary.script({
      kind: 'stream',
      chunks: [chunks[0]!, 'data: {"error":{"message":"model crashed"}}\n\n'],
    })
    const data = await readSseData(
      await gateway.post('/v1/chat/completions', { model: 'primary-only', messages, stream: true }),
    )
    assert.equal(data.length, 2)
    assert.equal(JSON.parse(data[1]!).error.code, 'upstream_error')
  })

  test('slow first byte: first-byte timeout moves on, or answers 504 when nothing is left', async () => {
    // undici's timers tick at about 0.5 s, so the upstream's delay is far above the 300 ms timeout
    primary.script({ kind: 'delay', ms: 4_000, step: { kind: 'json', body: chatCompletionBody() } })
    const fallback = await gateway.post('/v1/chat/completions', { model: 'with-backup', messages })
    assert.equal(fallback.status, 200)
    assert.equal(fallback.headers.get('x-onekey-provider'), 'backup')
    await fallback.text()

    primary.script({ kind: 'delay', ms: 4_000, step: { kind: 'json', body: chatCompletionBody() } })
    const started = performance.now()
    await expectError(
      await gateway.post('/v1/chat/completions', { model: 'primary-only', messages }),
      504,
      'upstream_timeout',
    )
    const elapsed = performance.now() - started
    assert.ok(elapsed < 3_000, `the timeout, not the upstream, ended the wait (${elapsed} ms)`)
  })

  test('idle timeout mid-stream ends the stream with an error event', async () => {
    primary.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), delayMs: 4_000 })
    const data = await readSseData(
      await gateway.post('/v1/chat/completions', { model: 'primary-only', messages, stream: true }),
    )
    assert.equal(data.length, 2)
    assert.equal(JSON.parse(data[1]!).error.code, 'upstream_timeout')
  })

  test('exhausted retries: 429 keeps Retry-After; nothing healthy left is 503', async () => {
    primary.script({ kind: 'json', status: 429, body: {}, headers: { 'retry-after': '7' } })
    const limited = await gateway.post('/v1/chat/completions', { model: 'primary-only', messages })
    assert.equal(limited.headers.get('retry-after'), '7')
    assert.equal(limited.headers.get('retry-after-ms'), '7000')
    await expectError(limited, 429, 'upstream_rate_limited')
    // the 429 rested the only account for 7 s: the next request finds nothing healthy
    await expectError(
      await gateway.post('/v1/chat/completions', { model: 'primary-only', messages }),
      503,
      'no_healthy_upstream',
    )
  })

  test('a request the upstream rejects (400) is not retried and keeps its message, scrubbed', async () => {
    const other = await startTestGateway({
      providers: [fakeProvider('primary', primary.baseUrl)],
      models: [{ id: 'm', offers: [offer('primary')] }],
    })
    try {
      primary.script({
        kind: 'json',
        status: 400,
        body: {
          error: {
            message: 'max_tokens is too large; key sk-fake-account-a-0123456789',
            param: 'max_tokens',
            code: null,
          },
        },
      })
      const response = await other.post('/v1/chat/completions', { model: 'm', messages })
      assert.equal(response.status, 400)
      const body = await readJson(response)
      assertMatchesOpenAISchema('ErrorResponse', body)
      assert.equal(body.error.param, 'max_tokens')
      assert.match(body.error.message, /max_tokens is too large/)
      assert.ok(!body.error.message.includes('sk-fake'))
      assert.equal(primary.calls.length, 1)

      primary.script(
        { kind: 'json', status: 500, body: {} },
        { kind: 'json', status: 502, body: {} },
        { kind: 'json', status: 500, body: {} },
      )
      const failed = await other.post('/v1/chat/completions', { model: 'm', messages })
      assert.equal(failed.headers.get('x-onekey-attempts'), '2', 'two accounts, each tried once')
      await expectError(failed, 503, 'no_healthy_upstream')
    } finally {
      await other.close()
    }
  })
})

describe('accounts: weights, credentials rejected, circuit breaker', () => {
  test('a 401 moves to the other account and opens the circuit; a half-open probe closes it', async () => {
    const upstream = await startFakeUpstream()
    const gateway = await startTestGateway({
      upstream: { cooldown_ms: 200 },
      providers: [fakeProvider('fake', upstream.baseUrl)],
      models: [{ id: 'm', offers: [offer('fake')] }],
    })
    try {
      upstream.script({
        kind: 'json',
        status: 401,
        body: { error: { message: 'Incorrect API key provided: sk-fake-a***' } },
      })
      const first = await gateway.post('/v1/chat/completions', { model: 'm', messages })
      assert.equal(first.status, 200)
      assert.equal(first.headers.get('x-onekey-attempts'), '2')
      await first.text()
      assert.equal(upstream.calls.length, 2)
      assert.notEqual(upstream.calls[0]!.headers.authorization, upstream.calls[1]!.headers.authorization)
      const snapshot = gateway.gateway.health.snapshot()
      const open = snapshot.filter((circuit) => circuit.state === 'open')
      assert.equal(open.length, 1, 'the rejected account is open')
      const openAccount = open[0]!.account
      const before = upstream.calls.length
      for (let index = 0; index < 5; index++) {
        const response = await gateway.post('/v1/chat/completions', { model: 'm', messages })
        assert.equal(response.status, 200)
        await response.text()
      }
      const otherKey = upstream.calls.slice(before).map((call) => call.headers.authorization)
      assert.equal(new Set(otherKey).size, 1, 'while open, only the healthy account is used')
      await sleep(250)
      for (let index = 0; index < 20; index++) {
        await (await gateway.post('/v1/chat/completions', { model: 'm', messages })).text()
      }
      const state = gateway.gateway.health.snapshot().find((circuit) => circuit.account === openAccount)
      assert.equal(state?.state, 'closed', 'a successful probe after the cool-down closed the circuit')
    } finally {
      await gateway.close()
      await upstream.close()
    }
  })

  test('accounts are picked by weight', async () => {
    const upstream = await startFakeUpstream()
    const gateway = await startTestGateway({
      providers: [
        fakeProvider('fake', upstream.baseUrl, {
          accounts: [
            { name: 'heavy', api_key_env: 'FAKE_KEY_A', weight: 4 },
            { name: 'light', api_key_env: 'FAKE_KEY_B', weight: 1 },
          ],
        }),
      ],
      models: [{ id: 'm', offers: [offer('fake')] }],
    })
    try {
      for (let index = 0; index < 200; index++) {
        await (await gateway.post('/v1/chat/completions', { model: 'm', messages })).text()
      }
      const heavy = upstream.calls.filter((call) => call.headers.authorization?.includes('account-a')).length
      assert.ok(heavy > 130 && heavy < 190, `heavy account got ${heavy} of 200, expected about 160`)
    } finally {
      await gateway.close()
      await upstream.close()
    }
  })
})
