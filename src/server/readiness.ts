/**
 * Readiness (`/readyz`): not while shutting down, not while the shared limiter is down under the
 * `fail_closed` policy, and not when storage does not answer. A storage check that passed is
 * trusted for a second, so probes cost at most one round trip per second.
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'
import { describeError, type Logger } from '../logging/logger.ts'

const READY_CACHE_MS = 1_000

export interface ReadinessSources {
  ping(): Promise<void>
  limits: { readonly degraded: boolean }
  /** The configured policy when Redis fails (`limits.on_redis_failure`). */
  limiterPolicy: string
  logger: Logger
}

export interface Readiness {
  /** Resolves when the gateway can serve; throws the GatewayError that says why not. */
  check(): Promise<void>
  /** Whether the last storage check reached storage. */
  readonly storageReady: boolean
  /** From now on, not ready (the gateway is draining). */
  drain(): void
}

export function createReadiness(sources: ReadinessSources): Readiness {
  let draining = false
  let storageReady = true
  let readyUntilMs = 0
  return {
    get storageReady() {
      return storageReady
    },
    drain() {
      draining = true
    },
    async check() {
      if (draining) throw new GatewayError('shutting_down', 'The gateway is shutting down.')
      if (sources.limits.degraded && sources.limiterPolicy === 'fail_closed') {
        throw new GatewayError('rate_limiter_unavailable', 'The shared rate limiter (Redis) is unreachable.')
      }
      if (performance.now() < readyUntilMs) return
      try {
        await sources.ping()
        storageReady = true
      } catch (error) {
        storageReady = false
        sources.logger.error('storage not ready', describeError(error))
        throw new GatewayError('storage_unavailable', 'Storage is not reachable.')
      }
      readyUntilMs = performance.now() + READY_CACHE_MS
    },
  }
}
