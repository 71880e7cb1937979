/**
 * Auto top-up's settings and saved card, as the console and the API see them: the workspace's
 * Stripe customer (created once), the card a paid checkout saved (brand and last four digits
 * from Stripe, for display), enabling (only with a card) and forgetting the card (detached at
 * Stripe, auto top-up switched off). USD as decimal strings in and out.
 *
 * @module
 */
import type Stripe from 'stripe'
import type { StripeConfig } from '../config/payments-config.ts'
import { parseDecimal } from '../contracts/usd.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { Logger } from '../logging/logger.ts'
import { describeError } from '../logging/logger.ts'
import type { AutoTopUpRepository, AutoTopUpSettings } from '../storage/auto-top-up-repository.ts'
import { formatNanoUsd } from './cost.ts'
import { NANO_PER_CENT, parsePurchaseAmount, stripeConfigOf } from './stripe-purchases.ts'

/** The highest threshold accepted, nano-USD (1,000,000 USD). */
const MAX_THRESHOLD_NANO = 1_000_000 * 1_000_000_000

export interface AutoTopUpSettingsOptions {
  stripe: StripeConfig | null
  client: () => Stripe
  settings: AutoTopUpRepository
  logger: Logger
  now: () => Date
  /** Told when a workspace's settings changed here (the trigger keeps a short cache). */
  onChange(workspaceId: string): void
}

/** The answer of `GET /api/v1/credits/auto-top-up` (contracts/console-answers.ts `autoTopUpAnswer`). */
export function publicAutoTopUp(settings: AutoTopUpSettings | undefined) {
  const usd = (nano: number | null | undefined) =>
    nano === null || nano === undefined ? null : formatNanoUsd(nano)
  return {
    object: 'auto_top_up' as const,
    enabled: settings?.enabled ?? false,
    threshold: usd(settings?.thresholdNano),
    amount: usd(settings?.amountNano),
    card:
      settings?.paymentMethod === null || settings?.paymentMethod === undefined
        ? null
        : { brand: settings.cardBrand ?? 'card', last4: settings.cardLast4 ?? '' },
    last_attempt_at: settings?.lastAttemptAt ?? null,
    failures: settings?.failures ?? 0,
    disabled_reason: settings?.disabledReason ?? null,
  }
}

function thresholdOf(text: string): number {
  let nano: number
  try {
    nano = parseDecimal(text, 2, 'threshold') * NANO_PER_CENT
  } catch {
    nano = -1
  }
  if (nano < 0 || nano > MAX_THRESHOLD_NANO)
    throw new GatewayError(
      'invalid_parameter',
      `Invalid 'threshold': USD with at most 2 decimals, up to ${formatNanoUsd(MAX_THRESHOLD_NANO)}, e.g. "5.00".`,
      { param: 'threshold' },
    )
  return nano
}

export function createAutoTopUpSettings(options: AutoTopUpSettingsOptions) {
  const repository = options.settings
  const at = () => options.now().toISOString()
  const read = async (workspaceId: string) => publicAutoTopUp(await repository.find(workspaceId))

  return {
    /** The workspace's Stripe customer, created once (concurrent checkouts share one). */
    async customerFor(workspaceId: string): Promise<string> {
      const stored = (await repository.find(workspaceId))?.customerId
      if (stored !== null && stored !== undefined) return stored
      const customer = await options.client().customers.create(
        { description: `OneKey workspace ${workspaceId}`, metadata: { workspace_id: workspaceId } },
        // Two checkouts racing get the same customer from Stripe; the first one stored wins anyway.
        { idempotencyKey: `customer-${workspaceId}` },
      )
      return repository.claimCustomer(workspaceId, customer.id, at())
    },

    /** Saves the card of a paid checkout (brand and last4 read from Stripe, for display). */
    async rememberCard(workspaceId: string, customerId: string, paymentIntent: string): Promise<void> {
      const intent = await options.client().paymentIntents.retrieve(paymentIntent, {
        expand: ['payment_method'],
      })
      const method = intent.payment_method
      if (method === null || typeof method === 'string' || method.type !== 'card' || !method.card) {
        options.logger.warn('stripe: the saved checkout paid with no card (nothing saved)', {
          payment_intent: paymentIntent,
        })
        return
      }
      await repository.saveCard(
        workspaceId,
        { customerId, paymentMethod: method.id, brand: method.card.brand, last4: method.card.last4 },
        at(),
      )
      options.onChange(workspaceId)
    },

    /** The workspace's auto top-up as `GET /api/v1/credits/auto-top-up` answers it. */
    read,

    /** Sets enabled, threshold and amount; enabling without a saved card is refused (400, `enabled`). */
    async update(workspaceId: string, input: { enabled: boolean; threshold: string; amount: string }) {
      stripeConfigOf(options.stripe)
      const thresholdNano = thresholdOf(input.threshold)
      const amountNano = parsePurchaseAmount(options.stripe, input.amount)
      const outcome = await repository.configure(
        workspaceId,
        { enabled: input.enabled, thresholdNano, amountNano },
        at(),
      )
      if (outcome === 'no_card')
        throw new GatewayError(
          'invalid_parameter',
          "Invalid 'enabled': auto top-up needs a saved card; buy credits once with save_card: true first.",
          { param: 'enabled' },
        )
      options.onChange(workspaceId)
      return read(workspaceId)
    },

    /**
     * Forgets the saved card (detached at Stripe, best effort) and switches auto top-up off;
     * `card` is the forgotten one (null: there was none).
     */
    async forgetCard(workspaceId: string) {
      const before = await repository.forgetCard(workspaceId, 'the saved card was removed', at())
      options.onChange(workspaceId)
      if (before?.paymentMethod && options.stripe !== null) {
        try {
          await options.client().paymentMethods.detach(before.paymentMethod)
        } catch (error) {
          options.logger.warn('stripe: detaching a forgotten card failed (it is no longer used)', {
            workspace: workspaceId,
            ...describeError(error),
          })
        }
      }
      const card = before?.paymentMethod ? `${before.cardBrand ?? 'card'} ${before.cardLast4 ?? ''}` : null
      return { card, answer: await read(workspaceId) }
    },
  }
}
