/**
 * Billing end to end, what a request is charged: 402 instead of an upstream call when the
 * balance cannot cover the hold, usage.cost = ledger charge = quote for a non-stream answer,
 * cached prompt tokens at the cached-input price, streams billed with and without the client
 * asking for usage, an aborted stream charged only what was delivered, the management endpoints
 * reading it back (only for the own workspace), and resale priced as upstream cost plus margin.
 * Shared setup: `test/helpers/billing-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import type { FakeUpstream } from '../fakes/fake-upstream.ts'
import {
  type BillingFixture,
  COST_NANO,
  completion,
  exactUsage,
  MAX_TOKENS,
  messages,
  startBillingFixture,
  streamChunks,
  waitFor,
} from '../helpers/billing-setup.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
} from '../helpers/test-gateway.ts'

describe('billing: reserve, settle, 402', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let fixture: BillingFixture
  const manage = (path: string) => fixture.manage(path)
  const topUp: BillingFixture['topUp'] = (nano, key) => fixture.topUp(nano, key)

  before(async () => {
    fixture = await startBillingFixture()
    upstream = fixture.upstream
    gateway = fixture.gateway
  })
  after(() => fixture.close())

  test('an empty balance is 402 insufficient_credits (never 429) and the upstream is not called', async () => {
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
    })
    assert.equal(response.status, 402)
    assert.equal(response.headers.get('retry-after'), null)
    assert.match(response.headers.get('x-onekey-generation-id') ?? '', /^gen_/)
    const body = await readJson(response)
    assertMatchesOpenAISchema('ErrorResponse', body)
    assert.equal(body.error.code, 'insufficient_credits')
    assert.match(body.error.message, /may cost up to \$0\.000018 .*\$0 is available/)
    assert.equal(upstream.calls.length, 0)

    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: gateway.apiKey, maxRetries: 0 })
    await assert.rejects(
      client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: MAX_TOKENS,
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError)
        assert.equal(error.status, 402)
        assert.ok(!(error instanceof OpenAI.RateLimitError))
        assert.equal(error.code, 'insufficient_credits')
        return true
      },
    )
  })

  test('non-stream: usage.cost equals the ledger charge and the quote for the same request', async () => {
    await topUp(1_000_000_000, 'one-dollar')
    const quote = await readJson(
      await gateway.post('/v1/quote', { model: 'm', messages, max_tokens: MAX_TOKENS }),
    )
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
    })
    assert.equal(response.status, 200)
    const body = await readJson(response)
    assertMatchesOpenAISchema('CreateChatCompletionResponse', body)
    assert.equal(body.usage.cost, 0.000018)
    assert.equal(body.usage.cost_details.total, '0.000018')
    assert.equal(
      quote.lanes[0].max_total_cost,
      '0.000018',
      'quote = charged cost for the same request and usage',
    )
    const generationId = response.headers.get('x-onekey-generation-id')!
    // Looked up at once, while its settlement may still be queued: the answer waits for it.
    const early = await readJson(
      await fetch(`${gateway.url}/api/v1/generation?id=${generationId}`, {
        headers: { authorization: `Bearer ${gateway.apiKey}` },
      }),
    )
    assert.equal(early.charged, '0.000018')
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlement',
    )
    const [charge] = await gateway.store.ledger.list(gateway.workspaceId, { limit: 1 })
    assert.equal(charge!.kind, 'usage')
    assert.equal(charge!.amountNano, -COST_NANO)
    assert.equal(charge!.requestId, response.headers.get('x-request-id'), 'a batch of one names its request')

    const generation = await readJson(
      await fetch(`${gateway.url}/api/v1/generation?id=${generationId}`, {
        headers: { authorization: `Bearer ${gateway.apiKey}` },
      }),
    )
    assert.equal(generation.id, generationId)
    assert.equal(generation.cost, '0.000018')
    assert.equal(generation.charged, '0.000018')
    assert.equal(
      generation.ledger_entry_id,
      charge!.id,
      'the row names the usage entry that holds its charge',
    )
    assert.equal(generation.lane, 'cheap')
    assert.equal(generation.provider, 'fake')
    assert.equal(generation.prompt_tokens, 8)
    assert.equal(generation.completion_tokens, MAX_TOKENS)
    assert.equal(generation.finish_reason, 'stop')
    assert.equal(generation.usage_source, 'upstream')
    assert.equal(typeof generation.latency_ms, 'number')
    const stored = await gateway.store.requestLogs.find(gateway.workspaceId, generationId)
    assert.deepEqual([stored?.chargedNano, stored?.ledgerEntryId], [COST_NANO, charge!.id])
  })

  test('cached prompt tokens are billed at the cached-input price', async () => {
    upstream.script({
      kind: 'json',
      body: completion({ ...exactUsage, prompt_tokens_details: { cached_tokens: 4 } }),
    })
    const response = await gateway.post('/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
    })
    const body = await readJson(response)
    // 4 uncached × $1 + 4 cached × $0.25 + 10 output × $1 = 15 per 1M
    assert.equal(body.usage.cost_details.total, '0.000015')
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlement',
    )
    const [charge] = await gateway.store.ledger.list(gateway.workspaceId, { limit: 1 })
    assert.equal(charge!.amountNano, -15_000)
  })

  test('streams: the upstream is always asked for usage; the client sees it (with cost) only if it asked; both are charged', async () => {
    for (const [label, extra, expectUsage] of [
      ['include_usage', { stream_options: { include_usage: true } }, true],
      ['usage.include', { usage: { include: true } }, true],
      ['no usage asked', {}, false],
    ] as const) {
      upstream.reset()
      upstream.script({ kind: 'stream', chunks: streamChunks(exactUsage) })
      const before = await gateway.store.ledger.balance(gateway.workspaceId)
      const response = await gateway.post('/v1/chat/completions', {
        model: 'm',
        messages,
        max_tokens: MAX_TOKENS,
        stream: true,
        ...extra,
      })
      const data = await readSseData(response)
      assert.equal(data.at(-1), '[DONE]', label)
      const chunks = data.slice(0, -1).map((item) => JSON.parse(item))
      for (const chunk of chunks) assertMatchesOpenAISchema('CreateChatCompletionStreamResponse', chunk)
      const usageChunk = chunks.find((chunk) => chunk.usage)
      if (expectUsage) assert.equal(usageChunk?.usage.cost, 0.000018, label)
      else assert.equal(usageChunk, undefined, `${label}: no usage chunk`)
      const sent = upstream.calls[0]!.json!
      assert.deepEqual(sent.stream_options, { include_usage: true }, `${label}: usage requested upstream`)
      assert.equal('usage' in sent, false, 'the gateway field is not forwarded')
      await waitFor(
        async () =>
          (await gateway.store.ledger.balance(gateway.workspaceId)).balanceNano ===
          before.balanceNano - COST_NANO,
        `${label} charge`,
      )
    }
  })

  test('an aborted stream is charged the prompt and the output delivered before the abort, nothing more', async () => {
    const { promise: gate, resolve: release } = Promise.withResolvers<void>()
    const chunks = streamChunks(exactUsage, ['a', 'b', 'c', 'd', 'e', 'f'])
    upstream.reset()
    // the role chunk and three content chunks arrive, then the upstream stalls until the client has gone
    upstream.script({
      kind: 'stream',
      chunks: [chunks.slice(0, 4).join(''), ...chunks.slice(4)],
      waitFor: gate,
    })
    const before = await gateway.store.ledger.balance(gateway.workspaceId)
    const controller = new AbortController()
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages, max_tokens: MAX_TOKENS, stream: true }),
      signal: controller.signal,
    })
    const reader = response.body!.getReader()
    let text = ''
    for (let reads = 0; reads < 100 && !text.includes('"content":"c"'); reads++) {
      const { value, done } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
    assert.ok(text.includes('"content":"c"'), `three chunks arrived: ${text}`)
    controller.abort()
    // the gateway cuts the upstream when its client leaves: the rest (and the usage) never comes
    await waitFor(async () => upstream.calls[0]!.closedAtMs !== undefined, 'the upstream to be cut')
    release()
    // prompt 8 (estimated: no usage arrived) + 3 content chunks delivered = 11 tokens at $1/1M
    await waitFor(
      async () =>
        (await gateway.store.ledger.balance(gateway.workspaceId)).balanceNano === before.balanceNano - 11_000,
      'the abort charge',
    )
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'release',
    )
    assert.deepEqual(await gateway.store.ledger.verify(), [])
  })

  test('management endpoints: credits, ledger, logs and activity, only for the own workspace', async () => {
    const credits = await manage('/api/v1/credits')
    assert.equal(credits.currency, 'USD')
    assert.equal(credits.held, '0')
    const ledger = await manage('/api/v1/ledger?limit=2')
    assert.equal(ledger.data.length, 2)
    assert.equal(ledger.data[0].kind, 'usage')
    const logs = await manage('/api/v1/logs?limit=100')
    assert.ok(logs.data.some((row: Json) => row.status === 402 && row.error_code === 'insufficient_credits'))
    assert.ok(logs.data.every((row: Json) => !('messages' in row) && !JSON.stringify(row).includes('Hel')))
    const activity = await manage('/api/v1/activity?days=1&group_by=lane')
    assert.equal(activity.data[0].lane, 'cheap')
    assert.ok(activity.data[0].requests > 0)
    const inference = await fetch(`${gateway.url}/api/v1/credits`, {
      headers: { authorization: `Bearer ${gateway.apiKey}` },
    })
    assert.equal(inference.status, 403, 'an inference key cannot read the ledger')

    // Another workspace's keys see nothing of this one.
    const other = await gateway.service.createWorkspace('other-workspace')
    const { key: otherKey } = await gateway.service.createApiKey({
      workspace: other.id,
      name: 'o',
      management: true,
    })
    const asOther = (path: string) =>
      fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${otherKey}` } })
    const generationId = logs.data.find((row: Json) => row.status === 200).id
    assert.equal((await asOther(`/api/v1/generation?id=${generationId}`)).status, 404)
    assert.deepEqual((await readJson(await asOther('/api/v1/logs'))).data, [])
    assert.deepEqual((await readJson(await asOther('/api/v1/ledger'))).data, [])
    assert.equal((await readJson(await asOther('/api/v1/credits'))).balance, '0')
  })

  test('resale priced as upstream cost plus margin shows both in cost_details', async () => {
    const priced = await startTestGateway({
      providers: [
        fakeProvider('fake', upstream.baseUrl, {
          accounts: [{ name: 'o', api_key_env: 'FAKE_KEY_A', trust: 'official' }],
        }),
      ],
      models: [
        {
          id: 'm',
          offers: [
            {
              lane: 'resale',
              provider: 'fake',
              upstream_cost: { input: '1', output: '1' },
              margin_percent: '20',
            },
          ],
        },
      ],
    })
    try {
      const body = await readJson(
        await priced.post('/v1/chat/completions', { model: 'resale/m', messages, max_tokens: MAX_TOKENS }),
      )
      // 18 tokens: upstream $0.000018, sold at +20 % = $0.0000216
      assert.deepEqual(body.usage.cost_details, {
        currency: 'USD',
        total: '0.0000216',
        lane: 'resale',
        upstream_inference_cost: '0.000018',
      })
    } finally {
      await priced.close()
    }
  })
})
