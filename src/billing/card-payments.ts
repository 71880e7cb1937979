/**
 * Buying credits by card through Stripe Checkout (the `stripe` SDK). A checkout creates a
 * Checkout Session for the credits plus the purchase fee, and a purchase row; credits arrive
 * only from the signed webhook (`checkout.session.completed` when paid, or
 * `checkout.session.async_payment_succeeded` for delayed methods), never from the success
 * redirect, for the amount Stripe reports as paid. Refunds (`charge.refunded`) and lost disputes
 * (`charge.dispute.closed`) take credit back, and raise an alert once the take-back commits. A
 * checkout may save the card for auto top-up (auto-top-up.ts), whose off-session charges report
 * through the same webhook (`payment_intent.*`). Every event is applied at most once whatever the
 * order, number or concurrency of deliveries (storage/payment-repository.ts).
 *
 * @module
 */
import type Stripe from 'stripe'
import type { StripeConfig } from '../config/payments-config.ts'
import type { AlertSink } from '../contracts/alert-events.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../logging/logger.ts'
import type { PaymentRepository, PurchaseRecord } from '../storage/payment-repository.ts'
import { formatNanoUsd } from './cost.ts'
import {
  creditPaidPurchase,
  idOf,
  lazyStripeClient,
  NANO_PER_CENT,
  newId,
  openPurchase,
  parsePurchaseAmount,
  pricePurchase,
} from './stripe-purchases.ts'

/**
 * What auto top-up (auto-top-up.ts) adds to card payments: the workspace's Stripe customer for a
 * checkout that saves its card, remembering that card once the checkout is paid, and the outcome
 * of its off-session charges.
 */
export interface SavedCardHooks {
  /** The workspace's Stripe customer, created on first use. */
  customerFor(workspaceId: string): Promise<string>
  /** A paid checkout asked to save its card: remembers the PaymentIntent's payment method. */
  rememberCard(workspaceId: string, customerId: string, paymentIntent: string): Promise<void>
  /** `payment_intent.succeeded` or `payment_intent.payment_failed`; answers the outcome to record. */
  onPaymentIntent(
    type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
    intent: Stripe.PaymentIntent,
  ): Promise<string>
}

export interface CardPaymentsOptions {
  /** null: card payments are off on this deployment. */
  stripe: StripeConfig | null
  payments: PaymentRepository
  /** The fee for a purchase of `amountNano` credits, nano-USD (billing-service.ts). */
  purchaseFee(amountNano: number): number
  /** The fee's terms as the console shows them: a fixed USD part and a percent, decimal strings. */
  feeTerms: { fixed: string; percent: string }
  creditExpiresAt(): string | null
  publicUrl(): string
  logger: Logger
  /** Told of refunds and lost disputes once their take-back committed. */
  alerts?: AlertSink
  /** Saved cards and auto top-up; absent: `save_card` is refused. */
  autoTopUp?: SavedCardHooks
  now?: () => Date
}

/** What a webhook delivery gets back: 2xx tells Stripe to stop retrying. */
export interface WebhookAnswer {
  status: number
  body: string
}

export function publicPurchase(purchase: PurchaseRecord) {
  return {
    id: purchase.id,
    kind: purchase.kind,
    created_at: purchase.createdAt,
    paid_at: purchase.paidAt,
    amount: formatNanoUsd(purchase.amountNano),
    fee: formatNanoUsd(purchase.feeNano),
    total: formatNanoUsd(purchase.totalCents * NANO_PER_CENT),
    currency: purchase.currency,
    status: purchase.status,
    refunded: formatNanoUsd(purchase.takenBackNano),
    disputed: purchase.disputed,
    receipt_url: purchase.receiptUrl,
  }
}

export type CardPayments = ReturnType<typeof createCardPayments>

export function createCardPayments(options: CardPaymentsOptions) {
  const config = options.stripe
  const now = options.now ?? (() => new Date())
  const stripe = lazyStripeClient(config)
  const priced = (amountNano: number) => pricePurchase(amountNano, options.purchaseFee)
  const amountOf = (text: string) => parsePurchaseAmount(config, text)
  const credit = {
    payments: options.payments,
    logger: options.logger,
    creditExpiresAt: options.creditExpiresAt,
  }

  async function onSessionPaid(session: Stripe.Checkout.Session): Promise<string> {
    const purchase = await options.payments.findBySession(session.id)
    if (purchase === undefined) {
      options.logger.warn('stripe: a paid checkout session of no purchase of ours (nothing credited)', {
        session: session.id,
      })
      return 'unknown session'
    }
    const paymentIntent = idOf(session.payment_intent)
    const outcome = await creditPaidPurchase(credit, purchase, {
      cents: session.amount_total,
      currency: session.currency,
      paymentIntent,
      at: now().toISOString(),
    })
    // The card is saved once the payment is credited (again on a replay, in case saving failed).
    const customer = idOf(session.customer)
    if (
      session.metadata?.save_card === 'true' &&
      (outcome === 'credited' || outcome === 'already_credited') &&
      customer !== null &&
      paymentIntent !== null
    )
      await options.autoTopUp?.rememberCard(purchase.workspaceId, customer, paymentIntent)
    return outcome
  }

  /** Tells the workspace that card credit was taken back (once per Stripe event). */
  function alertTakenBack(
    event: Stripe.Event,
    kind: 'payment.refunded' | 'payment.disputed',
    result: Awaited<ReturnType<PaymentRepository['takeBack']>>,
  ) {
    const purchase = result.purchase
    if (purchase === undefined || (result.entry === null && purchase.status === 'paid')) return
    const takenNano = result.entry === null ? 0 : -result.entry.amountNano
    const what = kind === 'payment.refunded' ? 'refunded' : 'disputed and lost'
    options.alerts?.raise({
      workspaceId: purchase.workspaceId,
      kind,
      dedupeKey: event.id,
      summary: `A card payment of ${formatNanoUsd(purchase.totalCents * NANO_PER_CENT)} USD was ${what}: ${formatNanoUsd(takenNano)} USD of credit taken back`,
      data: {
        purchase_id: purchase.id,
        total: formatNanoUsd(purchase.totalCents * NANO_PER_CENT),
        taken_back: formatNanoUsd(takenNano),
        balance_after: result.entry === null ? null : formatNanoUsd(result.entry.balanceAfterNano),
        stripe_event: event.id,
      },
      at: now().toISOString(),
    })
  }

  async function apply(event: Stripe.Event): Promise<string> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const session = event.data.object
        if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required')
          return onSessionPaid(session)
        await options.payments.setStatus(session.id, 'pending', now().toISOString())
        return 'pending'
      }
      case 'checkout.session.async_payment_failed':
        await options.payments.setStatus(event.data.object.id, 'failed', now().toISOString())
        return 'failed'
      case 'checkout.session.expired':
        await options.payments.setStatus(event.data.object.id, 'expired', now().toISOString())
        return 'expired'
      case 'charge.succeeded':
      case 'charge.updated': {
        const charge = event.data.object
        const intent = idOf(charge.payment_intent)
        if (intent !== null && charge.receipt_url)
          await options.payments.setReceipt(intent, charge.receipt_url, now().toISOString())
        return 'receipt'
      }
      case 'charge.refunded': {
        const charge = event.data.object
        const intent = idOf(charge.payment_intent)
        if (intent === null) return 'no payment intent'
        // Refunded money comes out of the credits first; the fee is refunded last (the repository
        // never takes back more than the credits bought).
        const result = await options.payments.takeBack({
          paymentIntent: intent,
          purchaseId: charge.metadata?.purchase_id,
          cumulativeNano: charge.amount_refunded * NANO_PER_CENT,
          refundedCents: charge.amount_refunded,
          kind: 'card_refund',
          reason: 'card payment refunded',
          entryId: newId('le'),
          at: now().toISOString(),
        })
        if (result.purchase === undefined) return 'unknown payment'
        alertTakenBack(event, 'payment.refunded', result)
        return result.entry === null ? 'refund: nothing more to take back' : 'refund taken back'
      }
      case 'charge.dispute.closed': {
        const dispute = event.data.object
        if (dispute.status !== 'lost') return `dispute ${dispute.status}`
        const intent = idOf(dispute.payment_intent)
        if (intent === null) return 'no payment intent'
        const result = await options.payments.takeBack({
          paymentIntent: intent,
          purchaseId: dispute.metadata?.purchase_id,
          cumulativeNano: dispute.amount * NANO_PER_CENT,
          disputed: true,
          kind: 'dispute',
          reason: 'card payment disputed and lost',
          entryId: newId('le'),
          at: now().toISOString(),
        })
        alertTakenBack(event, 'payment.disputed', result)
        return result.entry === null ? 'dispute: nothing more to take back' : 'dispute taken back'
      }
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed':
        return options.autoTopUp === undefined
          ? 'ignored'
          : options.autoTopUp.onPaymentIntent(event.type, event.data.object)
      default:
        return 'ignored'
    }
  }

  return {
    enabled: config !== null,

    /** Limits, and the fee and total for an amount (the console shows them before paying). */
    preview(amountText: string | null) {
      const base = {
        object: 'checkout_preview',
        enabled: config !== null,
        currency: 'usd',
        fee_fixed: options.feeTerms.fixed,
        fee_percent: options.feeTerms.percent,
        minimum: config === null ? null : formatNanoUsd(config.minimumNano),
        maximum: config === null ? null : formatNanoUsd(config.maximumNano),
        amount: null as string | null,
        fee: null as string | null,
        total: null as string | null,
      }
      if (config === null || amountText === null || amountText === '') return base
      const { amountNano, feeNano, totalCents } = priced(amountOf(amountText))
      return {
        ...base,
        amount: formatNanoUsd(amountNano),
        fee: formatNanoUsd(feeNano),
        total: formatNanoUsd(totalCents * NANO_PER_CENT),
      }
    },

    /**
     * Creates the Checkout Session and its purchase; answers where to send the buyer. `saveCard`:
     * the session charges the workspace's Stripe customer and keeps the card for off-session use
     * (auto top-up); the card is remembered when the webhook credits the purchase.
     */
    async checkout(workspaceId: string, actor: string, amountText: string, saveCard = false) {
      const { amountNano, feeNano, totalCents } = priced(amountOf(amountText))
      if (saveCard && (options.autoTopUp === undefined || !config!.paymentMethods.includes('card')))
        throw new GatewayError(
          'invalid_parameter',
          "Invalid 'save_card': saving a card is not available on this deployment.",
          { param: 'save_card' },
        )
      const customer = saveCard ? await options.autoTopUp!.customerFor(workspaceId) : null
      const purchaseId = newId('pur')
      const metadata = { workspace_id: workspaceId, purchase_id: purchaseId }
      const base = `${options.publicUrl()}/console/credits`
      const line = (name: string, cents: number) => ({
        quantity: 1,
        price_data: { currency: config!.currency, unit_amount: cents, product_data: { name } },
      })
      const session = await stripe().checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: workspaceId,
          // Only cards are kept for off-session charges.
          allowed_payment_method_types: saveCard ? ['card'] : [...config!.paymentMethods],
          line_items: [
            line(`Credits (${formatNanoUsd(amountNano)} USD)`, amountNano / NANO_PER_CENT),
            ...(feeNano > 0 ? [line('Purchase fee', feeNano / NANO_PER_CENT)] : []),
          ],
          metadata: saveCard ? { ...metadata, save_card: 'true' } : metadata,
          payment_intent_data:
            customer === null ? { metadata } : { metadata, setup_future_usage: 'off_session' },
          ...(customer === null ? {} : { customer }),
          success_url: `${base}?checkout=success&purchase=${purchaseId}`,
          cancel_url: `${base}?checkout=cancelled&purchase=${purchaseId}`,
        },
        { idempotencyKey: purchaseId },
      )
      if (session.url === null)
        throw new GatewayError('upstream_error', 'Stripe did not return a checkout page.')
      await options.payments.createPurchase(
        openPurchase({
          id: purchaseId,
          workspaceId,
          kind: 'checkout',
          sessionId: session.id,
          paymentIntent: idOf(session.payment_intent),
          amountNano,
          feeNano,
          totalCents,
          currency: config!.currency,
          createdBy: actor,
          createdAt: now().toISOString(),
        }),
      )
      return {
        object: 'checkout',
        purchase_id: purchaseId,
        url: session.url,
        amount: formatNanoUsd(amountNano),
        fee: formatNanoUsd(feeNano),
        total: formatNanoUsd(totalCents * NANO_PER_CENT),
        currency: config!.currency,
      }
    },

    /** The workspace's purchases, newest first. */
    purchases(workspaceId: string, query: { limit: number; before?: string | undefined }) {
      return options.payments.list(workspaceId, query)
    },

    /**
     * A webhook delivery: the signature checked over the raw body within the tolerance window,
     * then the event applied once. Forged, unsigned and stale deliveries get 400 and change nothing.
     */
    async webhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookAnswer> {
      if (config === null) return { status: 404, body: '{"error":"card payments are not enabled"}' }
      let event: Stripe.Event
      try {
        if (signature === undefined) throw new Error('no Stripe-Signature header')
        event = stripe().webhooks.constructEvent(
          rawBody,
          signature,
          config.webhookSecret,
          config.toleranceSeconds,
        )
      } catch (error) {
        options.logger.warn('stripe: webhook refused (bad or missing signature)', {
          reason: (error as Error).message,
        })
        return { status: 400, body: '{"error":"invalid signature"}' }
      }
      const outcome = await apply(event)
      const first = await options.payments.recordEvent(event.id, event.type, outcome, now().toISOString())
      options.logger.info('stripe: webhook', { event: event.id, type: event.type, outcome, replay: !first })
      return { status: 200, body: JSON.stringify({ received: true, outcome }) }
    },
  }
}
