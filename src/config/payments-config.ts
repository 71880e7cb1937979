/**
 * `payments:` in the file: card payments through Stripe Checkout. Off unless `payments.stripe`
 * is set; its secrets come from the environment (variables named in the file), never the file.
 *
 * @module
 */
import { z } from 'zod'
import { parseDecimal } from '../contracts/usd.ts'

const usd = z.union([z.string(), z.number().nonnegative()])

export const paymentsSchema = z
  .strictObject({
    stripe: z
      .strictObject({
        /** Variable holding the Stripe secret key (sk_live_… or sk_test_…). */
        secret_key_env: z.string().min(1).default('STRIPE_SECRET_KEY'),
        /** Variable holding the webhook endpoint's signing secret (whsec_…). */
        webhook_secret_env: z.string().min(1).default('STRIPE_WEBHOOK_SECRET'),
        /** Credits are USD; the charge is in the same currency. */
        currency: z.enum(['usd']).default('usd'),
        /** Smallest and largest purchase of credits, USD (whole cents). */
        minimum: usd.default('5'),
        maximum: usd.default('1000'),
        /** What Checkout offers: cards, and where the operator enables them Alipay and WeChat Pay. */
        payment_methods: z
          .array(z.enum(['card', 'alipay', 'wechat_pay']))
          .min(1)
          .default(['card']),
        /** Where the SDK sends its calls (default Stripe's); tests and staging point it elsewhere. */
        api_base: z.url().nullable().default(null),
        /** How old a webhook's signature timestamp may be, in seconds. */
        webhook_tolerance_seconds: z.number().int().min(10).max(3600).default(300),
        /** Charging a workspace's saved card when its balance runs low (each workspace opts in). */
        auto_top_up: z
          .strictObject({
            /** At most one charge per workspace in this many seconds (across instances). */
            min_interval_seconds: z
              .number()
              .int()
              .min(1)
              .max(86_400 * 7)
              .default(3600),
            /** Consecutive failed charges after which auto top-up switches itself off. */
            max_failures: z.number().int().min(1).max(20).default(3),
          })
          .prefault({}),
      })
      .nullable()
      .default(null),
  })
  .prefault({})

/** Stripe Checkout, validated, with its secrets read from the environment. */
export interface StripeConfig {
  secretKey: string
  webhookSecret: string
  currency: 'usd'
  minimumNano: number
  maximumNano: number
  paymentMethods: readonly ('card' | 'alipay' | 'wechat_pay')[]
  apiBase: string | null
  toleranceSeconds: number
  autoTopUp: { minIntervalMs: number; maxFailures: number }
}

/** Reads `payments:`; problems go to `problems` (each names its field). */
export function readPayments(
  file: z.output<typeof paymentsSchema>,
  env: Record<string, string | undefined>,
  problems: string[],
): { stripe: StripeConfig | null } {
  const stripe = file.stripe
  if (stripe === null) return { stripe: null }
  const cents = (value: string | number, field: string): number => {
    try {
      return parseDecimal(value, 2, field) * 10_000_000
    } catch (error) {
      problems.push((error as Error).message)
      return 0
    }
  }
  const secretKey = env[stripe.secret_key_env]
  const webhookSecret = env[stripe.webhook_secret_env]
  if (secretKey === undefined || secretKey === '')
    problems.push(
      `payments.stripe: set ${stripe.secret_key_env} to the Stripe secret key (or remove payments.stripe)`,
    )
  if (webhookSecret === undefined || webhookSecret === '')
    problems.push(`payments.stripe: set ${stripe.webhook_secret_env} to the webhook signing secret (whsec_…)`)
  const minimumNano = cents(stripe.minimum, 'payments.stripe.minimum')
  const maximumNano = cents(stripe.maximum, 'payments.stripe.maximum')
  if (minimumNano < 500_000_000)
    problems.push('payments.stripe.minimum: at least 0.50 (Stripe’s smallest charge)')
  if (maximumNano < minimumNano) problems.push('payments.stripe.maximum: at least the minimum')
  return {
    stripe: {
      secretKey: secretKey ?? '',
      webhookSecret: webhookSecret ?? '',
      currency: stripe.currency,
      minimumNano,
      maximumNano,
      paymentMethods: stripe.payment_methods,
      apiBase: stripe.api_base,
      toleranceSeconds: stripe.webhook_tolerance_seconds,
      autoTopUp: {
        minIntervalMs: stripe.auto_top_up.min_interval_seconds * 1000,
        maxFailures: stripe.auto_top_up.max_failures,
      },
    },
  }
}
