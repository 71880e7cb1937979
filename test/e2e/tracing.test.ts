/**
 * OpenTelemetry tracing end to end: a real gateway exports to a fake collector on loopback that
 * decodes OTLP (protobuf and JSON). One trace per request (SERVER span, `admission`, a CLIENT
 * span per upstream attempt, `settlement`), the GenAI and `onekey.*` attributes, fallbacks,
 * an incoming `traceparent` continued but never forwarded, sampling, no secrets in any attribute,
 * and nothing at all (not even the SDK's modules) when tracing is off.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, beforeEach, describe, test } from 'node:test'
import {
  chatCompletionBody,
  chatCompletionStreamChunks,
  type FakeUpstream,
  startFakeUpstream,
} from '../fakes/fake-upstream.ts'
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../fakes/otlp-receiver.ts'
import { fakeProvider, offer, startTestGateway, TEST_ENV, type TestGateway } from '../helpers/test-gateway.ts'

const PROMPT = 'tell me the launch code PROMPT-TEXT-7f3a9c'
const ANSWER = 'the answer is COMPLETION-TEXT-41be'
const INCOMING_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const INCOMING_SPAN_ID = '00f067aa0ba902b7'
const SERVER = 2
const CLIENT = 3
const ERROR = 2

function gatewayDocument(primary: FakeUpstream, backup: FakeUpstream): Record<string, unknown> {
  return {
    upstream: { max_attempts: 3, failure_threshold: 100, cooldown_ms: 60_000 },
    providers: [
      fakeProvider('primary', primary.baseUrl, {
        accounts: [{ name: 'acct-one', api_key_env: 'FAKE_KEY_A' }],
      }),
      fakeProvider('backup', backup.baseUrl, { accounts: [{ name: 'acct-two', api_key_env: 'FAKE_KEY_B' }] }),
    ],
    models: [
      { id: 'solo', offers: [offer('primary', { model: 'solo-upstream' })] },
      { id: 'with-backup', offers: [offer('primary'), offer('backup', { model: 'backup-model' })] },
    ],
  }
}

const chat = (model: string) => ({ model, max_tokens: 50, messages: [{ role: 'user', content: PROMPT }] })

/** The spans of one trace, by name. */
function traceOf(spans: ReceivedSpan[], traceId: string): ReceivedSpan[] {
  return spans.filter((span) => span.traceId === traceId)
}

function rootOf(spans: ReceivedSpan[], requestId: string): ReceivedSpan | undefined {
  return spans.find((span) => span.kind === SERVER && span.attributes['onekey.request_id'] === requestId)
}

/** Waits for a request's whole trace: its root and, when charged, its settlement. */
async function waitForTrace(
  receiver: OtlpReceiver,
  requestId: string,
  settled = true,
): Promise<ReceivedSpan[]> {
  let trace: ReceivedSpan[] = []
  await receiver.waitFor((spans) => {
    const root = rootOf(spans, requestId)
    if (root === undefined) return false
    trace = traceOf(spans, root.traceId)
    return !settled || trace.some((span) => span.name === 'settlement')
  })
  return trace
}

function loadedSdkModules(): string[] {
  const require = createRequire(import.meta.url)
  return Object.keys(require.cache).filter((path) => path.includes('@opentelemetry/'))
}

describe('tracing off (no OTEL_* endpoint)', () => {
  test('no span leaves, no OpenTelemetry module is loaded, requests carry no trace', async () => {
    const receiver = await startOtlpReceiver()
    const primary = await startFakeUpstream({ kind: 'json', body: chatCompletionBody(ANSWER) })
    const backup = await startFakeUpstream()
    // A sampler set without an endpoint does not switch tracing on.
    const gateway = await startTestGateway(gatewayDocument(primary, backup), {
      OTEL_SERVICE_NAME: 'onekey-off',
      OTEL_TRACES_SAMPLER: 'always_on',
    })
    try {
      assert.equal(gateway.config.tracing, null)
      const response = await gateway.post('/v1/chat/completions', chat('solo'), {
        traceparent: `00-${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-01`,
      })
      assert.equal(response.status, 200)
      await response.text()
    } finally {
      await gateway.close()
      await primary.close()
      await backup.close()
    }
    assert.deepEqual(receiver.exports, [])
    // This file's first gateway ran without tracing: the SDK was never imported in this process.
    assert.deepEqual(loadedSdkModules(), [])
    await receiver.close()
  })
})

describe('tracing over OTLP/HTTP protobuf', () => {
  let receiver: OtlpReceiver
  let primary: FakeUpstream
  let backup: FakeUpstream
  let gateway: TestGateway
  before(async () => {
    receiver = await startOtlpReceiver()
    primary = await startFakeUpstream({ kind: 'json', body: chatCompletionBody(ANSWER) })
    backup = await startFakeUpstream({ kind: 'json', body: chatCompletionBody(ANSWER, 'backup-model') })
    gateway = await startTestGateway(gatewayDocument(primary, backup), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=collector%20secret-9d2e',
      OTEL_BSP_SCHEDULE_DELAY: '20',
    })
  })
  beforeEach(() => {
    primary.reset()
    backup.reset()
    gateway.gateway.stats.reset()
  })
  after(async () => {
    await gateway.close()
    await primary.close()
    await backup.close()
    await receiver.close()
  })

  test('one trace per request: SERVER root, admission, a CLIENT attempt, settlement, with GenAI attributes', async () => {
    const response = await gateway.post('/v1/chat/completions', chat('solo'))
    assert.equal(response.status, 200)
    await response.json()
    const requestId = response.headers.get('x-request-id')!
    const trace = await waitForTrace(receiver, requestId)
    assert.deepEqual(trace.map((span) => span.name).sort(), [
      'admission',
      'chat solo',
      'chat solo-upstream',
      'settlement',
    ])
    const root = trace.find((span) => span.kind === SERVER)!
    assert.equal(root.name, 'chat solo')
    assert.equal(root.parentSpanId, '')
    for (const span of trace) if (span !== root) assert.equal(span.parentSpanId, root.spanId, span.name)
    assert.equal(root.protocol, 'protobuf')
    assert.equal(root.resource['service.name'], 'onekey')
    assert.deepEqual(
      {
        operation: root.attributes['gen_ai.operation.name'],
        requestModel: root.attributes['gen_ai.request.model'],
        responseModel: root.attributes['gen_ai.response.model'],
        maxTokens: root.attributes['gen_ai.request.max_tokens'],
        input: root.attributes['gen_ai.usage.input_tokens'],
        output: root.attributes['gen_ai.usage.output_tokens'],
        lane: root.attributes['onekey.lane'],
        cost: root.attributes['onekey.cost'],
        workspace: root.attributes['onekey.workspace_id'],
        status: root.attributes['http.response.status_code'],
        attempts: root.attributes['onekey.attempts'],
      },
      {
        operation: 'chat',
        requestModel: 'solo',
        responseModel: 'solo-upstream',
        maxTokens: 50,
        input: 9,
        output: 3,
        lane: 'cheap',
        // 9 prompt tokens at $1/M + 3 output tokens at $2/M, as an exact decimal string.
        cost: '0.000015',
        workspace: gateway.workspaceId,
        status: 200,
        attempts: 1,
      },
    )
    assert.match(String(root.attributes['onekey.key_id']), /\S/)
    assert.equal(root.status.code, 0)

    const attempt = trace.find((span) => span.kind === CLIENT)!
    assert.equal(attempt.attributes['gen_ai.request.model'], 'solo-upstream')
    assert.equal(attempt.attributes['gen_ai.provider.name'], 'openai-compatible')
    assert.equal(attempt.attributes['gen_ai.system'], 'openai-compatible')
    assert.equal(attempt.attributes['onekey.provider'], 'primary')
    assert.equal(attempt.attributes['onekey.account'], 'acct-one')
    assert.equal(attempt.attributes['onekey.lane'], 'cheap')
    assert.equal(attempt.attributes['server.address'], '127.0.0.1')
    assert.equal(attempt.attributes['http.response.status_code'], 200)
    assert.equal(attempt.attributes['error.type'], undefined)

    const settlement = trace.find((span) => span.name === 'settlement')!
    assert.equal(settlement.attributes['onekey.cost'], '0.000015')
    assert.equal(settlement.attributes['onekey.charged'], '0.000015')
    // The collector's headers came from OTEL_EXPORTER_OTLP_HEADERS (percent-decoded).
    assert.equal(receiver.exports[0]!.headers['x-collector-token'], 'collector secret-9d2e')
    assert.deepEqual(receiver.rejections, [])
  })

  test('a failed attempt then the fallback: two CLIENT spans, the first with its retry reason', async () => {
    primary.script({ kind: 'json', status: 500, body: { error: { message: `upstream broke on ${PROMPT}` } } })
    const response = await gateway.post('/v1/chat/completions', chat('with-backup'))
    assert.equal(response.status, 200)
    await response.json()
    const trace = await waitForTrace(receiver, response.headers.get('x-request-id')!)
    const attempts = trace
      .filter((span) => span.kind === CLIENT)
      .sort((a, b) => Number(a.attributes['onekey.attempt']) - Number(b.attributes['onekey.attempt']))
    assert.equal(attempts.length, 2)
    const [failed, served] = attempts as [ReceivedSpan, ReceivedSpan]
    assert.equal(failed.attributes['onekey.provider'], 'primary')
    assert.equal(failed.attributes['http.response.status_code'], 500)
    assert.equal(failed.status.code, ERROR)
    assert.equal(typeof failed.attributes['onekey.retry_reason'], 'string')
    assert.equal(failed.attributes['error.type'], failed.attributes['onekey.retry_reason'])
    assert.equal(failed.attributes['onekey.retryable'], true)
    assert.equal(served.attributes['onekey.provider'], 'backup')
    assert.equal(served.attributes['gen_ai.request.model'], 'backup-model')
    assert.equal(served.attributes['http.response.status_code'], 200)
    assert.equal(served.attributes['onekey.retry_reason'], undefined)
    const root = trace.find((span) => span.kind === SERVER)!
    assert.equal(root.attributes['onekey.attempts'], 2)
    assert.equal(root.attributes['gen_ai.response.model'], 'backup-model')
  })

  test('every attempt failing: the root is an error with the error code', async () => {
    primary.script({ kind: 'json', status: 500, body: { error: { message: 'down' } } })
    const response = await gateway.post('/v1/chat/completions', chat('solo'))
    assert.ok(response.status >= 500)
    const body = (await response.json()) as { error: { code: string } }
    const trace = await waitForTrace(receiver, response.headers.get('x-request-id')!, false)
    const root = trace.find((span) => span.kind === SERVER)!
    assert.equal(root.status.code, ERROR)
    assert.equal(root.attributes['error.type'], body.error.code)
    assert.equal(root.attributes['http.response.status_code'], response.status)
    assert.equal(trace.filter((span) => span.name === 'settlement').length, 0)
  })

  test('an incoming traceparent is the parent; the pooled (cheap) upstream never sees it', async () => {
    const response = await gateway.post('/v1/chat/completions', chat('solo'), {
      traceparent: `00-${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-01`,
      tracestate: 'vendor=opaque',
    })
    assert.equal(response.status, 200)
    await response.json()
    const trace = await waitForTrace(receiver, response.headers.get('x-request-id')!)
    const root = trace.find((span) => span.kind === SERVER)!
    assert.equal(root.traceId, INCOMING_TRACE_ID)
    assert.equal(root.parentSpanId, INCOMING_SPAN_ID)
    assert.equal(trace.length, 4)
    assert.equal(primary.calls.length, 1)
    const sent = primary.calls[0]!.headers
    assert.equal(sent.traceparent, undefined)
    assert.equal(sent.tracestate, undefined)
    assert.equal(JSON.stringify(sent).includes(INCOMING_TRACE_ID), false)
  })

  test('no prompt, completion, API key, upstream key or Authorization value in any exported attribute', async () => {
    primary.script({
      kind: 'stream',
      chunks: chatCompletionStreamChunks(['the answer is ', 'COMPLETION-TEXT-41be']),
    })
    const stream = await gateway.post('/v1/chat/completions', { ...chat('solo'), stream: true })
    assert.match(await stream.text(), /COMPLETION-TEXT/)
    const trace = await waitForTrace(receiver, stream.headers.get('x-request-id')!)
    assert.equal(trace.find((span) => span.kind === SERVER)!.attributes['onekey.stream'], true)
    const secrets = [
      PROMPT,
      'PROMPT-TEXT',
      ANSWER,
      'COMPLETION-TEXT',
      gateway.apiKey,
      TEST_ENV.FAKE_KEY_A!,
      TEST_ENV.FAKE_KEY_B!,
      'Bearer',
    ]
    assert.ok(receiver.spans.length >= 10)
    for (const span of receiver.spans) {
      const text = JSON.stringify([span.name, span.attributes, span.status, span.resource])
      for (const secret of secrets)
        assert.equal(text.includes(secret!), false, `${span.name} carries ${secret}`)
    }
  })
})

describe('tracing over OTLP/HTTP JSON, named service, traces endpoint', () => {
  test('spans arrive as OTLP/JSON at OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', async () => {
    const receiver = await startOtlpReceiver()
    const primary = await startFakeUpstream({ kind: 'json', body: chatCompletionBody(ANSWER) })
    const backup = await startFakeUpstream()
    const gateway = await startTestGateway(gatewayDocument(primary, backup), {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'onekey-json',
    })
    let requestId: string
    try {
      const response = await gateway.post('/v1/chat/completions', chat('solo'))
      assert.equal(response.status, 200)
      await response.json()
      requestId = response.headers.get('x-request-id')!
    } finally {
      // Closing flushes: the default 5 s batch delay is not waited for.
      await gateway.close()
      await primary.close()
      await backup.close()
    }
    const trace = await waitForTrace(receiver, requestId)
    await receiver.close()
    assert.deepEqual(receiver.rejections, [])
    assert.ok(trace.every((span) => span.protocol === 'json'))
    assert.equal(trace.length, 4)
    const root = trace.find((span) => span.kind === SERVER)!
    assert.equal(root.resource['service.name'], 'onekey-json')
    assert.equal(root.attributes['onekey.cost'], '0.000015')
    assert.equal(root.attributes['gen_ai.usage.input_tokens'], 9)
  })
})

describe('sampling', () => {
  test('parentbased_traceidratio with ratio 0 exports nothing of its own, and follows a sampled parent', async () => {
    const receiver = await startOtlpReceiver()
    const primary = await startFakeUpstream({ kind: 'json', body: chatCompletionBody(ANSWER) })
    const backup = await startFakeUpstream()
    const gateway = await startTestGateway(gatewayDocument(primary, backup), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0',
      OTEL_BSP_SCHEDULE_DELAY: '20',
    })
    try {
      for (let index = 0; index < 5; index++) {
        const response = await gateway.post('/v1/chat/completions', chat('solo'))
        assert.equal(response.status, 200)
        await response.json()
      }
      // The caller sampled its trace (flags 01): the parent-based sampler keeps this one.
      const followed = await gateway.post('/v1/chat/completions', chat('solo'), {
        traceparent: `00-${INCOMING_TRACE_ID}-${INCOMING_SPAN_ID}-01`,
      })
      await followed.json()
    } finally {
      await gateway.close()
      await primary.close()
      await backup.close()
    }
    await receiver.close()
    assert.ok(receiver.spans.length > 0)
    assert.deepEqual(new Set(receiver.spans.map((span) => span.traceId)), new Set([INCOMING_TRACE_ID]))
  })
})
