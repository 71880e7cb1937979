/**
 * What card checkout (card-payments.ts) and auto top-up (auto-top-up.ts) share: the Stripe SDK
 * client, the limits and price of a purchase (credits plus the purchase fee in whole cents), and
 * crediting a paid purchase for what Stripe reports as paid, once.
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

export const NANO_PER_CENT = 10_000_000

export function newId(prefix: string): string {
  return `${prefix}_${randomBase62(16)}`
}

/** The ID of a Stripe field that is an ID or, when expanded, an object. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null
  return typeof value === 'string' ? value : value.id
}

function notEnabled(): GatewayError {
  return new GatewayError('route_not_found', 'Card payments are not enabled on this deployment.')
}

/** The configuration, or the answer a deployment without card payments gives. */
export function stripeConfigOf(config: StripeConfig | null): StripeConfig {
  if (config === null) throw notEnabled()
  return config
}

/** The SDK client, built on first use (pointed at `api_base` when set: tests, staging). */
export function lazyStripeClient(config: StripeConfig | null): () => Stripe {
  let client: Stripe | undefined
  return () => {
    const stripe = stripeConfigOf(config)
    if (client === undefined) {
      const base = stripe.apiBase === null ? undefined : new URL(stripe.apiBase)
      client = new Stripe(stripe.secretKey, {
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
}

/** Credits to buy as USD text (at most 2 decimals), checked against the limits; `param` names the field. */
export function parsePurchaseAmount(config: StripeConfig | null, text: string, param = 'amount'): number {
  const stripe = stripeConfigOf(config)
  let nano: number
  try {
    nano = parseDecimal(text, 2, param) * NANO_PER_CENT
  } catch {
    throw new GatewayError(
      'invalid_parameter',
      `Invalid '${param}': USD with at most 2 decimals, e.g. "20.00".`,
      { param },
    )
  }
  if (nano < stripe.minimumNano || nano > stripe.maximumNano)
    throw new GatewayError(
      'invalid_parameter',
      `Invalid '${param}': from ${formatNanoUsd(stripe.minimumNano)} to ${formatNanoUsd(stripe.maximumNano)} USD.`,
      { param },
    )
  return nano
}

/** The fee (rounded up to whole cents, never less than configured) and the total in cents. */
export function pricePurchase(amountNano: number, purchaseFee: (amountNano: number) => number) {
  const feeNano = Math.ceil(purchaseFee(amountNano) / NANO_PER_CENT) * NANO_PER_CENT
  return { amountNano, feeNano, totalCents: (amountNano + feeNano) / NANO_PER_CENT }
}

export interface CreditPaidDependencies {
  payments: PaymentRepository
  logger: Logger
  creditExpiresAt(): string | null
}

/**
 * Credits a purchase Stripe reports as paid (a Checkout Session or an off-session PaymentIntent):
 * refused, with nothing credited, when the currency differs or less than the purchase's total was
 * paid; otherwise the purchase's credits and fee entries once (storage/payment-repository.ts).
 */
export async function creditPaidPurchase(
  dependencies: CreditPaidDependencies,
  purchase: PurchaseRecord,
  paid: { cents: number | null; currency: string | null; paymentIntent: string | null; at: string },
): Promise<string> {
  const names = { purchase: purchase.id, payment_intent: paid.paymentIntent }
  if (paid.currency !== purchase.currency || paid.cents === null) {
    dependencies.logger.error(
      'stripe: a payment in another currency or without an amount (nothing credited)',
      { ...names, currency: paid.currency },
    )
    return 'currency mismatch'
  }
  // Credit what Stripe says was paid, never more than was asked for.
  if (paid.cents < purchase.totalCents) {
    dependencies.logger.error('stripe: paid less than the purchase total (nothing credited)', {
      ...names,
      paid_cents: paid.cents,
      total_cents: purchase.totalCents,
    })
    return 'underpaid'
  }
  return dependencies.payments.complete({
    sessionId: purchase.sessionId,
    paidCents: paid.cents,
    paymentIntent: paid.paymentIntent,
    at: paid.at,
    creditExpiresAt: dependencies.creditExpiresAt(),
    entryIds: [newId('le'), newId('le'), newId('le')],
  })
}

/** A purchase about to be paid: what was asked for, nothing paid, refunded or disputed yet. */
export function openPurchase(
  fields: Pick<
    PurchaseRecord,
    | 'id'
    | 'workspaceId'
    | 'kind'
    | 'sessionId'
    | 'paymentIntent'
    | 'amountNano'
    | 'feeNano'
    | 'totalCents'
    | 'currency'
    | 'createdBy'
    | 'createdAt'
  >,
): PurchaseRecord {
  return {
    ...fields,
    status: 'open',
    paidCents: 0,
    refundedCents: 0,
    takenBackNano: 0,
    takeBackTargetNano: 0,
    disputed: false,
    receiptUrl: null,
    paidAt: null,
  }
}
