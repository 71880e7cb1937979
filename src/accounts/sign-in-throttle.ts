/**
 * Throttles failed sign-ins and reset requests per account and per IP address, over the
 * gateway's rate limiter (in memory, or Redis across instances), so guessing passwords costs
 * a 15-minute wait after a handful of tries wherever the attempts land.
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'
import type { RateLimiter } from '../ratelimit/rate-limiter.ts'

const WINDOW_MS = 15 * 60_000

export interface SignInThrottle {
  /** Counts one attempt against the email and the IP; throws a 429 once either is over. */
  attempt(kind: 'sign-in' | 'reset' | 'sign-up', email: string, ip: string | null): Promise<void>
}

/** `limit` attempts per account and per IP in 15 minutes (IPs get 3× for shared addresses). */
export function createSignInThrottle(limiter: RateLimiter, limit: number): SignInThrottle {
  return {
    async attempt(kind, email, ip) {
      const checks = [limiter.consume(`throttle:${kind}:email:${email}`, 1, { limit, windowMs: WINDOW_MS })]
      if (ip !== null) {
        checks.push(
          limiter.consume(`throttle:${kind}:ip:${ip}`, 1, { limit: limit * 3, windowMs: WINDOW_MS }),
        )
      }
      const results = await Promise.all(checks)
      const refused = results.find((result) => !result.allowed)
      if (refused !== undefined) {
        const minutes = Math.max(1, Math.ceil(refused.retryAfterMs / 60_000))
        throw new GatewayError(
          'rate_limit_exceeded',
          `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
          { retryAfterSeconds: Math.ceil(refused.retryAfterMs / 1000) },
        )
      }
    },
  }
}
