/**
 * Card payments against a fake Stripe on 127.0.0.1 (the real `stripe` SDK pointed at it): the fee
 * and total before paying, credits only from signed webhooks and exactly once (10 parallel
 * deliveries, two events for one session), forged, unsigned, stale, unknown and underpaid
 * deliveries crediting nothing, refunds and lost disputes taking credit back in any order, and a
 * workspace whose spent credit was taken back refused with 402 until it is settled.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('card payments through Stripe Checkout', () => {
  let gateway: TestGateway
  let stripe: FakeStripe
  let buyer: ConsoleClient
  let workspaceId: string

  const balance = async () => (await gateway.store.ledger.balance(workspaceId)).balanceNano

  /** A checkout of `amount` credits, answered with its Stripe session. */
  async function checkout(amount: string) {
    const answer = await buyer.post('/api/v1/credits/checkout', { amount })
    assert.equal(answer.status, 201, JSON.stringify(answer.body))
    const sessionId = new URL(answer.body.url).pathname.split('/').at(-1)!
    return { answer: answer.body, session: stripe.sessions.get(sessionId)! }
  }

  before(async () => {
    stripe = await startFakeStripe()
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim' }],
        models: [{ id: 'sim-echo', offers: [offer('sim')] }],
        payments: { stripe: { api_base: stripe.url, minimum: '5', maximum: '500' } },
      },
      { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret },
    )
    stripe.webhookUrl = `${gateway.url}/api/v1/payments/stripe/webhook`
    buyer = new ConsoleClient(gateway.url)
    workspaceId = (await buyer.signUp('payer@example.test')).body.workspace.id
  })
  after(async () => {
    await gateway?.close()
    await stripe?.close()
  })

  test('the fee and total are shown before paying; limits and cents are checked', async () => {
    const preview = await buyer.get('/api/v1/credits/checkout-preview?amount=20')
    assert.equal(preview.status, 200)
    assert.deepEqual(
      [
        preview.body.enabled,
        preview.body.amount,
        preview.body.fee,
        preview.body.total,
        preview.body.minimum,
        preview.body.fee_fixed,
        preview.body.fee_percent,
      ],
      [true, '20', '1.35', '21.35', '5', '0.35', '5'],
    )
    for (const amount of ['4.99', '500.01', '10.001', 'ten']) {
      const refused = await buyer.post('/api/v1/credits/checkout', { amount })
      assert.equal(refused.status, 400, amount)
      assert.equal(refused.body.error.param, 'amount')
    }
    assert.equal(stripe.calls.length, 0, 'nothing reached Stripe')
  })

  test('credits arrive from the signed webhook only, once, for what was paid', async () => {
    const start = await balance()
    const { answer, session } = await checkout('20.00')
    assert.deepEqual([answer.amount, answer.fee, answer.total], ['20', '1.35', '21.35'])
    const call = stripe.calls.at(-1)!
    assert.equal(call.form['line_items[0][price_data][unit_amount]'], '2000')
    assert.equal(call.form['line_items[1][price_data][unit_amount]'], '135')
    assert.equal(call.form['metadata[workspace_id]'], workspaceId)
    assert.equal(call.idempotencyKey, answer.purchase_id)
    assert.match(session.success_url, /\/console\/credits\?checkout=success&purchase=pur_/)
    // The success redirect alone credits nothing.
    assert.equal(await balance(), start)

    session.payment_intent = 'pi_test_parallel'
    session.payment_status = 'paid'
    const event = stripe.event('checkout.session.completed', { ...session })
    const statuses = await Promise.all(Array.from({ length: 10 }, () => stripe.deliver(event)))
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.equal(await balance(), start + 20_000_000_000)
    // Another event for the same session (a delayed method's success) credits nothing more.
    assert.equal(
      await stripe.deliver(stripe.event('checkout.session.async_payment_succeeded', { ...session })),
      200,
    )
    assert.equal(await balance(), start + 20_000_000_000)
    const entries = await gateway.store.ledger.list(workspaceId, { limit: 5 })
    assert.deepEqual(
      entries
        .slice(0, 2)
        .map((entry) => [entry.kind, entry.amountNano])
        .sort(),
      [
        ['purchase', 21_350_000_000],
        ['purchase_fee', -1_350_000_000],
      ],
    )
    const purchases = await buyer.get('/api/v1/credits/purchases')
    assert.equal(purchases.body.data[0].status, 'paid')
    assert.equal(purchases.body.data[0].total, '21.35')
  })

  test('forged, unsigned, stale, unknown, foreign-currency and underpaid deliveries credit nothing', async () => {
    const start = await balance()
    const { session } = await checkout('10')
    session.payment_intent = 'pi_test_attacks'
    const paid = stripe.event('checkout.session.completed', { ...session, payment_status: 'paid' })
    const forged = await fetch(stripe.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(paid),
    })
    assert.equal(forged.status, 400)
    const unsigned = await fetch(stripe.webhookUrl, { method: 'POST', body: JSON.stringify(paid) })
    assert.equal(unsigned.status, 400)
    assert.equal(
      await stripe.deliver(paid, { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      400,
      'stale',
    )
    const { body } = stripe.sign(paid)
    const tampered = stripe.sign(paid).signature
    const altered = await fetch(stripe.webhookUrl, {
      method: 'POST',
      headers: { 'stripe-signature': tampered },
      body: body.replace('"amount_total":1', '"amount_total":9'),
    })
    assert.equal(altered.status, 400, 'a body changed after signing')
    assert.equal(
      await stripe.deliver(
        stripe.event('checkout.session.completed', {
          ...session,
          id: 'cs_test_unknown',
          payment_status: 'paid',
        }),
      ),
      200,
    )
    assert.equal(
      await stripe.deliver(
        stripe.event('checkout.session.completed', { ...session, currency: 'eur', payment_status: 'paid' }),
      ),
      200,
    )
    assert.equal(
      await stripe.deliver(
        stripe.event('checkout.session.completed', { ...session, amount_total: 100, payment_status: 'paid' }),
      ),
      200,
    )
    assert.equal(await balance(), start, 'nothing credited')
    const logged = gateway.logs.filter((line) => String(line.msg).startsWith('stripe:'))
    assert.ok(logged.some((line) => /no purchase of ours/.test(String(line.msg))))
    assert.ok(logged.some((line) => /another currency/.test(String(line.msg))))
    assert.ok(logged.some((line) => /paid less/.test(String(line.msg))))
    // The genuine delivery still works afterwards.
    assert.equal(await stripe.deliver(paid), 200)
    assert.equal(await balance(), start + 10_000_000_000)
  })

  test('refunds take credit back by the difference, in any order, and never twice', async () => {
    const start = await balance()
    const { session } = await checkout('30')
    await stripe.pay(session.id)
    assert.equal(await balance(), start + 30_000_000_000)
    assert.equal(await stripe.refund(session.id, 500), 200)
    assert.equal(await balance(), start + 25_000_000_000)
    // The older, smaller cumulative refund arriving late changes nothing; so does a replay.
    assert.equal(await stripe.refund(session.id, 300), 200)
    assert.equal(await stripe.refund(session.id, 500), 200)
    assert.equal(await balance(), start + 25_000_000_000)
    // A full refund (fee included) takes back the rest of the credits, not the fee.
    await stripe.refund(session.id, 3000 + 185)
    assert.equal(await balance(), start)
    const purchase = (await buyer.get('/api/v1/credits/purchases')).body.data[0]
    assert.equal(purchase.refunded, '30')
    assert.match(purchase.receipt_url, /\/receipts\/pi_test_/)
  })

  test('a refund delivered before the payment is taken when the payment lands', async () => {
    const start = await balance()
    const { session } = await checkout('8')
    session.payment_intent = 'pi_test_early_refund'
    // Stripe's events can arrive in any order: the refund first (its metadata names the purchase).
    await stripe.refund(session.id, 800)
    assert.equal(await balance(), start)
    session.payment_status = 'paid'
    await stripe.deliver(stripe.event('checkout.session.completed', { ...session }))
    assert.equal(await balance(), start, 'credited and taken back in one transaction')
  })

  test('a lost dispute after the credit was spent leaves a negative balance: requests get 402 until settled', async () => {
    const { session } = await checkout('5')
    await stripe.pay(session.id)
    const key = (await buyer.post('/api/v1/keys', { name: 'spender' })).body.key as string
    // Spend everything but a little, through the operator's adjustment (a stand-in for usage).
    const now = await balance()
    await gateway.gateway.billing.topUp({
      workspaceId,
      amountNano: -(now - 1_000_000_000),
      idempotencyKey: 'spend-it',
      actor: 'test',
      kind: 'adjustment',
    })
    assert.equal(await stripe.loseDispute(session.id, 535), 200)
    assert.equal(await balance(), 1_000_000_000 - 5_000_000_000)
    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    assert.equal(refused.status, 402)
    const entries = await gateway.store.ledger.list(workspaceId, { limit: 1 })
    assert.deepEqual([entries[0]!.kind, entries[0]!.amountNano], ['dispute', -5_000_000_000])
    // A top-up that covers the debt makes the workspace usable again.
    await gateway.gateway.billing.topUp({
      workspaceId,
      amountNano: 10_000_000_000,
      idempotencyKey: 'settle',
      actor: 'test',
      kind: 'adjustment',
    })
    const served = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-echo', messages: [{ role: 'user', content: 'hi' }] }),
    })
    assert.equal(served.status, 200)
  })
})
