/**
 * Spend limits end to end: a key's daily limit and a workspace's monthly limit hold under ten
 * times more concurrent requests than they cover, on SQLite (one instance) and on PostgreSQL
 * shared by two instances; refusals are 402 with their own codes, saying the limit, what is
 * spent and when it resets; `GET /api/v1/key` tells a key where it stands; the limits are set
 * through the management API (strict bodies, workspaces isolated) and audited.
 * Shared setup: `test/helpers/billing-setup.ts`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { startFakeUpstream } from '../fakes/fake-upstream.ts'
import { startWebhookReceiver } from '../fakes/webhook-receiver.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import {
  type BillingFixture,
  COST_NANO,
  completion,
  concurrencyRun,
  document,
  exactUsage,
  MAX_TOKENS,
  messages,
  startBillingFixture,
  waitFor,
  withTwoInstances,
} from '../helpers/billing-setup.ts'
import { type Json, readJson, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

/** `n` requests' worth of USD, as the API takes it. */
const usdFor = (n: number) => ((n * COST_NANO) / 1e9).toFixed(9)

async function send(url: string, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: (await readJson(response)) as Json }
}

async function keyIdOf(gateway: TestGateway): Promise<string> {
  const keys = await gateway.store.apiKeys.list(gateway.workspaceId)
  return keys.find((key) => key.name === 'test')!.id
}

describe('spend limits: one instance on SQLite', () => {
  let fixture: BillingFixture
  let gateway: TestGateway
  let keyId: string
  const manage = (method: string, path: string, body?: unknown) =>
    send(gateway.url, fixture.managementKey, method, path, body)

  before(async () => {
    fixture = await startBillingFixture()
    gateway = fixture.gateway
    await fixture.topUp(1_000 * COST_NANO, 'plenty')
    keyId = await keyIdOf(gateway)
  })
  after(() => fixture.close())

  test('a daily key limit for 5 requests, 50 at once: exactly 5 succeed, the rest 402 key_budget_exceeded', async () => {
    const set = await manage('PUT', `/api/v1/keys/${keyId}/budget`, { day: usdFor(5) })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.equal(
      (set.body.periods as Json[]).find((period) => period.period === 'day')!.limit,
      usdFor(5).replace(/0+$/, ''),
    )
    fixture.upstream.reset()
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        gateway.post('/v1/chat/completions', { model: 'm', messages, max_tokens: MAX_TOKENS }),
      ),
    )
    const bodies = await Promise.all(
      responses.map(async (response) => ({ status: response.status, body: await readJson(response) })),
    )
    assert.equal(bodies.filter((item) => item.status === 200).length, 5)
    const refused = bodies.filter((item) => item.status !== 200)
    assert.equal(refused.length, 45)
    assert.equal(fixture.upstream.calls.length, 5, 'refused requests never reached the upstream')
    const error = refused[0]!.body.error as Json
    assert.equal(refused[0]!.status, 402)
    assert.equal(error.code, 'key_budget_exceeded')
    assert.equal(error.type, 'billing_error')
    const message = String(error.message)
    assert.match(message, /daily spend limit of \$0\.00009/)
    assert.match(message, /spent/)
    assert.match(message, /resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/)

    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlements',
    )
    assert.deepEqual(await gateway.store.ledger.balance(gateway.workspaceId), {
      balanceNano: 995 * COST_NANO,
      heldNano: 0,
    })
    assert.deepEqual(await gateway.store.ledger.verify(), [])

    // The key sees where it stands (OpenRouter's fields and ours), with its own key.
    const own = await send(gateway.url, gateway.apiKey, 'GET', '/api/v1/key')
    assert.equal(own.status, 200)
    const data = own.body.data as Json
    assert.equal(data.id, keyId)
    assert.equal(data.usage, '0.00009')
    assert.equal(data.limit, null, 'no total limit')
    assert.equal(data.limit_remaining, '0')
    const day = (data.periods as Json[]).find((period) => period.period === 'day')!
    assert.deepEqual([day.limit, day.spent, day.remaining], ['0.00009', '0.00009', '0'])
    // The management list shows it too.
    const list = await manage('GET', '/api/v1/keys')
    const listed = (list.body.data as Json[]).find((key) => key.id === keyId)!
    assert.equal(((listed.budget as Json).periods as Json[])[1]!.spent, '0.00009')

    // Raising the limit lets the key spend again at once (this instance drops its cached key).
    assert.equal((await manage('PUT', `/api/v1/keys/${keyId}/budget`, { day: usdFor(6) })).status, 200)
    const statuses = await concurrencyRun([gateway], gateway.apiKey, 5)
    assert.deepEqual(statuses.sort(), [200, 402, 402, 402, 402])
  })

  test('a monthly workspace limit counts every key of the workspace', async () => {
    // Everything spent so far this month: 6 requests (settled). Room for 3 more, from any key.
    await waitFor(
      async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
      'settlements',
    )
    const set = await manage('PUT', '/api/v1/workspace/budget', { month: usdFor(9) })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    const read = await manage('GET', '/api/v1/workspace/budget')
    assert.equal(
      (read.body.periods as Json[]).find((period) => period.period === 'month')!.spent,
      usdFor(6).replace(/0+$/, ''),
    )
    // Lift the key's own limit: the workspace's is what stops them now.
    await manage('PUT', `/api/v1/keys/${keyId}/budget`, {})
    const { key: second } = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'second',
    })
    const statuses = [
      ...(await concurrencyRun([gateway], gateway.apiKey, 10)),
      ...(await concurrencyRun([gateway], second, 10)),
    ]
    assert.equal(statuses.filter((status) => status === 200).length, 3)
    const refused = await send(gateway.url, second, 'POST', '/v1/chat/completions', {
      model: 'm',
      messages,
      max_tokens: MAX_TOKENS,
    })
    assert.equal(refused.status, 402)
    assert.equal((refused.body.error as Json).code, 'workspace_budget_exceeded')
    assert.match(String((refused.body.error as Json).message), /monthly spend limit/)
    await manage('PUT', '/api/v1/workspace/budget', { month: null })
    assert.equal((await concurrencyRun([gateway], second, 1))[0], 200)
  })

  test('limits are set with strict bodies, in this workspace only, and audited', async () => {
    const unknown = await manage('PUT', `/api/v1/keys/${keyId}/budget`, { daily: '1.00' })
    assert.equal(unknown.status, 400)
    assert.match(String((unknown.body.error as Json).message), /daily/)
    const negative = await manage('PUT', `/api/v1/keys/${keyId}/budget`, { day: '-1' })
    assert.equal(negative.status, 400)
    assert.match(String((negative.body.error as Json).param ?? (negative.body.error as Json).message), /day/)
    const other = await gateway.service.createWorkspace('other')
    const { record } = await gateway.service.createApiKey({ workspace: other.id, name: 'theirs' })
    const crossing = await manage('PUT', `/api/v1/keys/${record.id}/budget`, { day: '1' })
    assert.equal(crossing.status, 404, 'another workspace’s key reads as missing')
    assert.equal((await gateway.store.budgets.find([record.id], new Date().toISOString())).size, 0)
    const audit = await gateway.store.accounts.listAudit(gateway.workspaceId, { limit: 20 })
    assert.ok(
      audit.some((entry) => entry.action === 'key.budget_set' && String(entry.target).includes(keyId)),
    )
    assert.ok(audit.some((entry) => entry.action === 'workspace.budget_set'))
  })
})

describe('spend limits on every endpoint', () => {
  let gateway: TestGateway
  let keyId: string
  before(async () => {
    gateway = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }],
      models: [
        {
          id: 'chat-model',
          offers: [{ lane: 'resale', provider: 'sim', model: 'sim-echo', price: { input: 1, output: 1 } }],
        },
        {
          id: 'sim-embed',
          modalities: { output: ['embedding'] },
          offers: [
            { lane: 'resale', provider: 'sim', model: 'sim-embed', price: { input: 0.01, output: 0 } },
          ],
        },
      ],
      workspaces: { default_lane: 'resale' },
    })
    keyId = await keyIdOf(gateway)
  })
  after(() => gateway.close())

  const calls: [string, string, Record<string, unknown>][] = [
    ['chat', '/v1/chat/completions', { model: 'chat-model', messages, max_tokens: 5 }],
    ['chat stream', '/v1/chat/completions', { model: 'chat-model', messages, max_tokens: 5, stream: true }],
    ['completions', '/v1/completions', { model: 'chat-model', prompt: 'hi', max_tokens: 5 }],
    ['responses', '/v1/responses', { model: 'chat-model', input: 'hi', max_output_tokens: 16 }],
    ['embeddings', '/v1/embeddings', { model: 'sim-embed', input: 'hi' }],
  ]

  test('chat, streams, completions, Responses and embeddings are all refused past the limit, and served within it', async () => {
    const { key: management } = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'admin',
      management: true,
    })
    const limit = async (total: string) =>
      assert.equal(
        (await send(gateway.url, management, 'PUT', `/api/v1/keys/${keyId}/budget`, { total })).status,
        200,
      )
    await limit('0')
    for (const [name, path, body] of calls) {
      const response = await gateway.post(path, body)
      const answer = (await readJson(response)) as Json
      assert.equal(response.status, 402, `${name}: ${JSON.stringify(answer)}`)
      assert.equal((answer.error as Json).code, 'key_budget_exceeded', name)
    }
    await limit('1')
    for (const [name, path, body] of calls) {
      const response = await gateway.post(path, body)
      await response.arrayBuffer()
      assert.equal(response.status, 200, name)
    }
  })
})

describe('spend limits raise alerts', () => {
  test('a key limit alerts once at 80 % and once at 100 %, through real requests, to a signed webhook', async () => {
    const upstream = await startFakeUpstream({ kind: 'json', body: completion(exactUsage) })
    const receiver = await startWebhookReceiver()
    const gateway = await startTestGateway(
      document(upstream, {
        alerts: { poll_interval_ms: 20, retry_base_ms: 100, allow_private_webhook_targets: true },
      }),
      {},
      { credit: '1' },
    )
    try {
      const keyId = await keyIdOf(gateway)
      await gateway.gateway.alerts.updateSettings(gateway.workspaceId, {
        balanceBelowNano: null,
        email: false,
      })
      await gateway.gateway.alerts.createWebhook(gateway.workspaceId, receiver.url, null)
      await gateway.store.budgets.set({
        scope: 'key',
        scopeId: keyId,
        workspaceId: gateway.workspaceId,
        limits: { total: 5 * COST_NANO, day: null, week: null, month: null },
        at: new Date().toISOString(),
      })
      const statuses: number[] = []
      for (let index = 0; index < 8; index++) {
        statuses.push(...(await concurrencyRun([gateway], gateway.apiKey, 1)))
        // Each settlement commits before the next request (its batch is the one that crosses).
        await waitFor(
          async () => (await gateway.store.ledger.balance(gateway.workspaceId)).heldNano === 0,
          'settled',
        )
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 402, 402, 402])
      await receiver.waitForCalls(2)
      await new Promise((resolve) => setTimeout(resolve, 200))
      const alerts = receiver.calls.map((call) => JSON.parse(call.body) as Json)
      assert.deepEqual(
        alerts.map((alert) => [alert.type, (alert.data as Json).percent]),
        [
          ['budget.threshold', 80],
          ['budget.threshold', 100],
        ],
        'once per threshold: the refused requests alert nothing more',
      )
      assert.equal((alerts[0]!.data as Json).scope_id ?? (alerts[0]!.data as Json).key_id, keyId)
      assert.match(String(receiver.calls[0]!.headers['onekey-signature']), /^t=\d+,v1=[0-9a-f]{64}$/)
    } finally {
      await gateway.close()
      await receiver.close()
      await upstream.close()
    }
  })
})

const skipPostgres = await postgresSkipReason()

describe('spend limits on PostgreSQL shared by two gateway instances', { skip: skipPostgres }, () => {
  let store: Store
  let schema: string
  before(async () => {
    schema = uniqueSchemaName('budgets')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
  })
  after(async () => {
    await store?.close()
    await dropSchema(schema)
  })

  test('a key limit for exactly N requests across two instances: exactly N succeed', async () => {
    await withTwoInstances(store, async (one, two) => {
      const N = 8
      await one.gateway.billing.topUp({
        workspaceId: one.workspaceId,
        amountNano: 1_000 * COST_NANO,
        idempotencyKey: 'pg-plenty',
        actor: 'test',
        kind: 'adjustment',
      })
      const keyId = await keyIdOf(one)
      await store.budgets.set({
        scope: 'key',
        scopeId: keyId,
        workspaceId: one.workspaceId,
        limits: { total: N * COST_NANO, day: null, week: null, month: null },
        at: new Date().toISOString(),
      })
      const statuses = await concurrencyRun([one, two], one.apiKey, 10 * N)
      assert.equal(statuses.filter((status) => status === 200).length, N)
      assert.equal(statuses.filter((status) => status === 402).length, 9 * N)
      await waitFor(async () => (await store.ledger.balance(one.workspaceId)).heldNano === 0, 'settlements')
      const budget = (await store.budgets.find([keyId], new Date().toISOString())).get(keyId)!
      assert.deepEqual([budget.periods.total.spentNano, budget.heldNano], [N * COST_NANO, 0])
      assert.deepEqual(await store.ledger.balance(one.workspaceId), {
        balanceNano: (1_000 - N) * COST_NANO,
        heldNano: 0,
      })
      assert.deepEqual(await store.ledger.verify(), [])
    })
  })
})
