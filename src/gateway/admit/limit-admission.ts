/**
 * One request's admission against its rate limits, written once for every kind of limiter: the
 * ordered checks (each scope's requests then tokens per minute, then each scope's concurrency
 * slot), the steps that read their answers (what was spent, which slots were taken, the 429 of
 * the first limit reached), and OpenAI's `x-ratelimit-*` headers.
 *
 * @module
 * Product spec §6.
 * @see https://platform.openai.com/docs/guides/rate-limits#rate-limits-in-headers
 */
import type { TierLimits } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { AcquireResult, ConsumeResult, WindowRule } from '../../ratelimit/rate-limiter.ts'
import type { RequestContext } from '../request-context.ts'

export const MINUTE_MS = 60_000

/** A workspace's or a key's limits with their limiter keys and window rules (built once per key). */
export interface Scope {
  name: 'workspace' | 'key'
  limits: TierLimits
  rpmKey: string
  rpmRule: WindowRule
  tpmKey: string
  tpmRule: WindowRule
  concurrencyKey: string
}

export function scope(name: Scope['name'], id: string, limits: TierLimits): Scope {
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

export type WindowStep = { kind: 'consume'; key: string; cost: number; rule: WindowRule }
export type SlotStep = { kind: 'acquire'; key: string; limit: number; leaseMs: number }
export type LimiterCheck = WindowStep | SlotStep

/** A window charge an admission made (given back on a refusal, or down to the actual usage). */
export interface Spent {
  key: string
  cost: number
  /** A tokens-per-minute charge (refunded down to the actual usage). */
  tokens: boolean
}

export interface HeldSlot {
  key: string
  leaseId: string
}

/** Every check of an admission, in order: each scope's requests then tokens, then each scope's slot. */
export function admissionChecks(scopes: readonly Scope[], tokens: number, leaseMs: number): LimiterCheck[] {
  const checks: LimiterCheck[] = []
  for (const scope of scopes) {
    checks.push({ kind: 'consume', key: scope.rpmKey, cost: 1, rule: scope.rpmRule })
    // A request larger than the whole window is refused, as OpenAI does ("Request too large").
    checks.push({ kind: 'consume', key: scope.tpmKey, cost: tokens, rule: scope.tpmRule })
  }
  for (const scope of scopes)
    checks.push({ kind: 'acquire', key: scope.concurrencyKey, limit: scope.limits.concurrency, leaseMs })
  return checks
}

/**
 * Yields each check and receives its answer (synchronously from an in-process limiter, awaited
 * one by one, or replayed from one batched call); records what was spent and the slots taken,
 * so a refusal can give them back. Throws the 429 of the first limit reached; sets the headers.
 */
export function* admissionSteps(
  context: RequestContext,
  scopes: readonly Scope[],
  checks: readonly LimiterCheck[],
  spent: Spent[],
  slots: HeldSlot[],
): AdmissionSteps {
  const windows: ConsumeResult[] = []
  for (const check of checks) {
    if (check.kind === 'acquire') {
      const slot = (yield check) as AcquireResult
      // Slots come one per scope, in scope order.
      if (!slot.allowed || slot.leaseId === undefined) throw concurrencyRefusal(scopes[slots.length]!)
      slots.push({ key: check.key, leaseId: slot.leaseId })
      continue
    }
    const result = (yield check) as ConsumeResult
    // Windows come in pairs per scope: its requests, then its tokens.
    const scope = scopes[windows.length >> 1]!
    const tokens = windows.length % 2 === 1
    if (!result.allowed) {
      if (!tokens) {
        setRateHeaders(context, scope.limits.rpm, result, scope.limits.tpm, undefined)
        throw refusal(scope.name, 'requests per minute', scope.limits.rpm, result)
      }
      setRateHeaders(context, scope.limits.rpm, windows.at(-1)!, scope.limits.tpm, result)
      throw refusal(scope.name, 'tokens per minute', scope.limits.tpm, result)
    }
    spent.push({ key: check.key, cost: check.cost, tokens })
    windows.push(result)
  }
  setTightestRateHeaders(context, scopes, windows)
}

type Answer = ConsumeResult | AcquireResult | undefined
export type AdmissionSteps = Generator<LimiterCheck, void, Answer>

/** Runs the steps to the end, each check answered at once (an in-process limiter, or a batch's answers in order). */
export function answerSteps(
  steps: AdmissionSteps,
  answer: (check: LimiterCheck, index: number) => Answer,
): void {
  let index = 0
  for (let step = steps.next(); !step.done; ) step = steps.next(answer(step.value, index++))
}

/** Runs the steps to the end, each check awaited in turn. */
export async function answerStepsAsync(
  steps: AdmissionSteps,
  answer: (check: LimiterCheck) => Promise<Answer>,
): Promise<void> {
  for (let step = steps.next(); !step.done; ) step = steps.next(await answer(step.value))
}

/** A refused concurrency slot: the 429 naming the scope's limit. */
export function concurrencyRefusal(scope: Scope): GatewayError {
  return new GatewayError(
    'rate_limit_exceeded',
    `Rate limit reached for this ${scope.name}: ${scope.limits.concurrency} concurrent requests. ` +
      'Retry when one of them has finished.',
    { retryAfterSeconds: 1 },
  )
}

function refusal(scope: Scope['name'], what: string, limit: number, result: ConsumeResult): GatewayError {
  const seconds = Math.max(Math.ceil(result.retryAfterMs / 1000), 1)
  return new GatewayError(
    'rate_limit_exceeded',
    `Rate limit reached for this ${scope}: ${limit} ${what}. Retry in ${seconds} s.`,
    { retryAfterSeconds: seconds },
  )
}

/** OpenAI's reset format: `1s`, `6m0s`, `1h2m3s`. */
export function formatReset(ms: number): string {
  const seconds = Math.max(Math.ceil(ms / 1000), 0)
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${rest}s`
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
