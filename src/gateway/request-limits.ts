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
import type {
  AcquireResult,
  BatchRateLimiter,
  ConsumeResult,
  RateLimiter,
  SyncRateLimiter,
  WindowCheck,
  WindowRule,
} from '../ratelimit/rate-limiter.ts'
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
  /** A tokens-per-minute charge (refunded down to the actual usage). */
  tokens: boolean
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
    const scopes = [scope('workspace', `ws:${key.workspaceId}`, limits.workspace)]
    if (limits.key !== undefined) scopes.push(scope('key', `key:${key.keyId}`, limits.key))
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
      const leaseMs = config.concurrencyLeaseMs
      // An in-process limiter answers at once: no promise per check on the request path.
      const sync = options.limiter.sync
      // A shared one takes the whole admission in one round trip.
      const batch = options.limiter.batch
      try {
        if (sync !== undefined) {
          const steps = admissionSteps(context, scopes, tokens, leaseMs, spent, slots)
          let step = steps.next()
          while (!step.done) step = steps.next(runSync(sync, step.value))
        } else if (batch !== undefined) {
          await admitInBatch(batch, context, scopes, tokens, leaseMs, spent, slots).then(
            () => {
              degraded = false
            },
            async (error: unknown) => {
              if (error instanceof GatewayError) throw error
              // The shared limiter failed: the policy answers (503, or count on this instance).
              const fallback = onFailure(error)
              const steps = admissionSteps(context, scopes, tokens, leaseMs, spent, slots)
              let step = steps.next()
              while (!step.done) step = steps.next(await runAsync(fallback, step.value))
            },
          )
        } else {
          const steps = admissionSteps(context, scopes, tokens, leaseMs, spent, slots)
          let step = steps.next()
          while (!step.done)
            step = steps.next(await call((limiter) => runAsync(limiter, step.value as LimiterCheck)))
        }
      } catch (error) {
        for (const item of spent)
          fire({ kind: 'consume', key: item.key, cost: -item.cost, rule: REFUND_RULE })
        for (const slot of slots) fire({ kind: 'release', key: slot.key, leaseId: slot.leaseId })
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

interface Scope {
  name: 'workspace' | 'key'
  limits: TierLimits
  rpmKey: string
  rpmRule: WindowRule
  tpmKey: string
  tpmRule: WindowRule
  concurrencyKey: string
}

function scope(name: Scope['name'], id: string, limits: TierLimits): Scope {
  return {
    name,
    limits,
    rpmKey: `${id}:rpm`,
    rpmRule: { limit: limits.rpm, windowMs: MINUTE_MS },
    tpmKey: `${id}:tpm`,
    tpmRule: { limit: limits.tpm, windowMs: MINUTE_MS },
    concurrencyKey: `${id}:concurrency`,
  }
}

interface HeldSlot {
  key: string
  leaseId: string
}

const refundOperation = (refund: WindowCheck): LimiterOperation => ({ kind: 'consume', ...refund })
const releaseOperation = (slot: HeldSlot): LimiterOperation => ({
  kind: 'release',
  key: slot.key,
  leaseId: slot.leaseId,
})

/**
 * The admission as one call to a shared limiter: every scope's requests and tokens per minute,
 * then its concurrency slot, all or nothing. Throws the 429 of the first limit reached.
 */
async function admitInBatch(
  batch: BatchRateLimiter,
  context: RequestContext,
  scopes: readonly Scope[],
  tokens: number,
  leaseMs: number,
  spent: Spent[],
  slots: HeldSlot[],
): Promise<void> {
  const windows: WindowCheck[] = []
  for (const scope of scopes) {
    windows.push({ key: scope.rpmKey, cost: 1, rule: scope.rpmRule })
    windows.push({ key: scope.tpmKey, cost: tokens, rule: scope.tpmRule })
  }
  const slotChecks = scopes.map((scope) => ({
    key: scope.concurrencyKey,
    limit: scope.limits.concurrency,
    leaseMs,
  }))
  const admission = await batch.admit(windows, slotChecks)
  if (!admission.allowed) {
    const refused = admission.refused
    if (refused.kind === 'slot') throw concurrencyRefusal(scopes[refused.index]!)
    // Windows come in pairs per scope: requests, then tokens.
    const scope = scopes[Math.floor(refused.index / 2)]!
    if (refused.index % 2 === 0) {
      setRateHeaders(context, scope.limits.rpm, refused.result, scope.limits.tpm, undefined)
      throw refusal(scope.name, 'requests per minute', scope.limits.rpm, refused.result)
    }
    setRateHeaders(
      context,
      scope.limits.rpm,
      admission.windows[refused.index - 1]!,
      scope.limits.tpm,
      refused.result,
    )
    throw refusal(scope.name, 'tokens per minute', scope.limits.tpm, refused.result)
  }
  for (const [index, check] of windows.entries())
    spent.push({ key: check.key, cost: check.cost, tokens: index % 2 === 1 })
  for (const [index, slot] of admission.slots.entries())
    slots.push({ key: slotChecks[index]!.key, leaseId: slot.leaseId! })
  setTightestRateHeaders(context, scopes, admission.windows)
}

/** The headers describe the tighter scope; `windows` holds each scope's requests then tokens. */
function setTightestRateHeaders(
  context: RequestContext,
  scopes: readonly Scope[],
  windows: readonly ConsumeResult[],
): void {
  let tightest = 0
  let tightestTokens = 0
  for (let index = 1; index < scopes.length; index++) {
    if (windows[index * 2]!.remaining < windows[tightest * 2]!.remaining) tightest = index
    if (windows[index * 2 + 1]!.remaining < windows[tightestTokens * 2 + 1]!.remaining) tightestTokens = index
  }
  setRateHeaders(
    context,
    scopes[tightest]!.limits.rpm,
    windows[tightest * 2]!,
    scopes[tightestTokens]!.limits.tpm,
    windows[tightestTokens * 2 + 1],
  )
}

function concurrencyRefusal(scope: Scope): GatewayError {
  return new GatewayError(
    'rate_limit_exceeded',
    `Rate limit reached for this ${scope.name}: ${scope.limits.concurrency} concurrent requests. ` +
      'Retry when one of them has finished.',
    { retryAfterSeconds: 1 },
  )
}

/** A refund (negative cost) is always allowed whatever the limit. */
const REFUND_RULE = { limit: 1, windowMs: MINUTE_MS }

type LimiterCheck =
  | { kind: 'consume'; key: string; cost: number; rule: WindowRule }
  | { kind: 'acquire'; key: string; limit: number; leaseMs: number }
type LimiterOperation = LimiterCheck | { kind: 'release'; key: string; leaseId: string }

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

/**
 * The admission, written once for both kinds of limiter: it yields each check and receives its
 * result (synchronously from an in-process limiter, awaited from Redis). Requests and tokens per
 * minute for every scope, then a concurrency slot per scope; what it spent and the slots it took
 * are recorded so a refusal can give them back. Throws the 429 of the first limit reached.
 */
function* admissionSteps(
  context: RequestContext,
  scopes: readonly Scope[],
  tokens: number,
  leaseMs: number,
  spent: Spent[],
  slots: HeldSlot[],
): Generator<LimiterCheck, void, ConsumeResult | AcquireResult | undefined> {
  const windows: ConsumeResult[] = []
  for (const scope of scopes) {
    const rpmKey = scope.rpmKey
    const rpm = (yield { kind: 'consume', key: rpmKey, cost: 1, rule: scope.rpmRule }) as ConsumeResult
    if (!rpm.allowed) {
      setRateHeaders(context, scope.limits.rpm, rpm, scope.limits.tpm, undefined)
      throw refusal(scope.name, 'requests per minute', scope.limits.rpm, rpm)
    }
    spent.push({ key: rpmKey, cost: 1, tokens: false })
    // A request larger than the whole window is refused, as OpenAI does ("Request too large").
    const tpmKey = scope.tpmKey
    const tpm = (yield { kind: 'consume', key: tpmKey, cost: tokens, rule: scope.tpmRule }) as ConsumeResult
    if (!tpm.allowed) {
      setRateHeaders(context, scope.limits.rpm, rpm, scope.limits.tpm, tpm)
      throw refusal(scope.name, 'tokens per minute', scope.limits.tpm, tpm)
    }
    spent.push({ key: tpmKey, cost: tokens, tokens: true })
    windows.push(rpm, tpm)
  }
  for (const scope of scopes) {
    const key = scope.concurrencyKey
    const slot = (yield { kind: 'acquire', key, limit: scope.limits.concurrency, leaseMs }) as AcquireResult
    if (!slot.allowed || slot.leaseId === undefined) throw concurrencyRefusal(scope)
    slots.push({ key, leaseId: slot.leaseId })
  }
  setTightestRateHeaders(context, scopes, windows)
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
