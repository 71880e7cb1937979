/**
 * Alerts against a real webhook receiver and a real SMTP server on 127.0.0.1, over SQLite: each
 * event fires once (also raised at once by two service instances sharing the store), deliveries
 * are signed as docs/alerts.md says (its snippet verifies them), failures are retried with
 * backoff and end delivered or failed, a slow receiver never makes raise() wait, spend crossings
 * alert once, emails reach verified owner, admin and billing members only, and private targets
 * are refused. The routes through HTTP and PostgreSQL: alert-routes.test.ts.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { createMailer } from '../../src/accounts/mailer.ts'
import { type AlertService, createAlertService } from '../../src/alerts/alert-service.ts'
import type { AlertsConfig } from '../../src/config/config.ts'
import type { SpendObservation } from '../../src/contracts/alert-events.ts'
import { parseUsdNano } from '../../src/contracts/usd.ts'
import { GatewayError } from '../../src/errors/gateway-error.ts'
import { createWorkspaceService } from '../../src/services/workspace-service.ts'
import type { DeliveryLogRecord } from '../../src/storage/alert-records.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.ts'
import {
  documentedVerifier,
  event,
  FAST,
  noMail,
  silent,
  sleep,
  spend,
  waitFor,
} from '../helpers/alert-helpers.ts'
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.ts'

describe('alerts on SQLite', () => {
  let store: Store
  let receiver: WebhookReceiver
  let smtp: SmtpCatcher
  const services: AlertService[] = []

  const service = (
    config: Partial<AlertsConfig> = {},
    mailer: { send(m: unknown): Promise<void> } = noMail,
  ) => {
    const created = createAlertService({
      store,
      mailer,
      logger: silent,
      config: { ...FAST, ...config },
      siteName: 'OneKey',
    })
    created.start()
    services.push(created)
    return created
  }
  const workspace = async (name: string) =>
    (await createWorkspaceService(store, { signupCreditNano: 0 }).createWorkspace(name)).id
  const deliveries = (workspaceId: string) => store.alerts.listDeliveries(workspaceId, { limit: 500 })
  const settled = (workspaceId: string, count: number) =>
    waitFor(
      `${count} finished deliveries`,
      () => deliveries(workspaceId),
      (list) => list.length === count && list.every((each) => each.status !== 'pending'),
    )

  before(async () => {
    store = await createStore({ kind: 'sqlite', path: ':memory:' })
    await store.migrate()
    receiver = await startWebhookReceiver()
    smtp = await startSmtpCatcher()
  })
  // Every worker claims any due delivery of the store: each test stops its own.
  afterEach(async () => {
    await Promise.all(services.splice(0).map((each) => each.close()))
  })
  after(async () => {
    await receiver?.close()
    await smtp?.close()
    await store?.close()
  })

  test('an event fires once: raised twice, and raised at once by two instances sharing the store', async () => {
    const workspaceId = await workspace('once')
    const one = service()
    const two = service()
    const webhook = await one.createWebhook(workspaceId, receiver.url, null)
    const start = receiver.calls.length
    one.raise(event(workspaceId, 'refund:a'))
    one.raise(event(workspaceId, 'refund:a'))
    // Twenty events, each raised by both instances at the same moment; both workers poll.
    for (let index = 0; index < 20; index++) {
      one.raise(event(workspaceId, `refund:b${index}`))
      two.raise(event(workspaceId, `refund:b${index}`))
    }
    const list = await settled(workspaceId, 21)
    await sleep(200)
    const calls = receiver.calls.slice(start)
    assert.equal(calls.length, 21, 'one call per event')
    assert.equal(new Set(calls.map((call) => call.headers['onekey-event-id'])).size, 21)
    assert.ok(list.every((each) => each.status === 'delivered' && each.attempts === 1))
    assert.ok(list.every((each) => each.webhookId === webhook.id && each.target === receiver.url))
  })

  test('deliveries are signed as documented: the docs snippet verifies them, a tampered body fails', async () => {
    const verify = await documentedVerifier()
    const workspaceId = await workspace('signed')
    const alerts = service()
    const webhook = await alerts.createWebhook(workspaceId, receiver.url, ['payment.refunded'])
    const start = receiver.calls.length
    alerts.raise(event(workspaceId, 'signed:1'))
    alerts.raise(event(workspaceId, 'signed:2', { kind: 'byok.rejected' })) // not subscribed
    await settled(workspaceId, 1)
    const [call] = receiver.calls.slice(start)
    assert.ok(call)
    assert.equal(call.headers['content-type'], 'application/json')
    assert.equal(call.headers['user-agent'], 'OneKey-Alerts')
    const body = JSON.parse(call.body)
    assert.deepEqual(Object.keys(body), ['id', 'type', 'created', 'workspace', 'summary', 'data'])
    assert.equal(call.headers['onekey-event-id'], body.id)
    assert.equal(body.type, 'payment.refunded')
    assert.equal(body.workspace, workspaceId)
    assert.deepEqual(body.data, { purchase: 'pur_1', amount: '10' })
    assert.ok(Math.abs(body.created - Date.now() / 1000) < 60)
    const signature = String(call.headers['onekey-signature'])
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/)
    assert.equal(verify(call.body, signature, webhook.secret), true)
    assert.equal(verify(call.body.replace('"10"', '"1000"'), signature, webhook.secret), false)
    assert.equal(verify(call.body, signature, `${webhook.secret}x`), false)
    const old = signature.replace(/t=\d+/, `t=${Math.floor(Date.now() / 1000) - 600}`)
    assert.equal(verify(call.body, old, webhook.secret), false, 'a stale timestamp is refused')
  })

  test('a failing receiver is retried with backoff and ends delivered', async () => {
    const workspaceId = await workspace('retry')
    const alerts = service()
    await alerts.createWebhook(workspaceId, receiver.url, null)
    const start = receiver.calls.length
    receiver.script({ status: 500 }, { status: 503 })
    alerts.raise(event(workspaceId, 'retry:1'))
    const [delivery] = await settled(workspaceId, 1)
    const calls = receiver.calls.slice(start)
    assert.equal(calls.length, 3)
    assert.equal(new Set(calls.map((call) => call.headers['onekey-event-id'])).size, 1, 'the same event')
    // 60 ms then 120 ms, ±20 %.
    assert.ok(calls[1]!.atMs - calls[0]!.atMs >= 45, `${calls[1]!.atMs - calls[0]!.atMs} ms`)
    assert.ok(calls[2]!.atMs - calls[1]!.atMs >= 90, `${calls[2]!.atMs - calls[1]!.atMs} ms`)
    assert.equal(delivery!.status, 'delivered')
    assert.equal(delivery!.attempts, 3)
    assert.equal(delivery!.lastStatus, 200)
    assert.equal(delivery!.lastError, null)
    assert.ok(delivery!.deliveredAt !== null)
  })

  test('a receiver that keeps failing is marked failed once the retry window is over', async () => {
    const failing = await startWebhookReceiver()
    const workspaceId = await workspace('gives-up')
    const alerts = service({ retryForMs: 250 })
    await alerts.createWebhook(workspaceId, failing.url, null)
    failing.script(...Array.from({ length: 50 }, () => ({ status: 500 })))
    alerts.raise(event(workspaceId, 'gives-up:1'))
    const [delivery] = await settled(workspaceId, 1).finally(() => failing.close())
    assert.equal(delivery!.status, 'failed')
    assert.ok(delivery!.attempts >= 2 && delivery!.attempts < 10, `${delivery!.attempts} attempts`)
    assert.equal(delivery!.lastStatus, 500)
    assert.equal(delivery!.lastError, 'HTTP 500')
    assert.equal(delivery!.nextAttemptAt, null)
  })

  test('a slow receiver: raise() returns at once, the attempt times out and is retried', async () => {
    const slow = await startWebhookReceiver()
    try {
      const workspaceId = await workspace('slow')
      const alerts = service({ retryBaseMs: 200 })
      await alerts.createWebhook(workspaceId, slow.url, null)
      slow.script({ hang: true })
      const started = performance.now()
      alerts.raise(event(workspaceId, 'slow:1'))
      assert.ok(performance.now() - started < 20, 'raise() does not wait')
      await slow.waitForCalls(1)
      const timedOut = await waitFor(
        'the timed-out attempt',
        () => deliveries(workspaceId),
        (list) => list[0]?.lastError !== null && list[0]?.lastError !== undefined,
      )
      assert.equal(timedOut[0]!.status, 'pending')
      assert.equal(timedOut[0]!.attempts, 1)
      assert.equal(timedOut[0]!.lastError, 'no answer within 400 ms')
      assert.ok(timedOut[0]!.nextAttemptAt !== null)
      const [delivered] = await settled(workspaceId, 1)
      assert.equal(delivered!.status, 'delivered')
      assert.equal(delivered!.attempts, 2)
    } finally {
      await slow.close()
    }
  })

  test('spend: balance low once per descent, budgets at 80 % and 100 % once per period, never at 79 %', async () => {
    const workspaceId = await workspace('spend')
    const setup = service()
    await setup.updateSettings(workspaceId, { balanceBelowNano: parseUsdNano('5'), email: true })
    await setup.createWebhook(workspaceId, receiver.url, null)
    const usd = (value: string) => parseUsdNano(value)
    const budget = (before: string, after: string, periodStart = '2026-12-01T00:00:00.000Z') => ({
      scope: 'key' as const,
      scopeId: 'key_budgeted',
      period: 'month' as const,
      limitNano: usd('100'),
      spentBeforeNano: usd(before),
      spentAfterNano: usd(after),
      periodStart,
    })
    /** Observes in a fresh instance and waits until it recorded everything. */
    const observe = async (...observations: SpendObservation[]) => {
      const alerts = service()
      for (const observation of observations) alerts.observeSpend(observation)
      await alerts.close()
    }
    const kinds = async () =>
      (await deliveries(workspaceId))
        .map((each: DeliveryLogRecord) => `${each.kind} ${each.summary}`)
        .reverse()
    await observe(spend(workspaceId, 'e1', usd('10'), usd('6')), spend(workspaceId, 'e2', usd('6'), usd('5')))
    assert.deepEqual(await kinds(), [], 'at the threshold is not below it')
    await observe(spend(workspaceId, 'e3', usd('5'), usd('4.2')))
    await observe(
      spend(workspaceId, 'e3', usd('5'), usd('4.2')),
      spend(workspaceId, 'e4', usd('4.2'), usd('3')),
    )
    assert.deepEqual(await kinds(), ['balance.low Balance fell below $5.00: $4.20 left'])
    // A top-up lifts it; the next descent alerts again.
    await observe(spend(workspaceId, 'e5', usd('20'), usd('4.999999999')))
    assert.equal((await kinds()).length, 2)

    const withBudget = (entryId: string, before: string, after: string, periodStart?: string) => ({
      ...spend(workspaceId, entryId, usd('50'), usd('49')),
      budgets: [budget(before, after, periodStart)],
    })
    await observe(withBudget('b1', '0', '79'), withBudget('b2', '79', '79.999999999'))
    assert.equal((await kinds()).length, 2, 'no alert at 79 %')
    await observe(withBudget('b3', '79.999999999', '80'))
    await observe(withBudget('b3', '79.999999999', '80'), withBudget('b4', '80', '99'))
    await observe(withBudget('b5', '99', '100.5'))
    await observe(withBudget('b6', '100.5', '120'))
    // Next month: the counter restarts and one batch crosses both lines.
    await observe(withBudget('b7', '0', '100', '2027-01-01T00:00:00.000Z'))
    // (Sorted: alerts recorded in the same millisecond have no order between them.)
    assert.deepEqual(
      (await kinds()).slice(2).sort(),
      [
        'budget.threshold Key key_budgeted used 80 % of its monthly spend limit ($80.00 of $100.00)',
        'budget.threshold Key key_budgeted reached its monthly spend limit of $100.00',
        'budget.threshold Key key_budgeted reached its monthly spend limit of $100.00',
        'budget.threshold Key key_budgeted used 80 % of its monthly spend limit ($100.00 of $100.00)',
      ].sort(),
    )
  })

  test('email goes to verified owner, admin and billing members only, and can be switched off', async () => {
    const workspaceId = await workspace('mail')
    const at = new Date().toISOString()
    const members: [string, string, boolean][] = [
      ['owner', 'owner@mail.test', true],
      ['admin', 'admin@mail.test', true],
      ['billing', 'billing@mail.test', true],
      ['billing', 'unverified@mail.test', false],
      ['developer', 'developer@mail.test', true],
      ['viewer', 'viewer@mail.test', true],
    ]
    for (const [role, email, verified] of members) {
      const id = `usr_${email.split('@')[0]}`
      await store.accounts.createUser({
        id,
        email,
        passwordHash: 'x',
        emailVerifiedAt: verified ? at : null,
        operator: false,
        createdAt: at,
        passwordChangedAt: at,
        totpSecret: null,
        totpEnabledAt: null,
        totpLastStep: null,
      })
      await store.accounts.addMember(workspaceId, id, role, at)
    }
    const mailer = createMailer({
      url: smtp.url,
      password: null,
      from: 'OneKey <alerts@onekey.test>',
      logger: silent,
    })
    const alerts = service({}, mailer)
    alerts.raise(event(workspaceId, 'mail:1', { summary: 'Payment refunded: $10.00 taken back' }))
    const list = await settled(workspaceId, 3)
    assert.deepEqual(list.map((each) => each.target).sort(), [
      'admin@mail.test',
      'billing@mail.test',
      'owner@mail.test',
    ])
    assert.ok(list.every((each) => each.channel === 'email' && each.status === 'delivered'))
    const mail = await smtp.waitFor('owner@mail.test', /Payment refunded/)
    assert.equal(mail.subject, '[OneKey] Payment refunded: $10.00 taken back')
    assert.match(mail.text, new RegExp(`Workspace: ${workspaceId}`))
    assert.match(mail.text, /amount: 10/)
    const mailed = smtp.messages.filter((message) => /Payment refunded/.test(message.subject))
    assert.deepEqual(mailed.flatMap((message) => message.to).sort(), [
      'admin@mail.test',
      'billing@mail.test',
      'owner@mail.test',
    ])

    await alerts.updateSettings(workspaceId, { balanceBelowNano: null, email: false })
    alerts.raise(event(workspaceId, 'mail:2'))
    await sleep(200)
    assert.equal((await deliveries(workspaceId)).length, 3, 'no email once switched off')
    mailer.close()
  })

  test('private targets are refused when registered and again when sent', async () => {
    const workspaceId = await workspace('ssrf')
    const strict = service({ allowPrivateWebhookTargets: false })
    const refused = async (url: string) => {
      await assert.rejects(strict.createWebhook(workspaceId, url, null), (error: unknown) => {
        assert.ok(error instanceof GatewayError, String(error))
        assert.equal(error.code, 'invalid_parameter')
        assert.equal(error.param, 'url')
        return true
      })
    }
    for (const url of [
      receiver.url,
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://192.168.0.10/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00::1]/hook',
      'http://93.184.215.14/hook',
      'ftp://93.184.215.14/hook',
      'https://user:pass@93.184.215.14/hook',
      'not a url',
    ])
      await refused(url)
    assert.deepEqual(await strict.webhooks(workspaceId), [])

    // Registered while private targets were allowed; sent by an instance that forbids them.
    const lenient = service()
    await lenient.createWebhook(workspaceId, receiver.url, null)
    await lenient.close()
    const start = receiver.calls.length
    strict.raise(event(workspaceId, 'ssrf:1'))
    const [delivery] = await waitFor(
      'the refused attempt',
      () => deliveries(workspaceId),
      (list) => list[0]?.lastError !== null && list[0]?.lastError !== undefined,
    )
    assert.match(delivery!.lastError!, /^refused: /)
    assert.equal(receiver.calls.length, start, 'nothing reached the receiver')
  })
})
