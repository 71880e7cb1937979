/**
 * Retries with attempts to spare (issue 20): when every alternative is resting or already
 * tried, the gateway waits for the account whose rest ends first (within
 * `upstream.max_retry_wait_ms`) or retries a 5xx'd account once after a short backoff, instead
 * of answering 503 after one attempt. Each account answers from its own fake upstream
 * (per-account `base_url`), so every case is deterministic whatever the weighted order.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]
const ok = (content: string) => ({ kind: 'json', body: chatCompletionBody(content) }) as const
const rateLimited = (seconds: number) =>
  ({
    kind: 'json',
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: { error: { message: 'slow down' } },
  }) as const
const serverError = { kind: 'json', status: 500, body: { error: { message: 'boom' } } } as const

const ENV = {
  KEY_A: 'sk-retry-wait-a-0123456789',
  KEY_B: 'sk-retry-wait-b-0123456789',
  KEY_P: 'sk-retry-wait-p-0123456789',
}

interface Setup {
  a: FakeUpstream
  b: FakeUpstream
  pooled: FakeUpstream
  gateway: TestGateway
}

const opened: Setup[] = []

/**
 * A gateway whose model `m` is served in the cheap lane by accounts `a` and `b` of provider
 * `pool` (or, with `resale`, in the resale lane by official accounts `a` and `b`, with a pooled
 * account `p` in the cheap lane), each account on its own fake upstream.
 */
async function setup(
  options: { maxRetryWaitMs?: number; resale?: boolean; weightA?: number } = {},
): Promise<Setup> {
  const a = await startFakeUpstream(ok('from a'))
  const b = await startFakeUpstream(ok('from b'))
  const pooled = await startFakeUpstream(ok('from pooled'))
  const trust = options.resale === true ? 'official' : 'pooled'
  const accounts = [
    { name: 'a', api_key_env: 'KEY_A', base_url: a.baseUrl, trust, weight: options.weightA ?? 1 },
    { name: 'b', api_key_env: 'KEY_B', base_url: b.baseUrl, trust },
  ]
  const providers: Record<string, unknown>[] = [
    { name: 'pool', kind: 'openai-compatible', base_url: a.baseUrl, accounts },
  ]
  const offers: Record<string, unknown>[] = [
    {
      lane: options.resale === true ? 'resale' : 'cheap',
      provider: 'pool',
      price: { input: '1', output: '2' },
    },
  ]
  if (options.resale === true) {
    providers.push({
      name: 'other',
      kind: 'openai-compatible',
      base_url: pooled.baseUrl,
      accounts: [{ name: 'p', api_key_env: 'KEY_P' }],
    })
    offers.push({ lane: 'cheap', provider: 'other', price: { input: '0.1', output: '0.2' } })
  }
  const gateway = await startTestGateway(
    {
      upstream: {
        max_attempts: 3,
        failure_threshold: 100,
        ...(options.maxRetryWaitMs === undefined ? {} : { max_retry_wait_ms: options.maxRetryWaitMs }),
      },
      providers,
      models: [{ id: 'm', offers }],
    },
    ENV,
  )
  const result = { a, b, pooled, gateway }
  opened.push(result)
  return result
}

after(async () => {
  for (const { a, b, pooled, gateway } of opened) {
    await gateway.close()
    await Promise.all([a.close(), b.close(), pooled.close()])
  }
})

async function timed(gateway: TestGateway, model: string): Promise<{ response: Response; ms: number }> {
  const started = performance.now()
  const response = await gateway.post('/v1/chat/completions', { model, messages })
  return { response, ms: performance.now() - started }
}

describe('retries wait for a resting account or back off, within max_retry_wait_ms', () => {
  test('A rests after a 429 (Retry-After: 1), B fails with a 500 then recovers: 200, not 503', async () => {
    const { a, b, gateway } = await setup()
    a.fallback = rateLimited(1)
    b.script(serverError)
    const { response, ms } = await timed(gateway, 'm')
    assert.equal(response.status, 200)
    assert.equal((await readJson(response)).choices[0].message.content, 'from b')
    assert.equal(response.headers.get('x-onekey-attempts'), '3')
    assert.equal(a.calls.length, 1)
    assert.equal(b.calls.length, 2)
    assert.ok(ms < 2_000, `answered in ${ms} ms`)
  })

  test('both accounts rate limited, one for a second: the request waits for its rest to end', async () => {
    const { a, b, gateway } = await setup()
    a.script(rateLimited(1))
    b.fallback = rateLimited(30)
    const { response, ms } = await timed(gateway, 'm')
    assert.equal(response.status, 200)
    assert.equal((await readJson(response)).choices[0].message.content, 'from a')
    assert.equal(response.headers.get('x-onekey-attempts'), '3')
    assert.equal(a.calls.length, 2)
    assert.equal(b.calls.length, 1)
    // The second call to A came only after its rest ended.
    const restMs = a.calls[1]!.receivedAtMs - a.calls[0]!.receivedAtMs
    assert.ok(restMs >= 950, `A was retried after ${restMs} ms`)
    assert.ok(ms < 2_500, `answered in ${ms} ms`)
  })

  test('max_retry_wait_ms: 0 keeps the old behaviour: 503 after one attempt per account', async () => {
    // A weighs a million times more than B: it is tried first (so the last failure is B's 500).
    const { a, b, gateway } = await setup({ maxRetryWaitMs: 0, weightA: 1_000_000 })
    a.fallback = rateLimited(1)
    b.script(serverError)
    const { response, ms } = await timed(gateway, 'm')
    assert.equal(response.status, 503)
    assert.equal((await readJson(response)).error.code, 'no_healthy_upstream')
    assert.equal(response.headers.get('x-onekey-attempts'), '2')
    assert.equal(a.calls.length, 1)
    assert.equal(b.calls.length, 1)
    assert.ok(ms < 1_000, `answered in ${ms} ms`)
  })

  test('a rest longer than the bound is not waited for: a fast 429 as before', async () => {
    const { a, b, gateway } = await setup()
    a.fallback = rateLimited(5)
    b.fallback = rateLimited(5)
    const { response, ms } = await timed(gateway, 'm')
    assert.equal(response.status, 429)
    assert.equal((await readJson(response)).error.code, 'upstream_rate_limited')
    assert.equal(response.headers.get('x-onekey-attempts'), '2')
    assert.equal(a.calls.length + b.calls.length, 2)
    assert.ok(ms < 1_000, `answered in ${ms} ms`)
  })

  test('a resale request waits within its lane and never falls back to the pooled account', async () => {
    const { a, b, pooled, gateway } = await setup({ resale: true })
    a.script(rateLimited(1))
    b.fallback = rateLimited(30)
    const { response } = await timed(gateway, 'resale/m')
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('x-onekey-lane'), 'resale')
    assert.equal((await readJson(response)).choices[0].message.content, 'from a')
    assert.equal(a.calls.length, 2)
    assert.equal(b.calls.length, 1)
    assert.equal(pooled.calls.length, 0)

    // Nothing within the bound: the resale request still fails in its lane.
    a.reset()
    b.reset()
    a.fallback = rateLimited(30)
    const failed = await timed(gateway, 'resale/m')
    assert.equal(failed.response.status, 429)
    assert.equal(failed.response.headers.get('x-onekey-lane'), 'resale')
    await failed.response.body?.cancel()
    assert.equal(pooled.calls.length, 0)
  })
})
