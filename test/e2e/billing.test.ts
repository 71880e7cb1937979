/**
 * Money end to end: exact reservations under concurrency (SQLite, and PostgreSQL shared by two
 * instances), 402 instead of an upstream call, streams billed with and without the client's
 * usage, aborted streams by the written policy, cached tokens, quote = charge, the ledger
 * reconciling, and one workspace never reading another's data.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import OpenAI from 'openai'
import { createCreditCodes } from '../../src/billing/credit-codes.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { startGateway } from '../../src/server/start-gateway.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { chatCompletionBody, type FakeUpstream, startFakeUpstream } from '../fakes/fake-upstream.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { assertMatchesOpenAISchema } from '../helpers/openapi.ts'
import {
  fakeProvider,
  type Json,
  readJson,
  readSseData,
  startTestGateway,
  type TestGateway,
  testConfig,
} from '../helpers/test-gateway.ts'

// "hi" is estimated at 3 + 4 + 1 = 8 prompt tokens; the fake reports exactly that and max_tokens
// of output, so a request's cost equals its hold: 18 tokens at $1/1M = 18000 nano-USD.
const messages = [{ role: 'user', content: 'hi' }]
const MAX_TOKENS = 10
const COST_NANO = 18_000

function completion(usage: Record<string, unknown>): Record<string, unknown> {
  return chatCompletionBody('ok', 'm', usage)
}

function streamChunks(usage: Record<string, unknown> | undefined, pieces = ['Hel', 'lo']): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`
  return [
    chunk({ role: 'assistant', content: '' }, null),
    ...pieces.map((piece) => chunk({ content: piece }, null)),
    chunk({}, 'stop'),
    ...(usage === undefined
      ? []
      : [
          `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage })}\n\n`,
        ]),
    'data: [DONE]\n\n',
  ]
}

const exactUsage = { prompt_tokens: 8, completion_tokens: MAX_TOKENS, total_tokens: 8 + MAX_TOKENS }

function document(upstream: FakeUpstream, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: [fakeProvider('fake', upstream.baseUrl)],
    models: [
      {
        id: 'm',
        offers: [
          {
            lane: 'cheap',
            provider: 'fake',
            price: { input: '1', output: '1', cached_input: '0.25' },
            published: true,
          },
        ],
      },
    ],
    ...extra,
  }
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return
    await sleep(25)
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function concurrencyRun(gateways: TestGateway[], apiKey: string, total: number) {
  const responses = await Promise.all(
    Array.from({ length: total }, (_, index) =>
      fetch(`${gateways[index % gateways.length]!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages, max_tokens: MAX_TOKENS }),
      }),
    ),
  )
  const statuses = responses.map((response) => response.status)
  await Promise.all(responses.map((response) => response.arrayBuffer()))
  return statuses
}

describe('billing: reserve, settle, 402', () => {
  let upstream: FakeUpstream
  let gateway: TestGateway
  let managementKey: string
  const N = 5

  before(async () => {
    upstream = await startFakeUpstream({ kind: 'json', body: completion(exactUsage) })
    gateway = await startTestGateway(document(upstream), {}, { credit: '0' })
    managementKey = (
      await gateway.service.createApiKey({ workspace: gateway.workspaceId, name: 'owner', management: true })
    ).key
  })
  after(async () => {
    await gateway.close()
    await upstream.close()
  })

  const manage = async (path: string) =>
    readJson(await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${managementKey}` } }))
  const topUp = (nano: number, key: string) =>
    gateway.gateway.billing.topUp({
      workspaceId: gateway.workspaceId,
      amountNano: nano,
      idempotencyKey: key,
      actor: 'test',
      kind: 'adjustment',
    })

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

  test(`concurrency: a balance for exactly ${N} requests, ${10 * N} at once → exactly ${N} succeed, the rest 402`, async () => {
    await topUp(N * COST_NANO, 'exactly-n')
    upstream.reset()
    const statuses = await concurrencyRun([gateway], gateway.apiKey, 10 * N)
    assert.equal(statuses.filter((status) => status === 200).length, N)
    assert.equal(statuses.filter((status) => status === 402).length, 9 * N)
    assert.equal(upstream.calls.length, N, 'refused requests never reached the upstream')
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlements',
    )
    assert.deepEqual(await gateway.store.ledger.balance(gateway.workspaceId), { balanceNano: 0, heldNano: 0 })
    assert.deepEqual(await gateway.store.ledger.verify(), [])
    // The charges are usage entries (one per settlement batch); each request's is on its log row.
    const usage = (await gateway.store.ledger.list(gateway.workspaceId, { limit: 100 })).filter(
      (entry) => entry.kind === 'usage',
    )
    assert.equal(
      usage.reduce((sum, entry) => sum + entry.amountNano, 0),
      -N * COST_NANO,
    )
    assert.ok(usage.every((entry) => entry.balanceAfterNano >= 0))
    await gateway.gateway.requestLogs.flush()
    const rows = (await gateway.store.requestLogs.list(gateway.workspaceId, { limit: 1_000 })).filter(
      (row) => row.chargedNano > 0,
    )
    assert.equal(rows.length, N)
    assert.ok(rows.every((row) => row.chargedNano === COST_NANO && row.ledgerEntryId !== null))
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

  test('credit codes redeem once through the API; keys are managed through the API', async () => {
    const { codes } = await createCreditCodes(gateway.store.ledger, {
      amountNano: 2_000_000_000,
      count: 2,
      expiresAt: undefined,
    })
    const redeem = (code: string, key = managementKey) =>
      fetch(`${gateway.url}/api/v1/credits/redeem`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ code }),
      })
    const first = await readJson(await redeem(codes[0]!.toLowerCase()))
    assert.equal(first.redeemed, true)
    assert.equal(first.entry.kind, 'redemption')
    assert.equal(first.entry.amount, '2')
    assert.equal((await readJson(await redeem(codes[0]!))).replayed, true, 'a retry is harmless')
    const other = await gateway.service.createWorkspace('code-thief')
    const { key: thief } = await gateway.service.createApiKey({
      workspace: other.id,
      name: 't',
      management: true,
    })
    const stolen = await redeem(codes[0]!, thief)
    assert.equal(stolen.status, 400)
    assert.match((await readJson(stolen)).error.message, /already been redeemed/)
    assert.equal((await redeem('OKC-0000-0000-0000-0000')).status, 400)

    const created = await fetch(`${gateway.url}/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${managementKey}` },
      body: JSON.stringify({ name: 'ci', lanes: ['cheap'], expires_in_days: 7 }),
    })
    assert.equal(created.status, 201)
    const newKey = await readJson(created)
    assert.match(newKey.key, /^okm-sk-/)
    assert.deepEqual(newKey.lanes, ['cheap'])
    const listed = await readJson(
      await fetch(`${gateway.url}/api/v1/keys`, { headers: { authorization: `Bearer ${managementKey}` } }),
    )
    assert.ok(listed.data.some((item: Json) => item.id === newKey.id))
    assert.ok(!JSON.stringify(listed).includes(newKey.key), 'a listing never shows a key')
    assert.equal(
      (
        await fetch(`${gateway.url}/api/v1/keys/${newKey.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${thief}` },
        })
      ).status,
      404,
      "another workspace cannot revoke this workspace's key",
    )
    const revoked = await fetch(`${gateway.url}/api/v1/keys/${newKey.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${managementKey}` },
    })
    assert.equal(revoked.status, 200)
    const refused = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${newKey.key}` },
    })
    assert.equal(refused.status, 401, 'revoked at once on this instance')
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

  test('the operator tops up through the admin API, idempotently, with the purchase fee as its own entry', async () => {
    const admin = await startTestGateway(
      document(upstream),
      { ONEKEY_ADMIN_TOKEN: 'admin-token-0123456789abcdef' },
      { credit: '0' },
    )
    try {
      const call = (body: unknown, token = 'admin-token-0123456789abcdef') =>
        fetch(`${admin.url}/api/v1/admin/credits`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        })
      const first = await readJson(
        await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'inv-7' }),
      )
      assert.deepEqual(
        first.entries.map((entry: Json) => [entry.kind, entry.amount]),
        [
          ['purchase', '20'],
          ['purchase_fee', '-1.35'],
        ],
      )
      assert.equal(first.balance, '18.65')
      const again = await readJson(
        await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'inv-7' }),
      )
      assert.equal(again.replayed, true)
      assert.equal(again.balance, '18.65', 'never credited twice')
      assert.equal(
        (await call({ workspace: 'test-workspace', amount: '20', idempotency_key: 'x' }, 'wrong')).status,
        401,
      )
      assert.equal(
        (await call({ workspace: 'test-workspace', amount: '1e3', idempotency_key: 'y' })).status,
        400,
      )
      assert.equal((await call({ workspace: 'nope', amount: '1', idempotency_key: 'z' })).status, 404)
    } finally {
      await admin.close()
    }
  })
})

const skipPostgres = await postgresSkipReason()

describe('billing on PostgreSQL shared by two gateway instances', { skip: skipPostgres }, () => {
  let store: Store
  let schema: string
  before(async () => {
    schema = uniqueSchemaName('billing')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
  })
  after(async () => {
    await store?.close()
    await dropSchema(schema)
  })

  test('a balance for exactly N requests across two instances: exactly N succeed', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: completion(exactUsage) })
    let one: TestGateway | undefined
    let twoGateway: Awaited<ReturnType<typeof startGateway>> | undefined
    try {
      one = await startTestGateway(document(upstream), {}, { credit: '0', store })
      twoGateway = await startGateway(testConfig(document(upstream)), {
        store,
        logger: createLogger({ level: 'silent' }),
      })
      const two = { url: twoGateway.url } as TestGateway
      const workspaceId = one.workspaceId
      const N = 8
      await one.gateway.billing.topUp({
        workspaceId: one.workspaceId,
        amountNano: N * COST_NANO,
        idempotencyKey: 'pg-n',
        actor: 'test',
        kind: 'adjustment',
      })
      const statuses = await concurrencyRun([one, two], one.apiKey, 10 * N)
      assert.equal(statuses.filter((status) => status === 200).length, N)
      assert.equal(statuses.filter((status) => status === 402).length, 9 * N)
      await waitFor(async () => (await store.ledger.balance(workspaceId)).heldNano === 0, 'settlements')
      assert.deepEqual(await store.ledger.balance(workspaceId), { balanceNano: 0, heldNano: 0 })
      assert.deepEqual(await store.ledger.verify(), [])
    } finally {
      await twoGateway?.close(1_000)
      await one?.close()
      await upstream.close()
    }
  })
})
