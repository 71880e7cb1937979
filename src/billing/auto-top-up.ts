/**
 * Auto top-up: when a committed settlement leaves a workspace's available balance (balance −
 * holds) below its threshold, charge its saved card off-session for the set amount plus the
 * purchase fee, at most once per interval across instances (storage/auto-top-up-repository.ts
 * claims the attempt with one conditional UPDATE). Credits arrive only from the signed webhook
 * (`payment_intent.succeeded`), for what Stripe reports as received, once, through the same
 * crediting as checkout (stripe-purchases.ts). A failure (the SDK's card error, or
 * `payment_intent.payment_failed`) is counted once per attempt and raises `auto_top_up.failed`;
 * after `max_failures` in a row auto top-up switches itself off. Never on the request path:
 * `observeSpend` returns at once and logs what goes wrong.
 *
 * @module
 */
import Stripe from 'stripe'
import type { StripeConfig } from '../config/payments-config.ts'
import type { AlertSink, SpendObservation } from '../contracts/alert-events.ts'
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type { AutoTopUpRepository, AutoTopUpSettings } from '../storage/auto-top-up-repository.ts'
import type { PaymentRepository, PurchaseRecord } from '../storage/payment-repository.ts'
import { createAutoTopUpSettings } from './auto-top-up-settings.ts'
import { formatNanoUsd } from './cost.ts'
import {
  creditPaidPurchase,
  lazyStripeClient,
  newId,
  openPurchase,
  pricePurchase,
} from './stripe-purchases.ts'

/** How long a workspace's settings are trusted from memory (the claim re-checks them in the database). */
const SETTINGS_CACHE_MS = 10_000
const SETTINGS_CACHE_MAX = 10_000

export interface AutoTopUpOptions {
  /** null: card payments are off, and so is auto top-up. */
  stripe: StripeConfig | null
  settings: AutoTopUpRepository
  payments: PaymentRepository
  /** The fee for a purchase of `amountNano` credits, nano-USD (the checkout's rule). */
  purchaseFee(amountNano: number): number
  creditExpiresAt(): string | null
  logger: Logger
  /** Where `auto_top_up.failed` is raised. */
  alerts?: AlertSink
  now?: () => Date
}

/** A short, secret-free reason from Stripe's error codes, e.g. `card_declined (insufficient_funds)`. */
function reasonOf(code: string | null | undefined, declineCode: string | null | undefined, fallback: string) {
  const base = code ?? fallback
  return declineCode ? `${base} (${declineCode})` : base
}

export type AutoTopUp = ReturnType<typeof createAutoTopUp>

export function createAutoTopUp(options: AutoTopUpOptions) {
  const config = options.stripe
  const now = options.now ?? (() => new Date())
  const client = lazyStripeClient(config)
  const repository = options.settings
  const cache = new Map<string, { settings: AutoTopUpSettings | undefined; readAtMs: number }>()
  /** Workspaces with a charge being started by this instance. */
  const charging = new Set<string>()
  const running = new Set<Promise<void>>()
  const credit = {
    payments: options.payments,
    logger: options.logger,
    creditExpiresAt: options.creditExpiresAt,
  }
  const settings = createAutoTopUpSettings({
    stripe: config,
    client,
    settings: repository,
    logger: options.logger,
    now,
    onChange: (workspaceId) => cache.delete(workspaceId),
  })

  async function refresh(workspaceId: string, nowMs: number) {
    const found = await repository.find(workspaceId)
    if (cache.size >= SETTINGS_CACHE_MAX) cache.clear()
    cache.set(workspaceId, { settings: found, readAtMs: nowMs })
    return found
  }

  async function consider(observation: SpendObservation): Promise<void> {
    const workspaceId = observation.workspaceId
    const availableNano = observation.balanceAfterNano - observation.heldAfterNano
    const nowMs = now().getTime()
    const cached = cache.get(workspaceId)
    const found =
      cached !== undefined && nowMs - cached.readAtMs < SETTINGS_CACHE_MS
        ? cached.settings
        : await refresh(workspaceId, nowMs)
    if (
      found === undefined ||
      !found.enabled ||
      found.paymentMethod === null ||
      found.thresholdNano === null ||
      availableNano >= found.thresholdNano
    )
      return
    const intervalMs = config!.autoTopUp.minIntervalMs
    if (found.lastAttemptAt !== null && Date.parse(found.lastAttemptAt) + intervalMs > nowMs) return
    if (charging.has(workspaceId)) return
    charging.add(workspaceId)
    try {
      const attemptId = newId('pur')
      const at = new Date(nowMs).toISOString()
      const claimed = await repository.claimAttempt({
        workspaceId,
        attemptId,
        availableNano,
        notAfter: new Date(nowMs - intervalMs).toISOString(),
        at,
      })
      // Won or lost, the stored attempt time now keeps this instance from asking again too soon.
      await refresh(workspaceId, nowMs)
      if (claimed !== undefined) await charge(claimed, attemptId, at)
    } finally {
      charging.delete(workspaceId)
    }
  }

  /** Starts the claimed charge: a purchase row, then an off-session PaymentIntent. */
  async function charge(claimed: AutoTopUpSettings, attemptId: string, at: string): Promise<void> {
    const stripe = config!
    const amountNano = claimed.amountNano ?? 0
    const { feeNano, totalCents } = pricePurchase(amountNano, options.purchaseFee)
    const purchase = openPurchase({
      id: attemptId,
      workspaceId: claimed.workspaceId,
      kind: 'auto_top_up',
      // No Checkout Session: the purchase's own ID keys its credit once (payment-repository.ts).
      sessionId: attemptId,
      paymentIntent: null,
      amountNano,
      feeNano,
      totalCents,
      currency: stripe.currency,
      createdBy: 'auto-top-up',
      createdAt: at,
    })
    await options.payments.createPurchase(purchase)
    if (amountNano < stripe.minimumNano || amountNano > stripe.maximumNano) {
      await fail(purchase, null, 'amount_outside_limits')
      return
    }
    let intent: Stripe.PaymentIntent
    try {
      intent = await client().paymentIntents.create(
        {
          amount: totalCents,
          currency: stripe.currency,
          customer: claimed.customerId ?? undefined,
          payment_method: claimed.paymentMethod ?? undefined,
          off_session: true,
          confirm: true,
          description: `Auto top-up: ${formatNanoUsd(amountNano)} USD of credits`,
          metadata: { workspace_id: claimed.workspaceId, purchase_id: attemptId, kind: 'auto_top_up' },
        },
        { idempotencyKey: attemptId },
      )
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        await fail(
          purchase,
          error.payment_intent?.id ?? null,
          reasonOf(error.code, error.decline_code, 'card_error'),
        )
        return
      }
      options.logger.warn('auto top-up: Stripe refused or could not be reached', {
        workspace: claimed.workspaceId,
        purchase: attemptId,
        ...describeError(error),
      })
      await fail(
        purchase,
        null,
        error instanceof Stripe.errors.StripeError ? error.type : 'stripe_unreachable',
      )
      return
    }
    await repository.attachPaymentIntent(attemptId, intent.id, now().toISOString())
    // Succeeded or still processing: the webhook credits it (or reports the failure).
    if (intent.status !== 'succeeded' && intent.status !== 'processing')
      await fail(
        purchase,
        intent.id,
        reasonOf(intent.last_payment_error?.code, intent.last_payment_error?.decline_code, intent.status),
      )
  }

  /** Counts a failed charge once, switches auto top-up off after too many, and raises the alert. */
  async function fail(purchase: PurchaseRecord, paymentIntent: string | null, reason: string) {
    const maxFailures = config!.autoTopUp.maxFailures
    const at = now().toISOString()
    const outcome = await repository.recordFailure({
      workspaceId: purchase.workspaceId,
      purchaseId: purchase.id,
      paymentIntent,
      maxFailures,
      reason: `switched off after ${maxFailures} failed charges in a row (last: ${reason})`,
      at,
    })
    cache.delete(purchase.workspaceId)
    if (!outcome.counted) return
    const card = await repository.find(purchase.workspaceId)
    const amount = formatNanoUsd(purchase.amountNano)
    options.logger.warn('auto top-up: the charge failed', {
      workspace: purchase.workspaceId,
      purchase: purchase.id,
      reason,
      failures: outcome.failures,
      switched_off: outcome.switchedOff,
    })
    options.alerts?.raise({
      workspaceId: purchase.workspaceId,
      kind: 'auto_top_up.failed',
      dedupeKey: `auto_top_up.failed:${purchase.id}`,
      summary: outcome.switchedOff
        ? `Auto top-up of ${amount} USD failed (${reason}); it is now switched off after ${outcome.failures} failures in a row`
        : `Auto top-up of ${amount} USD failed (${reason})`,
      data: {
        purchase_id: purchase.id,
        amount,
        reason,
        failures: outcome.failures,
        switched_off: outcome.switchedOff,
        card: card?.cardLast4 ? `${card.cardBrand ?? 'card'} ${card.cardLast4}` : null,
      },
      at,
    })
  }

  /** An off-session charge's outcome from the webhook; other PaymentIntents are not ours to handle. */
  async function onPaymentIntent(
    type: 'payment_intent.succeeded' | 'payment_intent.payment_failed',
    intent: Stripe.PaymentIntent,
  ): Promise<string> {
    const purchaseId = intent.metadata?.purchase_id
    const purchase = purchaseId === undefined ? undefined : await options.payments.findBySession(purchaseId)
    if (purchase === undefined || purchase.kind !== 'auto_top_up') return 'ignored (not an auto top-up)'
    if (purchase.workspaceId !== intent.metadata?.workspace_id) {
      options.logger.error('stripe: an auto top-up for another workspace (nothing credited)', {
        purchase: purchase.id,
        payment_intent: intent.id,
      })
      return 'workspace mismatch'
    }
    if (type === 'payment_intent.payment_failed') {
      const error = intent.last_payment_error
      await fail(purchase, intent.id, reasonOf(error?.code, error?.decline_code, 'payment_failed'))
      return 'auto top-up failed'
    }
    const at = now().toISOString()
    const outcome = await creditPaidPurchase(credit, purchase, {
      cents: intent.amount_received,
      currency: intent.currency,
      paymentIntent: intent.id,
      at,
    })
    if (outcome === 'credited') {
      await repository.recordSuccess(purchase.workspaceId, at)
      cache.delete(purchase.workspaceId)
    }
    return `auto top-up ${outcome}`
  }

  return {
    ...settings,
    onPaymentIntent,

    /**
     * What a committed settlement batch left a workspace (billing-service.ts `onSpend`): starts a
     * charge when auto top-up is on and the available balance is below the threshold. Returns at
     * once; never throws.
     */
    observeSpend(observation: SpendObservation): void {
      if (config === null) return
      const task = consider(observation).catch((error: unknown) =>
        options.logger.error('auto top-up failed', {
          workspace: observation.workspaceId,
          ...describeError(error),
        }),
      )
      running.add(task)
      void task.finally(() => running.delete(task))
    },

    /** Resolves when every charge started so far has been handed to Stripe (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}
