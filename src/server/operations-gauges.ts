/**
 * The gauges the Prometheus alert rules (deploy/prometheus/onekey-alerts.yml) watch beyond the
 * request metrics: offers that could serve each lane now, settlements not yet committed, what
 * the periodic ledger check found, and this instance's state (requests in flight, holds, open
 * circuits, the limiter, storage). All read when scraped.
 *
 * @module
 */
import type { BillingService } from '../billing/billing-types.ts'
import { LEDGER_MISMATCH_KINDS, type LedgerVerifySchedule } from '../billing/ledger-verify-schedule.ts'
import type { Catalog } from '../catalog/catalog.ts'
import type { AccountHealth } from '../gateway/attempt/account-health.ts'
import { offerAvailability } from '../gateway/route/offer-availability.ts'
import type { MetricsRegistry, Sample } from '../metrics/prometheus-registry.ts'
import type { Store } from '../storage/store.ts'

export interface OperationsGaugeSources {
  /** The catalog in use (it changes on reload). */
  catalog: () => Catalog
  health: AccountHealth
  billing: Pick<BillingService, 'settlementBacklog'>
  /** Absent when `billing.verify_interval_minutes` is 0: no ledger gauges then. */
  ledgerVerify: LedgerVerifySchedule | undefined
}

/** Registers the gauges on the gateway's registry. */
export function registerOperationsGauges(registry: MetricsRegistry, sources: OperationsGaugeSources): void {
  let offers: Sample[] = []
  let healthy: Sample[] = []
  registry.beforeRender(() => {
    offers = []
    healthy = []
    for (const row of offerAvailability(sources.catalog(), sources.health)) {
      const labels = { lane: row.lane, model: row.model }
      offers.push({ labels, value: row.offers })
      healthy.push({ labels, value: row.available })
    }
  })
  registry.gauge('onekey_lane_offers', 'Offers configured, by lane and model.', () => offers)
  registry.gauge(
    'onekey_lane_healthy_offers',
    'Offers with an account that is not resting after failures, by lane and model (BYOK offers always count).',
    () => healthy,
  )
  const backlog: Sample[] = [{ labels: {}, value: 0 }]
  registry.gauge(
    'onekey_settlement_backlog',
    "This instance's settlements queued or being committed, not yet in storage.",
    () => {
      backlog[0]!.value = sources.billing.settlementBacklog()
      return backlog
    },
  )
  const verify = sources.ledgerVerify
  if (verify === undefined) return
  const mismatches = LEDGER_MISMATCH_KINDS.map((kind) => ({ labels: { kind }, value: 0 }))
  registry.gauge(
    'onekey_ledger_verify_mismatches',
    'Disagreements the last periodic ledger verify found, by kind (balance, usage, budget).',
    () => {
      const found = verify.mismatches()
      for (const sample of mismatches) sample.value = found[sample.labels.kind]
      return mismatches
    },
  )
  const lastSuccess: Sample[] = [{ labels: {}, value: 0 }]
  registry.gauge(
    'onekey_ledger_verify_last_success_timestamp_seconds',
    'Unix time the last periodic ledger verify completed (0: none yet).',
    () => {
      lastSuccess[0]!.value = verify.lastSuccessSeconds()
      return lastSuccess
    },
  )
}

export interface InstanceGaugeSources {
  inFlight: () => number
  billing: Pick<BillingService, 'holdings'>
  health: AccountHealth
  limits: { readonly degraded: boolean }
  limiterPolicy: string
  storageKind: string
  /** Whether the last readiness check reached storage. */
  storageReady: () => boolean
}

/** This instance's state, read when scraped: requests in flight, holds, circuits, limiter, storage. */
export function registerInstanceGauges(registry: MetricsRegistry, sources: InstanceGaugeSources): void {
  registry.gauge('onekey_in_flight_requests', 'Requests being answered.', () => [
    { labels: {}, value: sources.inFlight() },
  ])
  registry.gauge('onekey_holds_nano_usd', "This instance's reservations, nano-USD.", () => {
    const { leasedNano, usedNano } = sources.billing.holdings()
    return [
      { labels: { kind: 'leased' }, value: leasedNano },
      { labels: { kind: 'in_use' }, value: usedNano },
    ]
  })
  registry.gauge('onekey_open_circuits', 'Upstream accounts resting after failures.', () => [
    { labels: {}, value: sources.health.snapshot().filter((circuit) => circuit.state !== 'closed').length },
  ])
  registry.gauge('onekey_rate_limiter_degraded', '1 while the shared limiter (Redis) is unreachable.', () => [
    { labels: { policy: sources.limiterPolicy }, value: sources.limits.degraded ? 1 : 0 },
  ])
  registry.gauge('onekey_storage_ready', '1 when the last readiness check reached storage.', () => [
    { labels: { kind: sources.storageKind }, value: sources.storageReady() ? 1 : 0 },
  ])
  registry.gauge('onekey_process_resident_memory_bytes', 'Resident memory.', () => [
    { labels: {}, value: process.memoryUsage.rss() },
  ])
}

/**
 * The store's round trips by path (storage/round-trip-counter.ts) and whether this instance
 * hears committed changes (storage/change-notifications.ts).
 */
export function registerStorageGauges(
  registry: MetricsRegistry,
  store: Pick<Store, 'roundTrips' | 'changes' | 'dialect'>,
): void {
  registry.collectedCounter(
    'onekey_storage_round_trips_total',
    "Statements sent to the database (PostgreSQL: round trips, BEGIN and COMMIT included), on a request's path (before its response closed) or in the background.",
    () => {
      const totals = store.roundTrips.totals()
      return [
        { labels: { backend: store.dialect, path: 'request' }, value: totals.request },
        { labels: { backend: store.dialect, path: 'background' }, value: totals.background },
      ]
    },
  )
  registry.gauge(
    'onekey_change_listener_up',
    'Whether this instance hears committed changes to keys and settings (1), or is reconnecting (0).',
    () => [{ labels: {}, value: store.changes.status().listening ? 1 : 0 }],
  )
  registry.collectedCounter(
    'onekey_change_listener_resets_total',
    'Times listening for changes resumed after a loss, dropping every cached key and setting.',
    () => [{ labels: {}, value: store.changes.status().resets }],
  )
}
