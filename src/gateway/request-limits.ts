/**
 * Rate-limit tiers on the request path: requests per minute, tokens per minute (charged at
 * admission with the prompt estimate plus the output cap, given back after the actual usage) and
 * concurrent requests (a leased slot held until the answer ends, fails or the client leaves),
 * each for the workspace and, when the key has its own (stricter) limits, for the key.
 *
 * A refusal is 429 `rate_limit_exceeded` naming the limit, with `Retry-After`, `retry-after-ms`
 * and OpenAI's `x-ratelimit-*` headers (sent on successful answers too). When the shared limiter
 * (Redis) fails, the configured policy applies, loudly: `fail_closed` answers 503, `local` counts
 * on this instance; both log a warning and `/readyz` reports it.
 *
 * @module
 * Product spec §6.
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 */
import type { AuthenticatedKey } from '../auth/authenticator.ts'
import type { GatewayConfig, TierLimits } from '../config/config.ts'
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../http/request-context.ts'
import type { Logger } from '../logging/logger.ts'
import type { ConsumeResult, RateLimiter } from '../ratelimit/rate-limiter.ts'
import type { LimitOverrides } from '../storage/store.ts'

const MINUTE_MS = 60_000

export interface ResolvedLimits {
  workspace: TierLimits
  /** Only when the key has limits of its own. */
  key: TierLimits | undefined
}

/** The workspace's tier with its overrides; the key's, never looser than the workspace's. */
export function resolveLimits(
  key: Pick<AuthenticatedKey, 'tier' | 'workspaceLimits' | 'keyLimits'>,
  config: GatewayConfig['limits'],
): ResolvedLimits {
  const tier = config.tiers[key.tier ?? config.defaultTier] ?? config.tiers[config.defaultTier]!
  const apply = (base: TierLimits, overrides: LimitOverrides, stricterOnly: boolean): TierLimits => {
    const pick = (baseValue: number, override: number | null) =>
      override === null ? baseValue : stricterOnly ? Math.min(baseValue, override) : override
    return {
      rpm: pick(base.rpm, overrides.rpm),
      tpm: pick(base.tpm, overrides.tpm),
      concurrency: pick(base.concurrency, overrides.concurrency),
    }
  }
  const workspace = apply(tier, key.workspaceLimits, false)
  const own = key.keyLimits
  const hasOwn = own.rpm !== null || own.tpm !== null || own.concurrency !== null
  return { workspace, key: hasOwn ? apply(workspace, own, true) : undefined }
}

export interface Admission {
  /** Frees the concurrency slots and gives back the tokens not used; call once when the answer ended. */
  finish(actualTokens: number): void
}

export interface LimitGate {
  admit(context: RequestContext, key: AuthenticatedKey, tokens: number): Promise<Admission>
  /** Stops renewing leases. */
  close(): void
  /** Whether the shared limiter answered its last call (for `/readyz`). */
  readonly degraded: boolean
}

/** OpenAI's reset format: `1s`, `6m0s`, `1h2m3s`. */
export function formatReset(ms: number): string {
  const seconds = Math.max(Math.ceil(ms / 1000), 0)
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${rest}s`
}

interface Spent {
  key: string
  cost: number
}

export function createLimitGate(options: {
  limiter: RateLimiter
  /** Used when the shared limiter fails and the policy is `local`. */
  fallback: RateLimiter
  config: GatewayConfig['limits']
  logger: Logger
  onDecision?: (allowed: boolean) => void
}): LimitGate {
  const { config, logger } = options
  let degraded = false
  let warnedAtMs = 0
  // Slots held by requests still running here: their leases are renewed so a long stream keeps
  // its slot; a crashed instance stops renewing and its slots expire.
  const heldSlots = new Set<{ key: string; leaseId: string }>()
  const renewTimer = setInterval(
    () => {
      for (const slot of heldSlots) {
        void call((limiter) => limiter.renew(slot.key, slot.leaseId, config.concurrencyLeaseMs)).catch(
          () => {},
        )
      }
    },
    Math.max(Math.floor(config.concurrencyLeaseMs / 3), 50),
  )
  renewTimer.unref()

  function onFailure(error: unknown): RateLimiter {
    degraded = true
    if (Date.now() - warnedAtMs > 10_000) {
      warnedAtMs = Date.now()
      logger.warn('rate limiter unreachable', {
        policy: config.onRedisFailure,
        error: (error as Error).message,
      })
    }
    if (config.onRedisFailure === 'local') return options.fallback
    throw new GatewayError(
      'rate_limiter_unavailable',
      'Rate limits cannot be checked right now; retry shortly.',
      {
        retryAfterSeconds: 1,
      },
    )
  }

  async function call<T>(run: (limiter: RateLimiter) => Promise<T>): Promise<T> {
    try {
      const result = await run(options.limiter)
      degraded = false
      return result
    } catch (error) {
      return run(onFailure(error))
    }
  }

  return {
    get degraded() {
      return degraded
    },
    close() {
      clearInterval(renewTimer)
    },
    async admit(context, key, tokens) {
      const limits = resolveLimits(key, config)
      const scopes: { name: 'workspace' | 'key'; id: string; limits: TierLimits }[] = [
        { name: 'workspace', id: `ws:${key.workspaceId}`, limits: limits.workspace },
      ]
      if (limits.key !== undefined) scopes.push({ name: 'key', id: `key:${key.keyId}`, limits: limits.key })
      const spent: Spent[] = []
      const slots: { key: string; leaseId: string }[] = []
      const undo = () => {
        for (const item of spent)
          void call((limiter) => limiter.consume(item.key, -item.cost, { limit: 1, windowMs: MINUTE_MS }))
        for (const slot of slots) {
          heldSlots.delete(slot)
          void call((limiter) => limiter.release(slot.key, slot.leaseId))
        }
      }
      let requests: ConsumeResult | undefined
      let tokenResult: ConsumeResult | undefined
      let requestLimit = 0
      let tokenLimit = 0
      try {
        for (const scope of scopes) {
          const rpm = await call((limiter) =>
            limiter.consume(`${scope.id}:rpm`, 1, { limit: scope.limits.rpm, windowMs: MINUTE_MS }),
          )
          if (!rpm.allowed) {
            setRateHeaders(context, scope.limits.rpm, rpm, scope.limits.tpm, undefined)
            throw refusal(scope.name, 'requests per minute', scope.limits.rpm, rpm)
          }
          spent.push({ key: `${scope.id}:rpm`, cost: 1 })
          // A request larger than the whole window is refused, as OpenAI does ("Request too large").
          const charged = tokens
          const tpm = await call((limiter) =>
            limiter.consume(`${scope.id}:tpm`, charged, { limit: scope.limits.tpm, windowMs: MINUTE_MS }),
          )
          if (!tpm.allowed) {
            setRateHeaders(context, scope.limits.rpm, rpm, scope.limits.tpm, tpm)
            throw refusal(scope.name, 'tokens per minute', scope.limits.tpm, tpm)
          }
          spent.push({ key: `${scope.id}:tpm`, cost: charged })
          // The headers describe the tighter scope.
          if (requests === undefined || rpm.remaining < requests.remaining) {
            requests = rpm
            requestLimit = scope.limits.rpm
          }
          if (tokenResult === undefined || tpm.remaining < tokenResult.remaining) {
            tokenResult = tpm
            tokenLimit = scope.limits.tpm
          }
        }
        for (const scope of scopes) {
          const slot = await call((limiter) =>
            limiter.acquire(`${scope.id}:concurrency`, scope.limits.concurrency, config.concurrencyLeaseMs),
          )
          if (!slot.allowed || slot.leaseId === undefined) {
            throw new GatewayError(
              'rate_limit_exceeded',
              `Rate limit reached for this ${scope.name}: ${scope.limits.concurrency} concurrent requests. ` +
                'Retry when one of them has finished.',
              { retryAfterSeconds: 1 },
            )
          }
          const held = { key: `${scope.id}:concurrency`, leaseId: slot.leaseId }
          slots.push(held)
          heldSlots.add(held)
        }
      } catch (error) {
        undo()
        if (error instanceof GatewayError && error.code === 'rate_limit_exceeded') options.onDecision?.(false)
        throw error
      }
      options.onDecision?.(true)
      setRateHeaders(context, requestLimit, requests!, tokenLimit, tokenResult)

      let finished = false
      return {
        finish(actualTokens) {
          if (finished) return
          finished = true
          for (const slot of slots) {
            heldSlots.delete(slot)
            void call((limiter) => limiter.release(slot.key, slot.leaseId)).catch(() => {})
          }
          for (const item of spent) {
            // Tokens charged at admission and not used go back to the window.
            if (item.key.endsWith(':tpm') && actualTokens < item.cost) {
              void call((limiter) =>
                limiter.consume(item.key, actualTokens - item.cost, { limit: 1, windowMs: MINUTE_MS }),
              ).catch(() => {})
            }
          }
        },
      }
    },
  }
}

/** OpenAI's `x-ratelimit-*` headers, set before the answer's head is written. */
function setRateHeaders(
  context: RequestContext,
  requestLimit: number,
  requests: ConsumeResult,
  tokenLimit: number,
  tokens: ConsumeResult | undefined,
): void {
  const now = Date.now()
  context.headers ??= {}
  const headers = context.headers
  headers['x-ratelimit-limit-requests'] = String(requestLimit)
  headers['x-ratelimit-remaining-requests'] = String(requests.remaining)
  headers['x-ratelimit-reset-requests'] = formatReset(requests.resetAtMs - now)
  headers['x-ratelimit-limit-tokens'] = String(tokenLimit)
  if (tokens !== undefined) {
    headers['x-ratelimit-remaining-tokens'] = String(tokens.remaining)
    headers['x-ratelimit-reset-tokens'] = formatReset(tokens.resetAtMs - now)
  }
}

function refusal(
  scope: 'workspace' | 'key',
  what: string,
  limit: number,
  result: ConsumeResult,
): GatewayError {
  const seconds = Math.max(Math.ceil(result.retryAfterMs / 1000), 1)
  return new GatewayError(
    'rate_limit_exceeded',
    `Rate limit reached for this ${scope}: ${limit} ${what}. Retry in ${seconds} s.`,
    { retryAfterSeconds: seconds },
  )
}
