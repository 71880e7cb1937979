/**
 * Auto top-up against a fake Stripe on 127.0.0.1 (the real `stripe` SDK pointed at it): a card
 * saved through a paid checkout, enabling refused without one, a real request that leaves the
 * balance below the threshold charging the card off-session once, credits arriving once from the
 * signed webhook (10 parallel replays), one PaymentIntent per interval however many batches and
 * instances observe, declines counted once per attempt with an alert and auto top-up switched off
 * after three in a row, and refund and dispute alerts raised once. The claim alone, on SQLite and
 * PostgreSQL: auto-top-up-claim.test.ts.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type AutoTopUp, createAutoTopUp } from '../../src/billing/auto-top-up.ts'
import { createCardPayments } from '../../src/billing/card-payments.ts'
import type { AlertEvent, SpendObservation } from '../../src/contracts/alert-events.ts'
import { autoTopUpAnswer, purchasesAnswer } from '../../src/contracts/console-answers.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

const HOUR_MS = 3_600_000
const USD = 1_000_000_000

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('auto top-up', () => {
  let gateway: TestGateway
  let stripe: FakeStripe
  let buyer: ConsoleClient
  let workspaceId: string
  /** The test's own instances (as a second gateway would have), with a clock and an alert sink. */
  let clockMs = Date.now()
  const alerts: AlertEvent[] = []
  let ours: AutoTopUp
  let oursCards: ReturnType<typeof createCardPayments>

  const balance = async () => (await gateway.store.ledger.balance(workspaceId)).balanceNano
  const intentCalls = () => stripe.calls.filter((call) => call.path === '/v1/payment_intents')
  const observation = (availableNano: number): SpendObservation => ({
    workspaceId,
    balanceBeforeNano: availableNano + 1,
    balanceAfterNano: availableNano,
    heldAfterNano: 0,
    budgets: [],
    entryId: `le_test_${Math.random()}`,
    at: new Date(clockMs).toISOString(),
  })
  /** Signs an event and hands it to our card payments' webhook (as the gateway's route does). */
  const deliverToOurs = (event: object) => {
    const { body, signature } = stripe.sign(event)
    return oursCards.webhook(Buffer.from(body), signature)
  }
  const settings = async () => {
    const answer = await buyer.get('/api/v1/credits/auto-top-up')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.ok(autoTopUpAnswer.safeParse(answer.body).success, JSON.stringify(answer.body))
    return answer.body
  }

  before(async () => {
    stripe = await startFakeStripe()
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        payments: {
          stripe: {
            api_base: stripe.url,
            minimum: '5',
            maximum: '500',
            auto_top_up: { min_interval_seconds: 3600, max_failures: 3 },
          },
        },
      },
      { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret },
    )
    stripe.webhookUrl = `${gateway.url}/api/v1/payments/stripe/webhook`
    buyer = new ConsoleClient(gateway.url)
    workspaceId = (await buyer.signUp('auto@example.test')).body.workspace.id
    const logger = createLogger({ level: 'silent' })
    const common = {
      stripe: gateway.config.payments.stripe,
      payments: gateway.store.payments,
      purchaseFee: (amountNano: number) => gateway.gateway.billing.purchaseFee(amountNano),
      creditExpiresAt: () => null,
      logger,
      alerts: { raise: (event: AlertEvent) => alerts.push(event) },
      now: () => new Date(clockMs),
    }
    ours = createAutoTopUp({ ...common, settings: gateway.store.autoTopUp })
    oursCards = createCardPayments({
      ...common,
      autoTopUp: ours,
      feeTerms: { fixed: '0.35', percent: '5' },
      publicUrl: () => gateway.url,
    })
  })
  after(async () => {
    await stripe?.idle()
    await gateway?.close()
    await stripe?.close()
  })

  test('enabling is refused without a saved card; amounts are checked', async () => {
    const refused = await buyer.request('PUT', '/api/v1/credits/auto-top-up', {
      enabled: true,
      threshold: '10',
      amount: '20',
    })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.error.param, 'enabled')
    assert.match(refused.body.error.message, /save_card/)
    for (const amount of ['4.99', '500.01']) {
      const answer = await buyer.request('PUT', '/api/v1/credits/auto-top-up', {
        enabled: false,
        threshold: '10',
        amount,
      })
      assert.equal(answer.status, 400, amount)
      assert.equal(answer.body.error.param, 'amount')
    }
    const body = await settings()
    assert.deepEqual([body.enabled, body.card, body.failures], [false, null, 0])
  })

  test('a paid checkout with save_card saves the card on the workspace’s Stripe customer', async () => {
    const checkout = await buyer.post('/api/v1/credits/checkout', { amount: '10', save_card: true })
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body))
    const customers = stripe.calls.filter((call) => call.path === '/v1/customers')
    assert.equal(customers.length, 1)
    assert.equal(customers[0]!.form['metadata[workspace_id]'], workspaceId)
    const session = stripe.sessions.get(new URL(checkout.body.url).pathname.split('/').at(-1)!)!
    assert.equal(session.customer, [...stripe.customers.keys()][0])
    assert.equal(session.setup_future_usage, 'off_session')
    assert.deepEqual(session.allowed_payment_method_types, ['card'])
    // Nothing is saved before Stripe says the checkout was paid.
    assert.equal((await settings()).card, null)
    await stripe.pay(session.id)
    assert.equal(await balance(), 10 * USD)
    assert.deepEqual((await settings()).card, { brand: 'visa', last4: '4242' })
    // A second saving checkout reuses the customer.
    await buyer.post('/api/v1/credits/checkout', { amount: '5', save_card: true })
    assert.equal(stripe.calls.filter((call) => call.path === '/v1/customers').length, 1)
  })

  test('a request that leaves the balance below the threshold charges the saved card once; credits come from the webhook once', async () => {
    const enabled = await buyer.request('PUT', '/api/v1/credits/auto-top-up', {
      enabled: true,
      threshold: '10',
      amount: '20',
    })
    assert.equal(enabled.status, 200, JSON.stringify(enabled.body))
    assert.deepEqual([enabled.body.enabled, enabled.body.threshold, enabled.body.amount], [true, '10', '20'])
    const audit = await buyer.get('/api/v1/audit')
    assert.ok(
      audit.body.data.some((entry: { action: string }) => entry.action === 'credits.auto_top_up_updated'),
    )

    const key = (await buyer.post('/api/v1/keys', { name: 'spender' })).body.key as string
    const start = await balance()
    const served = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    assert.equal(served.status, 200)
    await served.text()
    await waitFor('the charge', () => intentCalls().length === 1)
    await gateway.gateway.autoTopUp.idle()
    await stripe.idle()
    const call = intentCalls()[0]!
    const stored = await gateway.store.autoTopUp.find(workspaceId)
    assert.deepEqual(
      [call.form.amount, call.form.currency, call.form.off_session, call.form.confirm],
      ['2135', 'usd', 'true', 'true'],
    )
    assert.equal(call.form.customer, stored!.customerId)
    assert.equal(call.form.payment_method, stored!.paymentMethod)
    assert.equal(call.form['metadata[workspace_id]'], workspaceId)
    assert.equal(call.idempotencyKey, call.form['metadata[purchase_id]'])
    const spent = start - (await balance()) + 20 * USD
    assert.ok(spent > 0 && spent < USD, `the request cost ${spent} nano-USD`)
    const purchases = await buyer.get('/api/v1/credits/purchases')
    assert.ok(purchasesAnswer.safeParse(purchases.body).success)
    const topUp = purchases.body.data[0]
    assert.deepEqual(
      [topUp.id, topUp.kind, topUp.status, topUp.amount, topUp.fee, topUp.total],
      [call.idempotencyKey, 'auto_top_up', 'paid', '20', '1.35', '21.35'],
    )
    assert.match(topUp.receipt_url, /\/receipts\/pi_test_/)

    // The same event delivered 10 times in parallel credits nothing more.
    const succeeded = stripe.delivered.find((event) => event.type === 'payment_intent.succeeded')!
    const after = await balance()
    const statuses = await Promise.all(Array.from({ length: 10 }, () => stripe.deliver(succeeded)))
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.equal(await balance(), after)
    assert.notEqual((await settings()).last_attempt_at, null)
  })

  test('many concurrent observations on two instances start one PaymentIntent per interval', async () => {
    stripe.deliverChargeEvents = false
    clockMs = Date.now() + 2 * HOUR_MS
    const other = createAutoTopUp({
      stripe: gateway.config.payments.stripe,
      settings: gateway.store.autoTopUp,
      payments: gateway.store.payments,
      purchaseFee: (amountNano) => gateway.gateway.billing.purchaseFee(amountNano),
      creditExpiresAt: () => null,
      logger: createLogger({ level: 'silent' }),
      now: () => new Date(clockMs),
    })
    const before = intentCalls().length
    for (let index = 0; index < 50; index++) {
      ours.observeSpend(observation(USD))
      other.observeSpend(observation(USD))
    }
    await Promise.all([ours.idle(), other.idle()])
    assert.equal(intentCalls().length, before + 1)
    // Within the interval nothing more; above the threshold nothing either.
    clockMs += HOUR_MS / 2
    ours.observeSpend(observation(USD))
    other.observeSpend(observation(USD))
    await Promise.all([ours.idle(), other.idle()])
    assert.equal(intentCalls().length, before + 1)
    clockMs += HOUR_MS
    ours.observeSpend(observation(50 * USD))
    await ours.idle()
    assert.equal(intentCalls().length, before + 1)
    ours.observeSpend(observation(USD))
    await ours.idle()
    assert.equal(intentCalls().length, before + 2)
  })

  test('declines are counted once per attempt and alerted; a success resets; three in a row switch it off', async () => {
    stripe.deliverChargeEvents = false
    alerts.length = 0
    const attempt = async (outcome: 'succeed' | 'decline' | 'authentication_required') => {
      stripe.chargeOutcome = outcome
      clockMs += HOUR_MS + 1000
      const count = intentCalls().length
      ours.observeSpend(observation(USD))
      await ours.idle()
      assert.equal(intentCalls().length, count + 1)
      return stripe.paymentIntents.get([...stripe.paymentIntents.keys()].at(-1)!)!
    }

    const declined = await attempt('decline')
    assert.equal((await settings()).failures, 1)
    assert.equal(alerts.length, 1)
    assert.deepEqual(
      [alerts[0]!.kind, alerts[0]!.workspaceId, alerts[0]!.data.reason, alerts[0]!.data.switched_off],
      ['auto_top_up.failed', workspaceId, 'card_declined (insufficient_funds)', false],
    )
    assert.equal(alerts[0]!.dedupeKey, `auto_top_up.failed:${declined.metadata.purchase_id}`)
    // Stripe's own report of the same failure (the webhook) does not count it again.
    const failedEvent = stripe.event('payment_intent.payment_failed', { ...declined })
    assert.equal((await deliverToOurs(failedEvent)).status, 200)
    assert.equal(await stripe.deliver(failedEvent), 200)
    assert.equal((await settings()).failures, 1)
    assert.equal(alerts.length, 1)

    // A success (credited through the webhook) starts the count again.
    const paid = await attempt('succeed')
    const before = await balance()
    assert.equal((await deliverToOurs(stripe.event('payment_intent.succeeded', { ...paid }))).status, 200)
    assert.equal(await balance(), before + 20 * USD)
    assert.equal((await settings()).failures, 0)

    await attempt('authentication_required')
    await attempt('decline')
    assert.deepEqual([(await settings()).enabled, (await settings()).failures], [true, 2])
    // The third failure is reported by the webhook only (a charge that failed after processing).
    stripe.chargeOutcome = 'succeed'
    const late = await attempt('succeed')
    const failed = {
      ...late,
      status: 'requires_payment_method',
      amount_received: 0,
      last_payment_error: { type: 'card_error', code: 'expired_card', message: 'Your card has expired.' },
    }
    assert.equal((await deliverToOurs(stripe.event('payment_intent.payment_failed', failed))).status, 200)
    const off = await settings()
    assert.deepEqual([off.enabled, off.failures], [false, 3])
    assert.match(off.disabled_reason, /3 failed charges in a row \(last: expired_card\)/)
    assert.equal(alerts.length, 4)
    assert.equal(alerts.at(-1)!.data.switched_off, true)
    assert.match(alerts.at(-1)!.summary, /switched off/)
    assert.equal(new Set(alerts.map((alert) => alert.dedupeKey)).size, 4)
    // Switched off: no more charges.
    clockMs += 2 * HOUR_MS
    const count = intentCalls().length
    ours.observeSpend(observation(USD))
    await ours.idle()
    assert.equal(intentCalls().length, count)
    // Enabling again starts afresh.
    const again = await buyer.request('PUT', '/api/v1/credits/auto-top-up', {
      enabled: true,
      threshold: '10',
      amount: '20',
    })
    assert.deepEqual([again.body.enabled, again.body.failures, again.body.disabled_reason], [true, 0, null])
  })

  test('refunds and lost disputes raise one alert each, after the take-back', async () => {
    alerts.length = 0
    const checkout = await oursCards.checkout(workspaceId, 'test', '30')
    const session = stripe.sessions.get(new URL(checkout.url).pathname.split('/').at(-1)!)!
    session.payment_intent = 'pi_test_alerted'
    session.payment_status = 'paid'
    await deliverToOurs(stripe.event('checkout.session.completed', { ...session }))
    const refund = stripe.event('charge.refunded', {
      id: 'ch_test_alerted',
      object: 'charge',
      payment_intent: session.payment_intent,
      amount: session.amount_total,
      amount_refunded: 1000,
      metadata: session.metadata,
    })
    const dispute = stripe.event('charge.dispute.closed', {
      id: 'dp_test_alerted',
      object: 'dispute',
      payment_intent: session.payment_intent,
      amount: 2000,
      status: 'lost',
      metadata: session.metadata,
    })
    for (let index = 0; index < 3; index++) {
      await deliverToOurs(refund)
      await deliverToOurs(dispute)
    }
    const kinds = alerts.map((alert) => [alert.kind, alert.dedupeKey, alert.data.taken_back])
    assert.deepEqual(kinds, [
      ['payment.refunded', refund.id, '10'],
      ['payment.disputed', dispute.id, '10'],
    ])
  })

  test('forgetting the card switches auto top-up off and detaches it', async () => {
    const method = (await gateway.store.autoTopUp.find(workspaceId))!.paymentMethod!
    const answer = await buyer.request('DELETE', '/api/v1/credits/auto-top-up/card')
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
    assert.ok(autoTopUpAnswer.safeParse(answer.body).success)
    assert.deepEqual([answer.body.enabled, answer.body.card], [false, null])
    assert.ok(stripe.calls.some((call) => call.path === `/v1/payment_methods/${method}/detach`))
    const audit = await buyer.get('/api/v1/audit')
    assert.ok(audit.body.data.some((entry: { action: string }) => entry.action === 'credits.card_removed'))
  })
})
