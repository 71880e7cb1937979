/**
 * Buying credits by card through Stripe Checkout (the `stripe` SDK). A checkout creates a
 * Checkout Session for the credits plus the purchase fee, and a purchase row; credits arrive
 * only from the signed webhook (`checkout.session.completed` when paid, or
 * `checkout.session.async_payment_succeeded` for delayed methods), never from the success
 * redirect, for the amount Stripe reports as paid. Refunds (`charge.refunded`) and lost disputes
 * (`charge.dispute.closed`) take credit back. Every event is applied at most once whatever the
 * order, number or concurrency of deliveries (storage/payment-repository.ts).
 *
 * @module
 */
import Stripe from 'stripe'
import { randomBase62 } from '../auth/api-key-format.ts'
import type { StripeConfig } from '../config/payments-config.ts'
import { parseDecimal } from '../contracts/usd.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../logging/logger.ts'
import type { PaymentRepository, PurchaseRecord } from '../storage/payment-repository.ts'
import { formatNanoUsd } from './cost.ts'

const NANO_PER_CENT = 10_000_000

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
  now?: () => Date
}

/** What a webhook delivery gets back: 2xx tells Stripe to stop retrying. */
export interface WebhookAnswer {
  status: number
  body: string
}

function newId(prefix: string): string {
  return `${prefix}_${randomBase62(16)}`
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : value.id
}

/** Whole cents of a fee in nano-USD, rounded up (never less than the configured fee). */
function feeCents(feeNano: number): number {
  return Math.ceil(feeNano / NANO_PER_CENT)
}

export function publicPurchase(purchase: PurchaseRecord) {
  return {
    id: purchase.id,
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
  let client: Stripe | undefined
  function stripe(): Stripe {
    if (config === null)
      throw new GatewayError('route_not_found', 'Card payments are not enabled on this deployment.')
    if (client === undefined) {
      const base = config.apiBase === null ? undefined : new URL(config.apiBase)
      client = new Stripe(config.secretKey, {
        maxNetworkRetries: 2,
        timeout: 20_000,
        ...(base === undefined
          ? {}
          : {
              host: base.hostname,
              port: base.port || (base.protocol === 'https:' ? 443 : 80),
              protocol: base.protocol === 'http:' ? 'http' : 'https',
            }),
      })
    }
    return client
  }

  /** The credits asked for, checked against the limits. */
  function amountOf(text: string): number {
    if (config === null)
      throw new GatewayError('route_not_found', 'Card payments are not enabled on this deployment.')
    let nano: number
    try {
      nano = parseDecimal(text, 2, 'amount') * NANO_PER_CENT
    } catch {
      throw new GatewayError(
        'invalid_parameter',
        'Invalid \'amount\': USD with at most 2 decimals, e.g. "20.00".',
        {
          param: 'amount',
        },
      )
    }
    if (nano < config.minimumNano || nano > config.maximumNano)
      throw new GatewayError(
        'invalid_parameter',
        `Invalid 'amount': from ${formatNanoUsd(config.minimumNano)} to ${formatNanoUsd(config.maximumNano)} USD.`,
        { param: 'amount' },
      )
    return nano
  }

  function priced(amountNano: number) {
    const feeNano = feeCents(options.purchaseFee(amountNano)) * NANO_PER_CENT
    return { amountNano, feeNano, totalCents: (amountNano + feeNano) / NANO_PER_CENT }
  }

  async function onSessionPaid(session: Stripe.Checkout.Session): Promise<string> {
    const at = now().toISOString()
    const purchase = await options.payments.findBySession(session.id)
    if (purchase === undefined) {
      options.logger.warn('stripe: a paid checkout session of no purchase of ours (nothing credited)', {
        session: session.id,
      })
      return 'unknown session'
    }
    if (session.currency !== purchase.currency || session.amount_total === null) {
      options.logger.error(
        'stripe: a paid session in another currency or without an amount (nothing credited)',
        {
          session: session.id,
          currency: session.currency,
        },
      )
      return 'currency mismatch'
    }
    // Credit what Stripe says was paid, never more than was asked for.
    if (session.amount_total < purchase.totalCents) {
      options.logger.error('stripe: paid less than the purchase total (nothing credited)', {
        session: session.id,
        paid_cents: session.amount_total,
        total_cents: purchase.totalCents,
      })
      return 'underpaid'
    }
    const outcome = await options.payments.complete({
      sessionId: session.id,
      paidCents: session.amount_total,
      paymentIntent: idOf(session.payment_intent),
      at,
      creditExpiresAt: options.creditExpiresAt(),
      entryIds: [newId('le'), newId('le'), newId('le')],
    })
    return outcome
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
        return result.entry === null ? 'dispute: nothing more to take back' : 'dispute taken back'
      }
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

    /** Creates the Checkout Session and its purchase; answers where to send the buyer. */
    async checkout(workspaceId: string, actor: string, amountText: string) {
      const { amountNano, feeNano, totalCents } = priced(amountOf(amountText))
      const purchaseId = newId('pur')
      const base = `${options.publicUrl()}/console/credits`
      const line = (name: string, cents: number) => ({
        quantity: 1,
        price_data: { currency: config!.currency, unit_amount: cents, product_data: { name } },
      })
      const session = await stripe().checkout.sessions.create(
        {
          mode: 'payment',
          client_reference_id: workspaceId,
          allowed_payment_method_types: [...config!.paymentMethods],
          line_items: [
            line(`Credits (${formatNanoUsd(amountNano)} USD)`, amountNano / NANO_PER_CENT),
            ...(feeNano > 0 ? [line('Purchase fee', feeNano / NANO_PER_CENT)] : []),
          ],
          metadata: { workspace_id: workspaceId, purchase_id: purchaseId },
          payment_intent_data: { metadata: { workspace_id: workspaceId, purchase_id: purchaseId } },
          success_url: `${base}?checkout=success&purchase=${purchaseId}`,
          cancel_url: `${base}?checkout=cancelled&purchase=${purchaseId}`,
        },
        { idempotencyKey: purchaseId },
      )
      if (session.url === null)
        throw new GatewayError('upstream_error', 'Stripe did not return a checkout page.')
      await options.payments.createPurchase({
        id: purchaseId,
        workspaceId,
        sessionId: session.id,
        paymentIntent: idOf(session.payment_intent),
        amountNano,
        feeNano,
        totalCents,
        currency: config!.currency,
        status: 'open',
        paidCents: 0,
        refundedCents: 0,
        takenBackNano: 0,
        takeBackTargetNano: 0,
        disputed: false,
        receiptUrl: null,
        createdBy: actor,
        createdAt: now().toISOString(),
        paidAt: null,
      })
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
