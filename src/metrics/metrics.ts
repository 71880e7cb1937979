/**
 * The gateway's metrics: what the request log line and the subsystems feed, plus the process
 * defaults (process-metrics.ts), on one registry served at `/metrics`.
 *
 * @module
 */
import { registerProcessMetrics } from './process-metrics.ts'
import {
  type Counter,
  createMetricsRegistry,
  type Histogram,
  type MetricsRegistry,
} from './prometheus-registry.ts'

/** The gateway's metrics, fed from the request log line and the subsystems. */
export interface GatewayMetrics {
  registry: MetricsRegistry
  requests: Counter
  duration: Histogram
  firstByte: Histogram
  upstreamErrors: Counter
  limiterDecisions: Counter
  charged: Counter
  usageRejected: Counter
  /** Stops the process metrics' event-loop monitor and GC observer. */
  close(): void
}

const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/** The gateway's registry with its request metrics, then the process defaults. */
export function createGatewayMetrics(): GatewayMetrics {
  const registry = createMetricsRegistry()
  const metrics = {
    registry,
    requests: registry.counter('onekey_requests_total', 'API requests by path, lane, provider and status.'),
    duration: registry.histogram(
      'onekey_request_duration_seconds',
      'Time to the last byte, by lane.',
      LATENCY_BOUNDS,
    ),
    firstByte: registry.histogram(
      'onekey_time_to_first_byte_seconds',
      'Streams: time to the first byte sent to the client, by lane.',
      LATENCY_BOUNDS,
    ),
    upstreamErrors: registry.counter(
      'onekey_upstream_errors_total',
      'Failed upstream attempts by provider and code.',
    ),
    limiterDecisions: registry.counter(
      'onekey_rate_limit_decisions_total',
      'Rate-limit admissions by result.',
    ),
    charged: registry.counter(
      'onekey_charged_nano_usd_total',
      'Cost of answered requests, nano-USD, by lane.',
    ),
    usageRejected: registry.counter(
      'onekey_upstream_usage_rejected_total',
      'Answers whose upstream usage was implausible (negative, fractional, beyond what the request could produce), by provider: priced from the gateway count instead.',
    ),
  }
  const processMetrics = registerProcessMetrics(registry)
  return { ...metrics, close: () => processMetrics.close() }
}
