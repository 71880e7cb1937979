/**
 * The fake Stripe's off-session charges (fake-stripe.ts serves them): a PaymentIntent confirmed
 * with a saved card succeeds, or fails as a real card does, answered with Stripe's card-error
 * JSON and HTTP 402 (so the SDK throws `StripeCardError`), with the webhook events Stripe would
 * send after answering.
 *
 * @module
 */

export interface FakePaymentIntent {
  id: string
  object: 'payment_intent'
  amount: number
  amount_received: number
  currency: string
  customer: string | null
  payment_method: string | null
  status: 'succeeded' | 'requires_payment_method' | 'processing'
  off_session: boolean
  metadata: Record<string, string>
  last_payment_error: { type: string; code: string; decline_code?: string; message: string } | null
}

/** What `POST /v1/payment_intents` does next: succeed, or fail as a real card would. */
export type FakeChargeOutcome = 'succeed' | 'decline' | 'authentication_required'

/** A card a checkout saved, by payment method ID. */
export interface FakeCard {
  customer: string | null
  brand: string
  last4: string
}

/** `metadata[key]` form fields as an object. */
export function metadataOf(form: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {}
  for (const [key, value] of Object.entries(form)) {
    const match = /^metadata\[(\w+)\]$/.exec(key)
    if (match) metadata[match[1]!] = value
  }
  return metadata
}

/** A card payment method as Stripe answers it (expanded on a PaymentIntent). */
export function paymentMethodObject(cards: ReadonlyMap<string, FakeCard>, methodId: string) {
  const card = cards.get(methodId)
  return {
    id: methodId,
    object: 'payment_method',
    type: 'card',
    customer: card?.customer ?? null,
    card: { brand: card?.brand ?? 'visa', last4: card?.last4 ?? '4242', exp_month: 12, exp_year: 2030 },
  }
}

const CARD_ERRORS = {
  decline: {
    type: 'card_error',
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  authentication_required: {
    type: 'card_error',
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
} as const

/**
 * Confirms an off-session PaymentIntent from its form: a card that is not the customer's is
 * declined; otherwise `outcome` decides. Answers the intent, the HTTP answer and the events.
 */
export function chargeSavedCard(input: {
  form: Record<string, string>
  cards: ReadonlyMap<string, FakeCard>
  outcome: FakeChargeOutcome
  base: string
  event(type: string, object: object): object
  newId(prefix: string): string
}) {
  const { form, cards, base } = input
  const intent: FakePaymentIntent = {
    id: input.newId('pi'),
    object: 'payment_intent',
    amount: Number(form.amount),
    amount_received: 0,
    currency: form.currency ?? 'usd',
    customer: form.customer ?? null,
    payment_method: form.payment_method ?? null,
    status: 'succeeded',
    off_session: form.off_session === 'true',
    metadata: metadataOf(form),
    last_payment_error: null,
  }
  const card = intent.payment_method === null ? undefined : cards.get(intent.payment_method)
  const outcome = card === undefined || card.customer !== intent.customer ? 'decline' : input.outcome
  const charge = input.newId('ch')
  if (outcome === 'succeed') {
    intent.amount_received = intent.amount
    const events = [
      input.event('payment_intent.succeeded', { ...intent }),
      input.event('charge.succeeded', {
        id: charge,
        object: 'charge',
        payment_intent: intent.id,
        amount: intent.amount,
        receipt_url: `${base}/receipts/${intent.id}`,
      }),
    ]
    return { intent, answer: { status: 200, body: intent }, events }
  }
  const error = CARD_ERRORS[outcome]
  intent.status = 'requires_payment_method'
  intent.last_payment_error = { ...error }
  const body = {
    error: {
      ...error,
      charge,
      doc_url: `https://stripe.com/docs/error-codes/${error.code.replaceAll('_', '-')}`,
      payment_intent: intent,
      payment_method:
        intent.payment_method === null ? undefined : paymentMethodObject(cards, intent.payment_method),
      request_log_url: `${base}/logs/${charge}`,
    },
  }
  return {
    intent,
    answer: { status: 402, body },
    events: [input.event('payment_intent.payment_failed', { ...intent })],
  }
}
