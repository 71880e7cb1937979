/**
 * The console's accounts and card payments on PostgreSQL shared by two gateway instances: a
 * session made on one works on the other, an invitation is accepted once, and webhook
 * deliveries split across both instances credit a purchase once and take refunds back once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createLogger } from '../../src/logging/logger.ts'
import { type RunningGateway, startGateway } from '../../src/server/start-gateway.ts'
import { createStore } from '../../src/storage/create-store.ts'
import type { Store } from '../../src/storage/store.ts'
import { type FakeStripe, startFakeStripe } from '../fakes/fake-stripe.ts'
import { dropSchema, postgresSkipReason, TEST_POSTGRES_URL, uniqueSchemaName } from '../helpers/backends.ts'
import { ConsoleClient } from '../helpers/console-client.ts'
import { linkIn, type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher.ts'
import { offer, startTestGateway, type TestGateway, testConfig } from '../helpers/test-gateway.ts'

const skip = await postgresSkipReason()

describe('console on PostgreSQL, two instances', { skip }, () => {
  let store: Store
  let schema: string
  let stripe: FakeStripe
  let smtp: SmtpCatcher
  let one: TestGateway
  let two: RunningGateway

  before(async () => {
    schema = uniqueSchemaName('console')
    store = await createStore({ kind: 'postgres', url: TEST_POSTGRES_URL }, { schema, maxConnections: 20 })
    stripe = await startFakeStripe()
    smtp = await startSmtpCatcher()
    const document = {
      providers: [{ name: 'sim', kind: 'sim' }],
      models: [{ id: 'sim-echo', offers: [offer('sim')] }],
      payments: { stripe: { api_base: stripe.url } },
      smtp: { url: smtp.url },
    }
    const env = { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret }
    one = await startTestGateway(document, env, { store })
    two = await startGateway(testConfig(document, env), { store, logger: createLogger({ level: 'silent' }) })
  })
  after(async () => {
    await two?.close()
    await one?.close()
    await store?.close()
    await dropSchema(schema)
    await stripe?.close()
    await smtp?.close()
  })

  test('a session made on one instance works on the other; an invitation is accepted once', async () => {
    const owner = new ConsoleClient(one.url)
    await owner.signUp('pg-owner@example.test')
    const elsewhere = new ConsoleClient(two.url)
    elsewhere.cookie = owner.cookie
    elsewhere.csrf = owner.csrf
    const session = await elsewhere.get('/api/v1/auth/session')
    assert.equal(session.status, 200)
    assert.equal(session.body.user.email, 'pg-owner@example.test')
    assert.equal(
      (await elsewhere.post('/api/v1/members/invites', { email: 'pg-dev@example.test', role: 'developer' }))
        .status,
      201,
    )
    const { token } = linkIn(await smtp.waitFor('pg-dev@example.test', /invited/))
    const [a, b] = [new ConsoleClient(one.url), new ConsoleClient(two.url)]
    await a.signUp('pg-dev@example.test')
    b.cookie = a.cookie
    b.csrf = a.csrf
    const accepted = await Promise.all([
      a.post('/api/v1/auth/accept-invite', { token }),
      b.post('/api/v1/auth/accept-invite', { token }),
    ])
    assert.deepEqual(accepted.map((answer) => answer.status).sort(), [200, 400])
    const members = (await owner.get('/api/v1/members')).body.data
    assert.deepEqual(
      members.map((member: { email: string; role: string }) => `${member.email}:${member.role}`),
      ['pg-owner@example.test:owner', 'pg-dev@example.test:developer'],
    )
  })

  test('deliveries split across instances credit once and take a refund back once', async () => {
    const buyer = new ConsoleClient(one.url)
    const workspaceId = (await buyer.signUp('pg-payer@example.test')).body.workspace.id
    const checkout = await buyer.post('/api/v1/credits/checkout', { amount: '40' })
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body))
    const session = stripe.sessions.get(new URL(checkout.body.url).pathname.split('/').at(-1)!)!
    session.payment_intent = 'pi_test_pg'
    session.payment_status = 'paid'
    const paid = stripe.event('checkout.session.completed', { ...session })
    const urls = [one.url, two.url]
    const deliver = (event: object, index: number) => {
      stripe.webhookUrl = `${urls[index % 2]}/api/v1/payments/stripe/webhook`
      const signed = stripe.sign(event)
      return fetch(stripe.webhookUrl, {
        method: 'POST',
        headers: { 'stripe-signature': signed.signature },
        body: signed.body,
      }).then((response) => response.status)
    }
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, index) => deliver(paid, index)))
    assert.deepEqual(new Set(statuses), new Set([200]))
    assert.equal((await store.ledger.balance(workspaceId)).balanceNano, 40_000_000_000)
    const refund = (cents: number) =>
      stripe.event('charge.refunded', {
        id: 'ch_pg',
        object: 'charge',
        payment_intent: 'pi_test_pg',
        amount_refunded: cents,
        metadata: session.metadata,
      })
    // Two partial refunds' events race on both instances, each delivered twice.
    await Promise.all([
      deliver(refund(1000), 0),
      deliver(refund(2500), 1),
      deliver(refund(1000), 1),
      deliver(refund(2500), 0),
    ])
    assert.equal((await store.ledger.balance(workspaceId)).balanceNano, 15_000_000_000)
    const problems = await store.ledger.verify()
    assert.deepEqual(problems, [])
  })
})
