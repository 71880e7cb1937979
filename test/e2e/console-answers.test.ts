/**
 * Every answer the console reads, parsed with its strict schema (src/contracts/console-answers.ts):
 * a field the server adds or drops without the contract fails here, so the web app can trust the
 * types without parsing in the browser.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { z } from 'zod'
import {
  alertDeliveriesAnswer,
  alertSettingsAnswer,
  alertTestAnswer,
  alertWebhookCreatedAnswer,
  alertWebhooksAnswer,
  auditAnswer,
  autoTopUpAnswer,
  budgetAnswer,
  checkoutPreviewAnswer,
  creditsAnswer,
  keyCreatedAnswer,
  keysAnswer,
  membersAnswer,
  overviewAnswer,
  purchasesAnswer,
  sessionAnswer,
  sessionsAnswer,
  workspaceAnswer,
} from '../../src/contracts/console-answers.ts'
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe.ts'
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('console answers match their schemas', () => {
  let gateway: TestGateway
  let stripe: FakeStripe
  let receiver: WebhookReceiver
  let owner: ConsoleClient

  before(async () => {
    stripe = await startFakeStripe()
    receiver = await startWebhookReceiver()
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        payments: { stripe: { api_base: stripe.url } },
        billing: { signup_credit: '2' },
        alerts: { allow_private_webhook_targets: true, poll_interval_ms: 20 },
      },
      { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret },
    )
    stripe.webhookUrl = `${gateway.url}/api/v1/payments/stripe/webhook`
    owner = new ConsoleClient(gateway.url)
    await owner.signUp('schemas@example.test')
  })
  after(async () => {
    await gateway?.close()
    await stripe?.close()
    await receiver?.close()
  })

  function parses(schema: z.ZodType, answer: { status: number; body: unknown }, what: string) {
    assert.ok(answer.status < 300, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`)
    const result = schema.safeParse(answer.body)
    assert.ok(result.success, `${what}: ${result.success ? '' : JSON.stringify(result.error.issues)}`)
  }

  test('session, sessions, workspace, members and audit', async () => {
    parses(sessionAnswer, await owner.get('/api/v1/auth/session'), 'session')
    parses(sessionsAnswer, await owner.get('/api/v1/auth/sessions'), 'sessions')
    parses(workspaceAnswer, await owner.get('/api/v1/workspace'), 'workspace')
    await owner.post('/api/v1/members/invites', { email: 'invitee@example.test', role: 'viewer' })
    parses(membersAnswer, await owner.get('/api/v1/members'), 'members')
    parses(auditAnswer, await owner.get('/api/v1/audit'), 'audit')
  })

  test('keys, credits, overview, card checkout preview and purchases, after traffic and a purchase', async () => {
    const created = await owner.post('/api/v1/keys', {
      name: 'schema key',
      lanes: ['cheap'],
      limits: { rpm: 10 },
    })
    parses(keyCreatedAnswer, created, 'key created')
    const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    assert.equal(chat.status, 200)
    await chat.text()
    const checkout = await owner.post('/api/v1/credits/checkout', { amount: '10' })
    await stripe.pay(new URL(checkout.body.url).pathname.split('/').at(-1)!)
    parses(keysAnswer, await owner.get('/api/v1/keys'), 'keys')
    const limited = await owner.request('PUT', `/api/v1/keys/${created.body.id}/budget`, {
      day: '1.50',
      total: '10',
    })
    parses(budgetAnswer, limited, 'key budget')
    const withBudget = await owner.get('/api/v1/keys')
    parses(keysAnswer, withBudget, 'keys with a budget')
    assert.ok(withBudget.body.data.some((key: { budget: unknown }) => key.budget !== null))
    parses(
      budgetAnswer,
      await owner.request('PUT', '/api/v1/workspace/budget', { month: '100' }),
      'workspace budget set',
    )
    parses(budgetAnswer, await owner.get('/api/v1/workspace/budget'), 'workspace budget')
    parses(creditsAnswer, await owner.get('/api/v1/credits'), 'credits')
    parses(overviewAnswer, await owner.get('/api/v1/overview'), 'overview')
    parses(checkoutPreviewAnswer, await owner.get('/api/v1/credits/checkout-preview'), 'preview')
    parses(
      checkoutPreviewAnswer,
      await owner.get('/api/v1/credits/checkout-preview?amount=12.50'),
      'preview with amount',
    )
    const purchases = await owner.get('/api/v1/credits/purchases')
    parses(purchasesAnswer, purchases, 'purchases')
    parses(autoTopUpAnswer, await owner.get('/api/v1/credits/auto-top-up'), 'auto top-up')
    assert.equal(purchases.body.data[0].status, 'paid')
    // The schemas are not a formality: an extra field fails.
    assert.equal(
      creditsAnswer.safeParse({ ...(await owner.get('/api/v1/credits')).body, surprise: 1 }).success,
      false,
    )
  })
  test('alert settings, webhooks, a test delivery and the delivery log', async () => {
    parses(alertSettingsAnswer, await owner.get('/api/v1/alerts/settings'), 'alert settings')
    parses(
      alertSettingsAnswer,
      await owner.request('PUT', '/api/v1/alerts/settings', { balance_below: '5.00', email: true }),
      'alert settings updated',
    )
    const created = await owner.post('/api/v1/alerts/webhooks', { url: receiver.url })
    parses(alertWebhookCreatedAnswer, created, 'webhook created')
    parses(alertWebhooksAnswer, await owner.get('/api/v1/alerts/webhooks'), 'webhooks')
    parses(alertTestAnswer, await owner.post(`/api/v1/alerts/webhooks/${created.body.id}/test`), 'test')
    await receiver.waitForCalls(1)
    parses(alertDeliveriesAnswer, await owner.get('/api/v1/alerts/deliveries'), 'deliveries')
  })
})
