/**
 * The services a request's settlement flows through: billing (holds and settlements), the
 * request-log writer that flushes settlements before it writes, and the alerts every settlement
 * batch is reported to (emailed through the console's mailer, SMTP or the log).
 *
 * @module
 */
import { createMailer, type Mailer } from '../accounts/mailer.ts'
import { type AlertService, createAlertService } from '../alerts/alert-service.ts'
import { type BillingService, createBillingService } from '../billing/billing-service.ts'
import type { GatewayConfig } from '../config/config.ts'
import type { SpendObservation } from '../contracts/alert-events.ts'
import { describeError, type Logger } from '../logging/logger.ts'
import { createRequestLogWriter, type RequestLogWriter } from '../logging/request-log-writer.ts'
import type { Store } from '../storage/store.ts'

export interface SettlementServicesOptions {
  config: GatewayConfig
  store: Store
  logger: Logger
  /** Told of every settlement batch after the alerts are (the auto top-up). */
  observeSpend: (observation: SpendObservation) => void
}

export interface SettlementServices {
  mailer: Mailer
  alerts: AlertService
  billing: BillingService
  requestLogs: RequestLogWriter
}

/** Builds the mailer, alerts, billing and request-log writer from the configuration. */
export function createSettlementServices(options: SettlementServicesOptions): SettlementServices {
  const { config, store, logger } = options
  // Alerts: emailed through the console's mailer (SMTP or the log), told of every settlement batch.
  const mailer = createMailer({
    url: config.smtp.url,
    password: config.smtp.password,
    from: config.smtp.from,
    logger,
  })
  const alerts = createAlertService({
    store,
    mailer,
    logger,
    config: config.alerts,
    siteName: config.site.name,
  })
  const billing = createBillingService({
    ledger: store.ledger,
    logger,
    enabled: config.billing.enabled,
    holdTtlMs: config.billing.holdTtlMs,
    sweepIntervalMs: config.billing.sweepIntervalMs,
    purchaseFeeFixedNano: config.billing.purchaseFeeFixedNano,
    purchaseFeePercentMilli: config.billing.purchaseFeePercentMilli,
    creditExpiryDays: config.billing.creditExpiryDays,
    headroomFactor: config.billing.headroomFactor,
    headroomIdleMs: config.billing.headroomIdleMs,
    // Durable: group commit, no timer (the answer's end waits for it).
    settleBatchMs: config.billing.durableSettlement ? 0 : undefined,
    onSpend: (observation) => {
      alerts.observeSpend(observation)
      options.observeSpend(observation)
    },
  })
  const requestLogs = createRequestLogWriter({
    repository: store.requestLogs,
    flushSettlements: () => billing.flushSettlements(),
    flushIntervalMs: config.log.flushIntervalMs,
    retentionDays: config.log.retentionDays,
    onError: (error) => logger.error('writing request logs failed', describeError(error)),
  })
  return { mailer, alerts, billing, requestLogs }
}
