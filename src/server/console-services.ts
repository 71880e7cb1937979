/**
 * Builds the console's account services from the configuration: the mailer (SMTP or the log),
 * the sign-in throttle over the gateway's rate limiter, accounts and memberships.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import { createAccountService } from '../accounts/account-service.ts'
import { createMailer, type Mailer } from '../accounts/mailer.ts'
import { createMembershipService } from '../accounts/membership-service.ts'
import { createSignInThrottle } from '../accounts/sign-in-throttle.ts'
import { createTwoFactor } from '../accounts/two-factor.ts'
import { createAutoTopUp } from '../billing/auto-top-up.ts'
import type { BillingService } from '../billing/billing-service.ts'
import { createCardPayments } from '../billing/card-payments.ts'
import { formatNanoUsd } from '../billing/cost.ts'
import type { CredentialCipher } from '../byok/credential-cipher.ts'
import type { GatewayConfig } from '../config/config.ts'
import type { AlertSink } from '../contracts/alert-events.ts'
import { formatDecimal } from '../contracts/usd.ts'
import type { Logger } from '../logging/logger.ts'
import type { RateLimiter } from '../ratelimit/rate-limiter.ts'
import type { WorkspaceService } from '../services/workspace-service.ts'
import type { Store } from '../storage/store.ts'

/** The built console (web/dist), beside src/ in the repository. */
export const CONSOLE_DIRECTORY = fileURLToPath(new URL('../../web/dist', import.meta.url))

export interface ConsoleServicesOptions {
  config: GatewayConfig
  store: Store
  workspaceService: WorkspaceService
  limiter: RateLimiter
  logger: Logger
  /** The master-key cipher (BYOK's), which also seals two-factor secrets; null: none. */
  cipher: CredentialCipher | null
  billing: Pick<BillingService, 'purchaseFee' | 'creditExpiresAt'>
  /** Replaces the configured mailer (tests). */
  mailer?: Mailer
  /** Where card payments raise refund, dispute and auto top-up failure alerts. */
  alerts?: AlertSink
}

export function createConsoleServices(options: ConsoleServicesOptions) {
  const { config, store, logger } = options
  const mailer =
    options.mailer ??
    createMailer({ url: config.smtp.url, password: config.smtp.password, from: config.smtp.from, logger })
  const twoFactor = createTwoFactor({
    accounts: store.accounts,
    cipher: options.cipher,
    issuer: config.site.name,
  })
  const accounts = createAccountService({
    twoFactor,
    store,
    workspaceService: options.workspaceService,
    mailer,
    throttle: createSignInThrottle(options.limiter, config.console.signInAttempts),
    console: config.console,
    siteName: config.site.name,
  })
  const memberships = createMembershipService({
    store,
    mailer,
    siteName: config.site.name,
    publicUrl: () => config.console.publicUrl,
  })
  const autoTopUp = createAutoTopUp({
    stripe: config.payments.stripe,
    settings: store.autoTopUp,
    payments: store.payments,
    purchaseFee: (amountNano) => options.billing.purchaseFee(amountNano),
    creditExpiresAt: () => options.billing.creditExpiresAt(),
    logger,
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
  })
  const cardPayments = createCardPayments({
    stripe: config.payments.stripe,
    autoTopUp,
    ...(options.alerts === undefined ? {} : { alerts: options.alerts }),
    payments: store.payments,
    purchaseFee: (amountNano) => options.billing.purchaseFee(amountNano),
    feeTerms: {
      fixed: formatNanoUsd(config.billing.purchaseFeeFixedNano),
      // Thousandths of a percent → a decimal string (5000 → "5", 2500 → "2.5").
      percent: formatDecimal(config.billing.purchaseFeePercentMilli, 3),
    },
    creditExpiresAt: () => options.billing.creditExpiresAt(),
    publicUrl: () => config.console.publicUrl,
    logger,
  })
  return {
    audit: memberships.audit,
    cardPayments,
    /** Its `observeSpend` belongs in the billing service's `onSpend`. */
    autoTopUp,
    mailer,
    accounts,
    memberships,
    twoFactor,
    console: config.console,
    site: config.site,
    consoleDirectory: CONSOLE_DIRECTORY,
  }
}

/** What the operator's routes read from the running configuration (it changes on reload). */
export function operatorDependencies(store: Store, current: () => GatewayConfig) {
  return {
    operator: store.operator,
    tiers: () => ({ names: Object.keys(current().limits.tiers), defaultTier: current().limits.defaultTier }),
    providers: () => current().providers,
  }
}

/** Listening on port 0 (tests): the default public URL gets the port the system chose. */
export function settlePublicUrl(config: GatewayConfig, port: number): void {
  if (config.console.publicUrl.endsWith(':0'))
    config.console.publicUrl = `${config.console.publicUrl.slice(0, -2)}:${port}`
}
