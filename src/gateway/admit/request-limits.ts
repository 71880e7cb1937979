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
import type { AuthenticatedKey } from '../../auth/authenticator.ts'
import type { GatewayConfig, TierLimits } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { Logger } from '../../logging/logger.ts'
import {
  type AcquireResult,
  type BatchRateLimiter,
  type ConsumeResult,
  groupedKey,
  type RateLimiter,
  type SyncRateLimiter,
  type WindowCheck,
} from '../../ratelimit/rate-limiter.ts'
import type { LimitOverrides } from '../../storage/store.ts'
import type { RequestContext } from '../request-context.ts'
import {
  admissionChecks,
  admissionSteps,
  answerSteps,
  answerStepsAsync,
  concurrencyRefusal,
  type HeldSlot,
  type LimiterCheck,
  MINUTE_MS,
  type Scope,
  type SlotStep,
  type Spent,
  scope,
  type WindowStep,
} from './limit-admission.ts'

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
  const heldSlots = new Set<HeldSlot>()
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

  // The scopes of a key, its limiter keys and rules: computed once per authenticated key object
  // (the authenticator hands out a new object when the key or its workspace changes).
  const scopesByKey = new WeakMap<AuthenticatedKey, readonly Scope[]>()
  function scopesOf(key: AuthenticatedKey): readonly Scope[] {
    const known = scopesByKey.get(key)
    if (known !== undefined) return known
    const limits = resolveLimits(key, config)
    // Grouped by workspace: one request's keys share a slot on a Redis Cluster (one script call).
    const scopes = [scope('workspace', groupedKey(key.workspaceId, 'ws'), limits.workspace)]
    if (limits.key !== undefined)
      scopes.push(scope('key', groupedKey(key.workspaceId, `key:${key.keyId}`), limits.key))
    scopesByKey.set(key, scopes)
    return scopes
  }

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
      const scopes = scopesOf(key)
      const spent: Spent[] = []
      const slots: HeldSlot[] = []
      const checks = admissionChecks(scopes, tokens, config.concurrencyLeaseMs)
      // An in-process limiter answers at once: no promise per check on the request path.
      const sync = options.limiter.sync
      // A shared one takes the whole admission in one round trip.
      const batch = options.limiter.batch
      try {
        if (sync !== undefined) {
          answerSteps(admissionSteps(context, scopes, checks, spent, slots), (check) => runSync(sync, check))
        } else if (batch !== undefined) {
          await admitInBatch(batch, context, scopes, checks, spent, slots).then(
            () => {
              degraded = false
            },
            (error: unknown) => {
              if (error instanceof GatewayError) throw error
              // The shared limiter failed: the policy answers (503, or count on this instance).
              const fallback = onFailure(error)
              return answerStepsAsync(admissionSteps(context, scopes, checks, spent, slots), (check) =>
                runAsync(fallback, check),
              )
            },
          )
        } else {
          await answerStepsAsync(admissionSteps(context, scopes, checks, spent, slots), (check) =>
            call((limiter) => runAsync(limiter, check)),
          )
        }
      } catch (error) {
        for (const item of spent)
          fire(refundOperation({ key: item.key, cost: -item.cost, rule: REFUND_RULE }))
        for (const slot of slots) fire(releaseOperation(slot))
        if (error instanceof GatewayError && error.code === 'rate_limit_exceeded') options.onDecision?.(false)
        throw error
      }
      for (const slot of slots) heldSlots.add(slot)
      options.onDecision?.(true)

      let finished = false
      return {
        finish(actualTokens) {
          if (finished) return
          finished = true
          for (const slot of slots) heldSlots.delete(slot)
          // Tokens charged at admission and not used go back to the window.
          const refunds: WindowCheck[] = []
          for (const item of spent) {
            if (item.tokens && actualTokens < item.cost)
              refunds.push({ key: item.key, cost: actualTokens - item.cost, rule: REFUND_RULE })
          }
          if (sync === undefined && batch !== undefined) {
            void call(async (limiter) => {
              if (limiter.batch !== undefined) return limiter.batch.finish(refunds, slots)
              for (const operation of [...refunds.map(refundOperation), ...slots.map(releaseOperation)])
                await runAsync(limiter, operation)
            }).catch(() => {})
            return
          }
          for (const slot of slots) fire(releaseOperation(slot))
          for (const refund of refunds) fire(refundOperation(refund))
        },
      }
    },
  }

  /** Runs a limiter operation nobody waits for (a release, a refund). */
  function fire(operation: LimiterOperation): void {
    const sync = options.limiter.sync
    if (sync !== undefined) {
      runSync(sync, operation)
      return
    }
    void call((limiter) => runAsync(limiter, operation)).catch(() => {})
  }
}

const refundOperation = (refund: WindowCheck): LimiterOperation => ({ kind: 'consume', ...refund })
const releaseOperation = (slot: HeldSlot): LimiterOperation => ({
  kind: 'release',
  key: slot.key,
  leaseId: slot.leaseId,
})

/** A refund (negative cost) is always allowed whatever the limit. */
const REFUND_RULE = { limit: 1, windowMs: MINUTE_MS }

type LimiterOperation = LimiterCheck | { kind: 'release'; key: string; leaseId: string }

/**
 * The admission as one call to a shared limiter (all or nothing), its answers then read by the
 * same steps as any other limiter's. A refusal spent nothing and took no slot, so what the
 * steps record is kept only when the admission went through.
 */
async function admitInBatch(
  batch: BatchRateLimiter,
  context: RequestContext,
  scopes: readonly Scope[],
  checks: readonly LimiterCheck[],
  spent: Spent[],
  slots: HeldSlot[],
): Promise<void> {
  const admission = await batch.admit(
    checks.filter((check): check is WindowStep => check.kind === 'consume'),
    checks.filter((check): check is SlotStep => check.kind === 'acquire'),
  )
  if (!admission.allowed && admission.refused.kind === 'slot')
    throw concurrencyRefusal(scopes[admission.refused.index]!)
  const answers = admission.allowed
    ? [...admission.windows, ...admission.slots]
    : [...admission.windows, admission.refused.result]
  const admittedSpent: Spent[] = []
  const admittedSlots: HeldSlot[] = []
  answerSteps(
    admissionSteps(context, scopes, checks, admittedSpent, admittedSlots),
    (_, index) => answers[index],
  )
  spent.push(...admittedSpent)
  slots.push(...admittedSlots)
}

function runSync(
  limiter: SyncRateLimiter,
  operation: LimiterOperation,
): ConsumeResult | AcquireResult | undefined {
  switch (operation.kind) {
    case 'consume':
      return limiter.consume(operation.key, operation.cost, operation.rule)
    case 'acquire':
      return limiter.acquire(operation.key, operation.limit, operation.leaseMs)
    case 'release':
      limiter.release(operation.key, operation.leaseId)
      return undefined
  }
}

async function runAsync(
  limiter: RateLimiter,
  operation: LimiterOperation,
): Promise<ConsumeResult | AcquireResult | undefined> {
  switch (operation.kind) {
    case 'consume':
      return limiter.consume(operation.key, operation.cost, operation.rule)
    case 'acquire':
      return limiter.acquire(operation.key, operation.limit, operation.leaseMs)
    case 'release':
      await limiter.release(operation.key, operation.leaseId)
      return undefined
  }
}
