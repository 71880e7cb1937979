/**
 * A fake Stripe on 127.0.0.1 that speaks Stripe's wire format for what OneKey calls: the API's
 * `POST /v1/checkout/sessions` (form-encoded, bearer secret key, Idempotency-Key honoured), a
 * hosted payment page (`GET /pay/{session}` with a Pay button), customers, off-session
 * PaymentIntents (`POST /v1/payment_intents`: succeed, or a card error answered as Stripe does,
 * HTTP 402 with `type: card_error`, so the SDK throws `StripeCardError`), PaymentIntents read with
 * their payment method expanded, detaching a card, and webhook deliveries to the gateway signed
 * exactly as Stripe signs them (the SDK's `generateTestHeaderString`). Tests use its helpers to
 * send the events a real account would: paid, delayed, refunded, disputed.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'
import {
  chargeSavedCard,
  type FakeCard,
  type FakeChargeOutcome,
  type FakePaymentIntent,
  metadataOf,
  paymentMethodObject,
} from './fake-stripe-charges.ts'

export type { FakeChargeOutcome, FakePaymentIntent } from './fake-stripe-charges.ts'

export interface FakeSession {
  id: string
  object: 'checkout.session'
  url: string
  amount_total: number
  currency: string
  payment_status: 'unpaid' | 'paid'
  status: 'open' | 'complete' | 'expired'
  payment_intent: string | null
  metadata: Record<string, string>
  client_reference_id: string | null
  success_url: string
  cancel_url: string
  mode: 'payment'
  allowed_payment_method_types: string[]
  /** The Stripe customer charged, when the checkout saves the card. */
  customer: string | null
  /** `off_session` when the card is kept for later charges. */
  setup_future_usage: string | null
  line_items: { name: string; unit_amount: number; quantity: number }[]
}

export interface FakeStripe {
  url: string
  secretKey: string
  webhookSecret: string
  sessions: Map<string, FakeSession>
  customers: Map<string, { id: string; object: 'customer'; metadata: Record<string, string> }>
  paymentIntents: Map<string, FakePaymentIntent>
  /** The outcome of the next off-session charges (default `succeed`). */
  chargeOutcome: FakeChargeOutcome
  /** false: charges deliver no `payment_intent.*` webhooks (tests deliver them by hand). */
  deliverChargeEvents: boolean
  /** Every event delivered, in order. */
  delivered: { id: string; type: string; data: { object: Record<string, unknown> } }[]
  /** Resolves when the webhooks of every charge so far have been delivered. */
  idle(): Promise<void>
  /** Every API call: method, path, form fields. */
  calls: { method: string; path: string; form: Record<string, string>; idempotencyKey: string | undefined }[]
  /** Where webhooks go (set once the gateway is up). */
  webhookUrl: string
  /** A signed event body and its Stripe-Signature header (timestamp in seconds, default now). */
  sign(event: object, timestamp?: number): { body: string; signature: string }
  event(type: string, object: object): { id: string; object: 'event'; type: string; data: { object: object } }
  /** Delivers an event to the webhook URL; resolves with the gateway's status. */
  deliver(event: object, options?: { signature?: string; timestamp?: number }): Promise<number>
  /** Marks a session paid and delivers `checkout.session.completed` (and the receipt's `charge.succeeded`). */
  pay(sessionId: string, options?: { amountTotal?: number; async?: boolean }): Promise<FakeSession>
  refund(sessionId: string, cumulativeCents: number): Promise<number>
  loseDispute(sessionId: string, cents: number): Promise<number>
  close(): Promise<void>
}

const id = (prefix: string) => `${prefix}_test_${randomBytes(10).toString('hex')}`

async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startFakeStripe(): Promise<FakeStripe> {
  const secretKey = `sk_test_${randomBytes(12).toString('hex')}`
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`
  const signer = new Stripe(secretKey)
  const sessions = new Map<string, FakeSession>()
  const byIdempotencyKey = new Map<string, FakeSession>()
  const calls: FakeStripe['calls'] = []
  const customers: FakeStripe['customers'] = new Map()
  const paymentIntents = new Map<string, FakePaymentIntent>()
  /** The payment methods saved by checkouts, by ID. */
  const cards = new Map<string, FakeCard>()
  /** Answers already given per Idempotency-Key (Stripe replays them). */
  const answered = new Map<string, { status: number; body: unknown }>()
  const deliveries = new Set<Promise<unknown>>()
  let base = ''

  /** Delivers events in order in the background (as Stripe does after answering). */
  function deliverLater(events: object[]) {
    const delivery = (async () => {
      for (const event of events) await fake.deliver(event)
    })()
    deliveries.add(delivery)
    void delivery.finally(() => deliveries.delete(delivery))
  }

  /** `POST /v1/payment_intents` with confirm and off_session: a charge of the saved card. */
  function createPaymentIntent(form: Record<string, string>): { status: number; body: unknown } {
    const { intent, answer, events } = chargeSavedCard({
      form,
      cards,
      outcome: fake.chargeOutcome,
      base,
      event: fake.event,
      newId: id,
    })
    paymentIntents.set(intent.id, intent)
    if (fake.deliverChargeEvents) deliverLater(events)
    return answer
  }

  function sessionFromForm(form: Record<string, string>): FakeSession {
    const items: FakeSession['line_items'] = []
    for (let index = 0; form[`line_items[${index}][quantity]`] !== undefined; index++) {
      items.push({
        name: form[`line_items[${index}][price_data][product_data][name]`] ?? '',
        unit_amount: Number(form[`line_items[${index}][price_data][unit_amount]`]),
        quantity: Number(form[`line_items[${index}][quantity]`]),
      })
    }
    const metadata = metadataOf(form)
    const methods: string[] = []
    for (const [key, value] of Object.entries(form))
      if (key.startsWith('allowed_payment_method_types[')) methods.push(value)
    const sessionId = id('cs')
    return {
      id: sessionId,
      object: 'checkout.session',
      url: `${base}/pay/${sessionId}`,
      amount_total: items.reduce((sum, item) => sum + item.unit_amount * item.quantity, 0),
      currency: form['line_items[0][price_data][currency]'] ?? 'usd',
      payment_status: 'unpaid',
      status: 'open',
      payment_intent: null,
      metadata,
      client_reference_id: form.client_reference_id ?? null,
      success_url: form.success_url ?? '',
      cancel_url: form.cancel_url ?? '',
      mode: 'payment',
      allowed_payment_method_types: methods,
      customer: form.customer ?? null,
      setup_future_usage: form['payment_intent_data[setup_future_usage]'] ?? null,
      line_items: items,
    }
  }

  const fake: FakeStripe = {
    url: '',
    secretKey,
    webhookSecret,
    sessions,
    customers,
    paymentIntents,
    chargeOutcome: 'succeed',
    deliverChargeEvents: true,
    delivered: [],
    async idle() {
      while (deliveries.size > 0) await Promise.allSettled([...deliveries])
    },
    calls,
    webhookUrl: '',
    sign(event, timestamp) {
      const body = JSON.stringify(event)
      return {
        body,
        signature: signer.webhooks.generateTestHeaderString({
          payload: body,
          secret: webhookSecret,
          ...(timestamp === undefined ? {} : { timestamp }),
        }),
      }
    },
    event(type, object) {
      return {
        id: id('evt'),
        object: 'event',
        type,
        api_version: '2026-02-25',
        created: Math.floor(Date.now() / 1000),
        livemode: false,
        data: { object },
      } as never
    },
    async deliver(event, options = {}) {
      fake.delivered.push(event as FakeStripe['delivered'][number])
      const signed = fake.sign(event, options.timestamp)
      const response = await fetch(fake.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': options.signature ?? signed.signature,
        },
        body: signed.body,
      })
      await response.text()
      return response.status
    },
    async pay(sessionId, options = {}) {
      const session = sessions.get(sessionId)
      if (session === undefined) throw new Error(`no session ${sessionId}`)
      session.payment_intent ??= id('pi')
      session.status = 'complete'
      if (session.setup_future_usage === 'off_session' && !paymentIntents.has(session.payment_intent)) {
        // The card paid with is kept on the customer, as Stripe does for setup_future_usage.
        const method = id('pm')
        cards.set(method, { customer: session.customer, brand: 'visa', last4: '4242' })
        paymentIntents.set(session.payment_intent, {
          id: session.payment_intent,
          object: 'payment_intent',
          amount: session.amount_total,
          amount_received: session.amount_total,
          currency: session.currency,
          customer: session.customer,
          payment_method: method,
          status: 'succeeded',
          off_session: false,
          metadata: session.metadata,
          last_payment_error: null,
        })
      }
      if (options.amountTotal !== undefined) session.amount_total = options.amountTotal
      if (options.async) {
        await fake.deliver(fake.event('checkout.session.completed', { ...session, payment_status: 'unpaid' }))
        session.payment_status = 'paid'
        await fake.deliver(fake.event('checkout.session.async_payment_succeeded', { ...session }))
      } else {
        session.payment_status = 'paid'
        await fake.deliver(fake.event('checkout.session.completed', { ...session }))
      }
      await fake.deliver(
        fake.event('charge.succeeded', {
          id: id('ch'),
          object: 'charge',
          payment_intent: session.payment_intent,
          amount: session.amount_total,
          receipt_url: `${base}/receipts/${session.payment_intent}`,
        }),
      )
      return session
    },
    refund(sessionId, cumulativeCents) {
      const session = sessions.get(sessionId)!
      return fake.deliver(
        fake.event('charge.refunded', {
          id: `ch_for_${session.payment_intent}`,
          object: 'charge',
          payment_intent: session.payment_intent,
          amount: session.amount_total,
          amount_refunded: cumulativeCents,
          metadata: session.metadata,
          refunded: cumulativeCents >= session.amount_total,
        }),
      )
    },
    loseDispute(sessionId, cents) {
      const session = sessions.get(sessionId)!
      return fake.deliver(
        fake.event('charge.dispute.closed', {
          id: id('dp'),
          object: 'dispute',
          payment_intent: session.payment_intent,
          amount: cents,
          status: 'lost',
          metadata: session.metadata,
        }),
      )
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', base)
    const send = (status: number, body: unknown, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type })
      response.end(typeof body === 'string' ? body : JSON.stringify(body))
    }
    if (request.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (request.headers.authorization !== `Bearer ${secretKey}`)
        return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } })
      const form = Object.fromEntries(new URLSearchParams(await readText(request)))
      const key = request.headers['idempotency-key'] as string | undefined
      calls.push({ method: 'POST', path: url.pathname, form, idempotencyKey: key })
      const existing = key === undefined ? undefined : byIdempotencyKey.get(key)
      const session = existing ?? sessionFromForm(form)
      sessions.set(session.id, session)
      if (key !== undefined) byIdempotencyKey.set(key, session)
      const { line_items: _items, ...wire } = session
      return send(200, wire)
    }
    const authorized = request.headers.authorization === `Bearer ${secretKey}`
    if (url.pathname.startsWith('/v1/') && !authorized)
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } })
    if (
      request.method === 'POST' &&
      (url.pathname === '/v1/customers' || url.pathname === '/v1/payment_intents')
    ) {
      const form = Object.fromEntries(new URLSearchParams(await readText(request)))
      const key = request.headers['idempotency-key'] as string | undefined
      calls.push({ method: 'POST', path: url.pathname, form, idempotencyKey: key })
      const replay = key === undefined ? undefined : answered.get(`${url.pathname} ${key}`)
      if (replay !== undefined) return send(replay.status, replay.body)
      let answer: { status: number; body: unknown }
      if (url.pathname === '/v1/customers') {
        const customer = { id: id('cus'), object: 'customer' as const, metadata: metadataOf(form) }
        customers.set(customer.id, customer)
        answer = { status: 200, body: customer }
      } else answer = createPaymentIntent(form)
      if (key !== undefined) answered.set(`${url.pathname} ${key}`, answer)
      return send(answer.status, answer.body)
    }
    const customer = /^\/v1\/customers\/(\w+)$/.exec(url.pathname)
    if (request.method === 'GET' && customer !== null) {
      const found = customers.get(customer[1]!)
      if (found !== undefined) return send(200, found)
    }
    const intent = /^\/v1\/payment_intents\/(\w+)$/.exec(url.pathname)
    if (request.method === 'GET' && intent !== null) {
      calls.push({
        method: 'GET',
        path: url.pathname,
        form: Object.fromEntries(url.searchParams),
        idempotencyKey: undefined,
      })
      const found = paymentIntents.get(intent[1]!)
      if (found !== undefined) {
        const expand = [...url.searchParams.entries()].some(
          ([key, value]) => key.startsWith('expand') && value === 'payment_method',
        )
        return send(200, {
          ...found,
          payment_method:
            expand && found.payment_method !== null
              ? paymentMethodObject(cards, found.payment_method)
              : found.payment_method,
        })
      }
    }
    const detach = /^\/v1\/payment_methods\/(\w+)\/detach$/.exec(url.pathname)
    if (request.method === 'POST' && detach !== null && cards.has(detach[1]!)) {
      await readText(request)
      calls.push({ method: 'POST', path: url.pathname, form: {}, idempotencyKey: undefined })
      cards.get(detach[1]!)!.customer = null
      return send(200, { ...paymentMethodObject(cards, detach[1]!), customer: null })
    }
    const pay = /^\/pay\/(cs_test_\w+)$/.exec(url.pathname)
    if (pay !== null) {
      const session = sessions.get(pay[1]!)
      if (session === undefined) return send(404, 'no such session', 'text/plain')
      if (request.method === 'GET') {
        const total = (session.amount_total / 100).toFixed(2)
        return send(
          200,
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head><body><main><h1>Pay $${total}</h1>` +
            `<ul>${session.line_items.map((item) => `<li>${item.name}: $${(item.unit_amount / 100).toFixed(2)}</li>`).join('')}</ul>` +
            `<form method="post"><button type="submit">Pay $${total}</button></form>` +
            `<p><a href="${session.cancel_url}">Cancel</a></p></main></body></html>`,
          'text/html; charset=utf-8',
        )
      }
      await fake.pay(session.id)
      response.writeHead(303, { location: session.success_url })
      return response.end()
    }
    send(404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${url.pathname})`,
      },
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.url = base
  return fake
}
