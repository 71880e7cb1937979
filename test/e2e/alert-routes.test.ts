/**
 * The alert routes through HTTP on a started gateway (settings, webhooks with their secret shown
 * once, a signed test delivery, the delivery log, strict bodies, workspaces isolated, the audit
 * log), a settlement crossing the balance threshold alerting once while a receiver that never
 * answers slows no request, and PostgreSQL shared by two service instances.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createAlertService } from '../../src/alerts/alert-service.ts'
import {
  alertDeliveriesAnswer,
  alertSettingsAnswer,
  alertTestAnswer,
  alertWebhookCreatedAnswer,
  alertWebhooksAnswer,
} from '../../src/contracts/console-answers.ts'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { createWorkspaceService } from '../../src/services/workspace-service.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.ts'
import { documentedVerifier, event, FAST, noMail, silent, sleep, waitFor } from '../helpers/alert-helpers.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('alert routes through HTTP', () => {
  let gateway: TestGateway
  let receiver: WebhookReceiver
  let owner: ConsoleClient
  let stranger: ConsoleClient

  before(async () => {
    receiver = await startWebhookReceiver()
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        alerts: {
          poll_interval_ms: 20,
          retry_base_ms: 100,
          timeout_ms: 1_500,
          allow_private_webhook_targets: true,
        },
      },
      {},
      { credit: '10' },
    )
    owner = new ConsoleClient(gateway.url)
    await owner.signUp('alerts-owner@example.test')
    stranger = new ConsoleClient(gateway.url)
    await stranger.signUp('alerts-stranger@example.test')
  })
  after(async () => {
    await gateway?.close()
    await receiver?.close()
  })

  function parses(
    schema: { safeParse(value: unknown): { success: boolean; error?: unknown } },
    answer: { status: number; body: unknown },
  ) {
    const result = schema.safeParse(answer.body)
    assert.ok(
      result.success,
      `${answer.status} ${JSON.stringify(answer.body)} ${JSON.stringify(result.error)}`,
    )
  }

  test('settings: defaults, a strict PUT, exact amounts', async () => {
    const initial = await owner.get('/api/v1/alerts/settings')
    assert.equal(initial.status, 200)
    parses(alertSettingsAnswer, initial)
    assert.deepEqual(initial.body, { object: 'alert_settings', balance_below: null, email: true })
    const put = await owner.request('PUT', '/api/v1/alerts/settings', { balance_below: '5.25', email: false })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.deepEqual(put.body, { object: 'alert_settings', balance_below: '5.25', email: false })
    assert.deepEqual((await owner.get('/api/v1/alerts/settings')).body, put.body)
    for (const [body, param] of [
      [{ balance_below: '5', email: true, surprise: 1 }, 'surprise'],
      [{ balance_below: 5, email: true }, 'balance_below'],
      [{ balance_below: '-1', email: true }, 'balance_below'],
      [{ balance_below: '5' }, 'email'],
    ] as const) {
      const refused = await owner.request('PUT', '/api/v1/alerts/settings', body)
      assert.equal(refused.status, 400, JSON.stringify(refused.body))
      assert.equal(refused.body.error.param, param)
    }
  })

  test('webhooks: created with a secret shown once, tested, listed, isolated, deleted; the delivery log', async () => {
    const verify = await documentedVerifier()
    const created = await owner.post('/api/v1/alerts/webhooks', {
      url: receiver.url,
      events: ['balance.low'],
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    parses(alertWebhookCreatedAnswer, created)
    const { id, secret } = created.body
    const listed = await owner.get('/api/v1/alerts/webhooks')
    parses(alertWebhooksAnswer, listed)
    assert.deepEqual(
      listed.body.data.map((each: { id: string }) => each.id),
      [id],
    )
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the secret is never listed')

    for (const [body, param] of [
      [{ url: receiver.url, extra: true }, 'extra'],
      [{ url: receiver.url, events: ['balance.high'] }, 'events.0'],
      [{}, 'url'],
      [{ url: 'ftp://example.com/hook' }, 'url'],
    ] as const) {
      const refused = await owner.post('/api/v1/alerts/webhooks', body)
      assert.equal(refused.status, 400, JSON.stringify(refused.body))
      assert.equal(refused.body.error.param, param)
    }

    const start = receiver.calls.length
    const tested = await owner.post(`/api/v1/alerts/webhooks/${id}/test`)
    assert.equal(tested.status, 200, JSON.stringify(tested.body))
    parses(alertTestAnswer, tested)
    const [call] = (await receiver.waitForCalls(start + 1)).slice(start)
    assert.equal(JSON.parse(call!.body).type, 'alert.test')
    assert.equal(verify(call!.body, String(call!.headers['onekey-signature']), secret), true)
    const log = await waitFor(
      'the test delivery',
      () => owner.get('/api/v1/alerts/deliveries?limit=10'),
      (answer) => answer.body.data?.[0]?.status === 'delivered',
    )
    parses(alertDeliveriesAnswer, log)
    assert.equal(log.body.data[0].event, 'alert.test')
    assert.equal(log.body.data[0].target, receiver.url)
    assert.equal(log.body.data[0].attempts, 1)

    // Another workspace's webhook answers exactly like a missing one.
    const missing = await stranger.request('DELETE', '/api/v1/alerts/webhooks/wh_missing')
    const foreign = await stranger.request('DELETE', `/api/v1/alerts/webhooks/${id}`)
    assert.equal(foreign.status, 404)
    assert.deepEqual(foreign.body, missing.body)
    assert.equal((await stranger.post(`/api/v1/alerts/webhooks/${id}/test`)).status, 404)
    assert.deepEqual((await stranger.get('/api/v1/alerts/webhooks')).body.data, [])
    assert.deepEqual((await stranger.get('/api/v1/alerts/deliveries')).body.data, [])

    const deleted = await owner.request('DELETE', `/api/v1/alerts/webhooks/${id}`)
    assert.deepEqual(deleted.body, { id, deleted: true })
    assert.deepEqual((await owner.get('/api/v1/alerts/webhooks')).body.data, [])
    assert.equal((await owner.request('DELETE', `/api/v1/alerts/webhooks/${id}`)).status, 404)
    const audit = (await owner.get('/api/v1/audit')).body.data.map(
      (entry: { action: string }) => entry.action,
    )
    for (const action of [
      'alerts.webhook_created',
      'alerts.webhook_tested',
      'alerts.webhook_deleted',
      'alerts.settings_updated',
    ])
      assert.ok(audit.includes(action), `${action} in ${audit}`)
  })

  test('a settlement crossing the threshold alerts once, and a receiver that never answers slows no request', async () => {
    const alerts = gateway.gateway.alerts
    // The test workspace holds $10: every request's charge takes it below $10.
    await alerts.updateSettings(gateway.workspaceId, { balanceBelowNano: parseUsdNano('10'), email: false })
    await alerts.createWebhook(gateway.workspaceId, receiver.url, null)
    receiver.script({ hang: true }, { hang: true }, { hang: true })
    const start = receiver.calls.length
    const durations: number[] = []
    for (let index = 0; index < 6; index++) {
      const began = performance.now()
      const response = await gateway.post('/v1/chat/completions', {
        model: 'sim-echo',
        messages: [{ role: 'user', content: `hello ${index}` }],
      })
      assert.equal(response.status, 200)
      await response.text()
      durations.push(performance.now() - began)
      await sleep(60) // settlement batches commit; the alert is raised after the first
    }
    await receiver.waitForCalls(start + 1)
    assert.ok(Math.max(...durations) < 1_000, `request durations ${durations.map(Math.round)} ms`)
    const list = await gateway.store.alerts.listDeliveries(gateway.workspaceId, { limit: 10 })
    assert.equal(list.length, 1, 'one balance alert for the whole descent')
    assert.equal(list[0]!.kind, 'balance.low')
  })
})

const skip = await postgresSkipReason()

describe('alerts on PostgreSQL, two instances', { skip }, () => {
  let store: Store
  let schema: string
  let receiver: WebhookReceiver

  before(async () => {
    schema = uniqueSchemaName('alerts')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
    await store.migrate()
    receiver = await startWebhookReceiver()
  })
  after(async () => {
    await store?.close()
    await dropSchema(schema)
    await receiver?.close()
  })

  test('raised at once by two instances: one event and one delivery per target, each sent once', async () => {
    const workspaceId = (await createWorkspaceService(store, { signupCreditNano: 0 }).createWorkspace('pg'))
      .id
    const make = () =>
      createAlertService({ store, mailer: noMail, logger: silent, config: FAST, siteName: 'OneKey' })
    const one = make()
    const two = make()
    one.start()
    two.start()
    try {
      await one.createWebhook(workspaceId, receiver.url, null)
      await one.createWebhook(workspaceId, `${receiver.url}?second`, null)
      for (let index = 0; index < 15; index++) {
        one.raise(event(workspaceId, `pg:${index}`))
        two.raise(event(workspaceId, `pg:${index}`))
      }
      const list = await waitFor(
        '30 delivered',
        () => store.alerts.listDeliveries(workspaceId, { limit: 100 }),
        (rows) => rows.length === 30 && rows.every((row) => row.status === 'delivered'),
        10_000,
      )
      await sleep(200)
      assert.equal(receiver.calls.length, 30, 'each delivery sent once')
      assert.ok(list.every((row) => row.attempts === 1))
      const pairs = new Set(receiver.calls.map((call) => `${call.headers['onekey-event-id']}`))
      assert.equal(pairs.size, 15)
    } finally {
      await one.close()
      await two.close()
    }
  })
})
