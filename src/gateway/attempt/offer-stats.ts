/**
 * Rolling health per offer and per account: error rate, time to first byte and output speed as
 * exponentially weighted moving averages (recent requests count most, memory is constant).
 * Selection demotes offers whose recent error rate is high; `provider.sort: latency|throughput`
 * orders by these numbers. The circuit breaker (account-health.ts) decides whether an account
 * is tried at all; these stats decide the order among the ones that are.
 *
 * @module
 */

export interface RollingStats {
  samples: number
  /** 0…1, weighted toward recent attempts. */
  errorRate: number
  /** Time to first byte, milliseconds; undefined until a success was measured. */
  latencyMs: number | undefined
  /** Output tokens per second; undefined until measured. */
  tokensPerSecond: number | undefined
}

export interface AttemptMeasurement {
  ok: boolean
  latencyMs?: number | undefined
  tokensPerSecond?: number | undefined
}

export interface OfferStats {
  record(keys: readonly string[], measurement: AttemptMeasurement): void
  get(key: string): RollingStats | undefined
  /** Whether the recent error rate says to try others first. */
  isDegraded(key: string): boolean
  snapshot(): Record<string, RollingStats>
  /** Forgets everything (e.g. after an incident, or between test cases). */
  reset(): void
}

/** Weight of the newest sample: about the last 10 attempts dominate. */
const ALPHA = 0.2
/** An offer is degraded above this error rate, once it has enough samples to judge. */
const DEGRADED_ERROR_RATE = 0.5
const MIN_SAMPLES = 3

function blend(previous: number | undefined, sample: number): number {
  return previous === undefined ? sample : previous + ALPHA * (sample - previous)
}

export function createOfferStats(): OfferStats {
  const stats = new Map<string, RollingStats>()
  return {
    record(keys, measurement) {
      for (const key of keys) {
        let entry = stats.get(key)
        if (entry === undefined) {
          entry = { samples: 0, errorRate: 0, latencyMs: undefined, tokensPerSecond: undefined }
          stats.set(key, entry)
        }
        entry.samples++
        entry.errorRate =
          entry.samples === 1 ? (measurement.ok ? 0 : 1) : blend(entry.errorRate, measurement.ok ? 0 : 1)
        if (measurement.latencyMs !== undefined)
          entry.latencyMs = blend(entry.latencyMs, measurement.latencyMs)
        if (measurement.tokensPerSecond !== undefined && Number.isFinite(measurement.tokensPerSecond))
          entry.tokensPerSecond = blend(entry.tokensPerSecond, measurement.tokensPerSecond)
      }
    },
    get: (key) => stats.get(key),
    isDegraded(key) {
      const entry = stats.get(key)
      return entry !== undefined && entry.samples >= MIN_SAMPLES && entry.errorRate > DEGRADED_ERROR_RATE
    },
    snapshot: () => Object.fromEntries([...stats].map(([key, value]) => [key, { ...value }])),
    reset: () => stats.clear(),
  }
}
