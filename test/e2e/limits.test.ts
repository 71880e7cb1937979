/**
 * Rate-limit tiers on requests: RPM, TPM and concurrency, per workspace and per key, with
 * OpenAI's headers; slots freed when a stream ends, fails or its client leaves; and the same
 * limits across two instances sharing Redis.
 */
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { type AddressInfo, connect, createServer } from 'node:net'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chatCompletionBody, chatCompletionStreamChunks, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { redisSkipReason, TEST_REDIS_URL } from '../helpers/backends.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import { fakeProvider, offer, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const messages = [{ role: 'user', content: 'hi' }]

/** Limits count in fixed minute windows: a test that counts to the limit starts well inside one. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000
  if (intoMinute > 50_000) await sleep(60_000 - intoMinute + 100)
}

function document(baseUrl: string, tier: { rpm: number; tpm: number; concurrency: number }, extra = {}) {
  return {
    providers: [fakeProvider('fake', baseUrl)],
    models: [{ id: 'm', offers: [offer('fake')] }],
    limits: { default_tier: 'small', tiers: { small: tier } },
    ...extra,
  }
}

const chat = (gateway: TestGateway, key: string, body: Record<string, unknown> = {}, signal?: AbortSignal) =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages, max_tokens: 10, ...body }),
    ...(signal === undefined ? {} : { signal }),
  })

const skipRedis = await redisSkipReason()

/**
 * The same gateway behaviour on the in-process limiter (checked synchronously) and on Redis
 * (each admission one script call, each finish another).
 */
const backends: { name: string; skip: string | false; extra: () => Record<string, unknown> }[] = [
  { name: 'memory limiter', skip: false, extra: () => ({}) },
  {
    name: 'Redis limiter',
    skip: skipRedis,
    extra: () => ({ redis: { url: TEST_REDIS_URL, key_prefix: `onekey-test:${randomUUID()}:` } }),
  },
]

for (const backend of backends)
  describe(`rate limits in one process (${backend.name})`, { skip: backend.skip }, () => {
    test('requests per minute: workspace and key, with OpenAI headers and a 429 that names the limit', async () => {
      await awayFromMinuteBoundary()
      const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
      const gateway = await startTestGateway(
        document(upstream.baseUrl, { rpm: 3, tpm: 1_000_000, concurrency: 10 }, backend.extra()),
      )
      try {
        const first = await chat(gateway, gateway.apiKey)
        assert.equal(first.status, 200)
        assert.equal(first.headers.get('x-ratelimit-limit-requests'), '3')
        assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '2')
        assert.match(first.headers.get('x-ratelimit-reset-requests') ?? '', /^(1m)?\d+s$/)
        assert.equal(first.headers.get('x-ratelimit-limit-tokens'), '1000000')
        await chat(gateway, gateway.apiKey)
        await chat(gateway, gateway.apiKey)
        const refused = await chat(gateway, gateway.apiKey)
        assert.equal(refused.status, 429)
        assert.ok(Number(refused.headers.get('retry-after')) >= 1)
        assert.equal(refused.headers.get('x-ratelimit-remaining-requests'), '0')
        const body = await readJson(refused)
        assertMatchesOpenAISchema('ErrorResponse', body)
        assert.equal(body.error.code, 'rate_limit_exceeded')
        assert.match(body.error.message, /this workspace: 3 requests per minute/)
        assert.equal(upstream.calls.length, 3, 'a refused request never reaches the upstream')

        const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
        assert.match(
          metrics,
          /^onekey_requests_total\{path="\/v1\/chat\/completions",lane="cheap",provider="fake",status="200"\} 3$/m,
        )
        assert.match(metrics, /^onekey_rate_limit_decisions_total\{result="refused"\} 1$/m)
        assert.match(metrics, /^onekey_request_duration_seconds_count\{lane="cheap"\} \d+$/m)
        assert.match(metrics, /^onekey_charged_nano_usd_total\{lane="cheap"\} \d+$/m)
        assert.match(metrics, /^onekey_in_flight_requests \d+$/m)

        const other = await startTestGateway(
          document(upstream.baseUrl, { rpm: 100, tpm: 1_000_000, concurrency: 10 }, backend.extra()),
        )
        try {
          const { key } = await other.service.createApiKey({
            workspace: other.workspaceId,
            name: 'tight',
            limits: { rpm: 1 },
          })
          assert.equal((await chat(other, key)).status, 200)
          const byKey = await chat(other, key)
          assert.equal(byKey.status, 429)
          assert.match((await readJson(byKey)).error.message, /this key: 1 requests per minute/)
          assert.equal(
            (await chat(other, other.apiKey)).status,
            200,
            "the workspace's other keys are not affected",
          )
        } finally {
          await other.close()
        }
      } finally {
        await gateway.close()
        await upstream.close()
      }
    })

    test('tokens per minute are charged at admission (prompt + max output)', async () => {
      const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
      const gateway = await startTestGateway(
        document(upstream.baseUrl, { rpm: 100, tpm: 1_000, concurrency: 10 }, backend.extra()),
      )
      try {
        const big = await chat(gateway, gateway.apiKey, { max_tokens: 2_000 })
        assert.equal(big.status, 429)
        assert.match((await readJson(big)).error.message, /1000 tokens per minute/)
        assert.equal((await chat(gateway, gateway.apiKey, { max_tokens: 100 })).status, 200)
        // ~700 tokens charged at admission, ~20 used: the rest comes back, so this one fits again
        assert.equal((await chat(gateway, gateway.apiKey, { max_tokens: 690 })).status, 200)
        // a request that fails upstream gives every token back
        upstream.script({ kind: 'json', status: 500, body: {} }, { kind: 'json', status: 500, body: {} })
        assert.equal((await chat(gateway, gateway.apiKey, { max_tokens: 690 })).status, 503)
        assert.equal((await chat(gateway, gateway.apiKey, { max_tokens: 690 })).status, 200)
      } finally {
        await gateway.close()
        await upstream.close()
      }
    })

    test('a concurrency slot is held for the whole stream and freed when it ends, fails or its client leaves', async () => {
      const upstream = await startFakeUpstream()
      const gateway = await startTestGateway(
        document(upstream.baseUrl, { rpm: 1_000, tpm: 10_000_000, concurrency: 1 }, backend.extra()),
      )
      try {
        const { promise: gate, resolve: release } = Promise.withResolvers<void>()
        upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), waitFor: gate })
        const open = await chat(gateway, gateway.apiKey, { stream: true })
        assert.equal(open.status, 200)
        const second = await chat(gateway, gateway.apiKey)
        assert.equal(second.status, 429)
        assert.match((await readJson(second)).error.message, /1 concurrent requests/)
        release()
        await open.text()
        assert.equal((await chat(gateway, gateway.apiKey)).status, 200, 'freed when the stream ended')

        upstream.script({ kind: 'json', status: 500, body: {} }, { kind: 'json', status: 500, body: {} })
        assert.equal((await chat(gateway, gateway.apiKey)).status, 503)
        assert.equal((await chat(gateway, gateway.apiKey)).status, 200, 'freed after an upstream failure')

        upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), delayMs: 5_000 })
        const controller = new AbortController()
        const abandoned = await chat(gateway, gateway.apiKey, { stream: true }, controller.signal)
        assert.equal(abandoned.status, 200)
        controller.abort()
        let status = 0
        for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
          await sleep(20)
          status = (await chat(gateway, gateway.apiKey)).status
        }
        assert.equal(status, 200, 'freed when the client left')
      } finally {
        await gateway.close()
        await upstream.close()
      }
    })
  })

describe('long requests', () => {
  test('a stream longer than the slot lease keeps its slot (the lease is renewed while it runs)', async () => {
    const upstream = await startFakeUpstream()
    const gateway = await startTestGateway(
      document(
        upstream.baseUrl,
        { rpm: 1_000, tpm: 10_000_000, concurrency: 1 },
        {
          limits: {
            default_tier: 'small',
            tiers: { small: { rpm: 1_000, tpm: 10_000_000, concurrency: 1 } },
            concurrency_lease_ms: 300,
          },
        },
      ),
    )
    try {
      const { promise: gate, resolve: release } = Promise.withResolvers<void>()
      upstream.script({ kind: 'stream', chunks: chatCompletionStreamChunks(), waitFor: gate })
      const open = await chat(gateway, gateway.apiKey, { stream: true })
      await sleep(700)
      assert.equal((await chat(gateway, gateway.apiKey)).status, 429, 'still held after two lease terms')
      release()
      await open.text()
      assert.equal((await chat(gateway, gateway.apiKey)).status, 200)
    } finally {
      await gateway.close()
      await upstream.close()
    }
  })
})

describe('rate limits across two instances sharing Redis', { skip: skipRedis }, () => {
  test('a 20 RPM workspace gets exactly 20 successes across both; a 2-concurrent one never has 3 upstream', async () => {
    await awayFromMinuteBoundary()
    const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok'), delayMs: 400 })
    const prefix = `onekey-test:${randomUUID()}:`
    const shared = { redis: { url: TEST_REDIS_URL, key_prefix: prefix } }
    const one = await startTestGateway(
      document(upstream.baseUrl, { rpm: 20, tpm: 10_000_000, concurrency: 2 }, shared),
    )
    // the second instance serves the same workspace: it shares the first one's store
    const two = await startTestGateway(
      document(upstream.baseUrl, { rpm: 20, tpm: 10_000_000, concurrency: 2 }, shared),
      {},
      { store: one.store, workspaceName: 'second', credit: '0' },
    )
    try {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          chat(index % 2 === 0 ? one : two, one.apiKey).then((r) => r.status),
        ),
      )
      // Two at once; on a slow machine a late request of the burst may find a slot freed already,
      // so the invariant checked is the peak below, and the minute's total after it.
      const burstSuccesses = statuses.filter((status) => status === 200).length
      assert.ok(
        burstSuccesses >= 2 && burstSuccesses < 30,
        `two at once, the rest refused (got ${burstSuccesses})`,
      )
      let peak = 0
      for (const call of upstream.calls) {
        const overlapping = upstream.calls.filter(
          (other) =>
            other.receivedAtMs <= call.receivedAtMs && (other.closedAtMs ?? Infinity) > call.receivedAtMs,
        ).length
        peak = Math.max(peak, overlapping)
      }
      assert.ok(peak <= 2, `never more than 2 upstream at once (saw ${peak})`)
      upstream.fallback = { kind: 'json', body: chatCompletionBody('ok') } // no delay from here on

      // one at a time: exactly 20 per minute window across both instances (the burst's successes
      // count too; the burst and this run must share one fixed minute window)
      const sequential: number[] = []
      for (let index = 0; index < 24; index++)
        sequential.push((await chat(index % 2 === 0 ? two : one, one.apiKey)).status)
      assert.equal(sequential.filter((status) => status === 200).length + burstSuccesses, 20)
      assert.ok(sequential.slice(-4).every((status) => status === 429))
    } finally {
      await two.close()
      await one.close()
      await upstream.close()
    }
  })
})

/** A Redis of this test's own (so it can be stopped), on a free port. */
async function startOwnRedis(): Promise<{ url: string; stop(): void } | string> {
  const probe = spawnSync('redis-server', ['--version'])
  if (probe.error !== undefined) return 'redis-server is not installed'
  const port = await new Promise<number>((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo
      server.close(() => resolve(free))
    })
  })
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  )
  for (let attempt = 0; attempt < 100; attempt++) {
    const ready = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.on('connect', () => socket.write('PING\r\n'))
      socket.on('data', (data) => {
        socket.destroy()
        resolve(data.toString().startsWith('+PONG'))
      })
      socket.on('error', () => resolve(false))
    })
    if (ready) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
    await sleep(50)
  }
  child.kill('SIGKILL')
  return 'redis-server did not start'
}

describe('when the shared limiter is unreachable', { skip: skipRedis }, () => {
  for (const policy of ['fail_closed', 'local'] as const) {
    test(`${policy}: never silent`, async () => {
      const redis = await startOwnRedis()
      if (typeof redis === 'string') {
        if (process.env.CI === 'true') assert.fail(redis)
        return
      }
      const upstream = await startFakeUpstream({ kind: 'json', body: chatCompletionBody('ok') })
      const gateway = await startTestGateway(
        document(
          upstream.baseUrl,
          { rpm: 100, tpm: 1_000_000, concurrency: 10 },
          {
            redis: { url: redis.url },
            limits: {
              default_tier: 'small',
              tiers: { small: { rpm: 100, tpm: 1_000_000, concurrency: 10 } },
              on_redis_failure: policy,
            },
          },
        ),
      )
      try {
        assert.equal((await chat(gateway, gateway.apiKey)).status, 200)
        assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200)
        redis.stop()
        await sleep(100)
        const during = await chat(gateway, gateway.apiKey)
        const readiness = await fetch(`${gateway.url}/readyz`)
        if (policy === 'fail_closed') {
          assert.equal(during.status, 503)
          assert.equal((await readJson(during)).error.code, 'rate_limiter_unavailable')
          assert.equal(readiness.status, 503)
          assert.equal((await readJson(readiness)).error.code, 'rate_limiter_unavailable')
        } else {
          assert.equal(during.status, 200, 'counted on this instance instead')
          assert.equal(readiness.status, 200)
          assert.equal((await readJson(readiness)).status, 'degraded')
        }
        assert.ok(
          gateway.logs.some((line) => line.msg === 'rate limiter unreachable' && line.policy === policy),
          'a warning was logged',
        )
      } finally {
        redis.stop()
        await gateway.close()
        await upstream.close()
      }
    })
  }
})
