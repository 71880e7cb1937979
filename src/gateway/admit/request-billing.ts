/**
 * One request's money: the hold before the upstream call, the cost on the answer's usage, and
 * the settlement after it.
 *
 * - Hold: the prompt estimate (conservative) plus the output cap (`max_tokens`, else the model's,
 *   else `billing.default_max_output_tokens`; never below a reasoning request's thinking budget)
 *   at the dearer of the output and reasoning prices, the highest among the offers the request
 *   may use, so any fallback and any share of reasoning is covered. Image generation adds every
 *   image asked for (`n`) at the offer's price for the request's tier.
 * - Cost: the upstream's reported usage through the one cost formula (cost.ts), added to the
 *   answer as `usage.cost` (USD) and `usage.cost_details`.
 * - Usage from the upstream is untrusted: counts that are not non-negative integers within what
 *   the request could produce (prompt: 4× the gateway's conservative estimate + 1024; output:
 *   the output cap × `n`; cached: at most the prompt; reasoning: at most the completion) are
 *   refused, and the answer is priced from
 *   the gateway's own count instead (logged and counted in `onekey_upstream_usage_rejected_total`).
 * - Settlement: when bytes reached the client, the cost of what was generated: the upstream's
 *   usage if it arrived (and is plausible), else the prompt estimate plus the content chunks
 *   delivered. A request that delivered nothing (every attempt failed before the first byte, or
 *   the client left before it) is not charged. Aborted streams: see the README's billing policy.
 *   The charge and the request's log row are one transaction: by default queued when the
 *   response ends; with durable settlement, committed before the answer's last bytes are sent.
 *
 * @module
 * Product spec §5.
 */
import type { BillingService, Hold } from '../../billing/billing-service.ts'
import {
  costliestUsage,
  costNano,
  formatNanoUsd,
  type ImageCount,
  type TokenUsage,
} from '../../billing/cost.ts'
import type { Lane, ModelConfig, OfferConfig } from '../../config/config.ts'
import type { OpenAIUsage } from '../../contracts/openai-wire.ts'
import type { RequestLogRecord } from '../../storage/store.ts'
import type { AnswerOptions } from '../deliver/attempt-outcome.ts'
import type { PendingCharge, RequestContext } from '../request-context.ts'
import { buildRequestLogRecord } from '../request-log-record.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'

/** What priced an answer: the offer (and lane, model, provider) that served it. */
export interface ServedBy {
  lane: Lane
  model: ModelConfig
  offer: OfferConfig
  providerName: string
}

export interface RequestBilling {
  readonly answer: AnswerOptions
  /** The attempt about to run: its offer prices the usage. */
  useAttempt(attempt: PlannedAttempt): void
  /** The answer comes from the prompt cache, priced by `by` (its offer carries the cache rate). */
  serveFromCache(by: ServedBy): void
  /** What the running attempt is (for storing its answer in the cache). */
  readonly current: ServedBy | undefined
  /** The current attempt's bytes reached the client: it is the one to charge. */
  markServed(): void
  /** Images the upstream returned (untrusted: clamped to what was asked and held for). */
  countImages(count: number): void
  /** Settles or releases the hold (in the background; never throws). */
  finish(): void
}

/** Usage counts the gateway accepts from an upstream for one request. */
export interface UsageLimits {
  promptTokens: number
  completionTokens: number
}

/**
 * Whether an upstream's usage object is plausible: every count present is a non-negative
 * integer, prompt and completion within `limits`, cached tokens within the prompt, reasoning
 * tokens within the completion.
 */
export function usageWithinLimits(usage: OpenAIUsage, limits: UsageLimits): boolean {
  const prompt = usage.prompt_tokens
  const completion = usage.completion_tokens ?? 0
  const cached = usage.prompt_tokens_details?.cached_tokens ?? 0
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0
  const count = (value: unknown, most: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= most
  return (
    count(prompt, limits.promptTokens) &&
    count(completion, limits.completionTokens) &&
    count(cached, prompt) &&
    count(reasoning, completion) &&
    (usage.total_tokens === undefined || count(usage.total_tokens, Number.MAX_SAFE_INTEGER))
  )
}

export interface RequestBillingInput {
  /** The prompt's tokens as counted for the reservation (tokenizer or conservative estimate). */
  promptEstimate: number
  /** Every model and offer the request may use (the hold covers the priciest). */
  candidates: readonly { model: ModelConfig; offer: OfferConfig }[]
  /** The most output a model may produce for this request (0 for embeddings). */
  outputCap(model: ModelConfig): number
  /** The client asked for the stream's usage chunk. */
  forwardStreamUsage: boolean
  /** Charges commit before the answer's end (`billing.durable_settlement`). */
  durable?: boolean
  /** Image generation: the images asked for (`n`) and their tier on an offer (undefined: none). */
  images?: ((model: ModelConfig, offer: OfferConfig) => ImageCount | undefined) | undefined
}

export async function startRequestBilling(
  context: RequestContext,
  billing: BillingService,
  input: RequestBillingInput,
): Promise<RequestBilling> {
  const key = context.key!
  const promptEstimate = input.promptEstimate
  let hold: Hold | undefined
  if (billing.enabled && input.candidates.length > 0) {
    let maxNano = 0
    let outputCap = 0
    for (const { model, offer } of input.candidates) {
      const output = input.outputCap(model)
      const images = input.images?.(model, offer)
      const nano = costNano(offer.price, { ...costliestUsage(offer.price, promptEstimate, output), images })
      if (nano > maxNano) {
        maxNano = nano
        outputCap = output
      }
    }
    if (maxNano > 0) {
      hold = await billing.reserve(
        key.workspaceId,
        maxNano,
        () =>
          input.images === undefined
            ? `about ${promptEstimate} prompt tokens and up to ${outputCap} output tokens`
            : `about ${promptEstimate} prompt tokens and the images asked for`,
        key.budgetScopes,
      )
    }
  }

  return new RequestBillingState(context, billing, promptEstimate, hold, input)
}

const price = (offer: OfferConfig, usage: TokenUsage) => costNano(offer.price, usage)

/**
 * One object per request, which is also the answer's options: it lives as long as the request,
 * so fields and prototype methods rather than a closure per method.
 */
class RequestBillingState implements RequestBilling, AnswerOptions, PendingCharge {
  readonly forwardStreamUsage: boolean
  expectedObject: AnswerOptions['expectedObject'] = undefined
  clientFormat: AnswerOptions['clientFormat'] = undefined
  onCompleteAnswer: AnswerOptions['onCompleteAnswer'] = undefined
  current: ServedBy | undefined = undefined
  #served: ServedBy | undefined = undefined
  #finished = false
  /** What the served answer cost, once priced by finish(). */
  #nano = 0
  readonly #context: RequestContext
  readonly #billing: BillingService
  readonly #promptEstimate: number
  readonly #hold: Hold | undefined
  readonly #outputCap: (model: ModelConfig) => number
  readonly #images: RequestBillingInput['images']
  /** Images returned by the served attempt (0 until counted). */
  #imageCount = 0
  beforeEnd: AnswerOptions['beforeEnd'] = undefined

  constructor(
    context: RequestContext,
    billing: BillingService,
    promptEstimate: number,
    hold: Hold | undefined,
    input: RequestBillingInput,
  ) {
    this.#context = context
    this.#billing = billing
    this.#promptEstimate = promptEstimate
    this.#hold = hold
    this.#outputCap = input.outputCap
    this.#images = input.images
    this.forwardStreamUsage = input.forwardStreamUsage
    if (input.durable === true && hold !== undefined) this.beforeEnd = () => this.#settleBeforeEnd()
  }

  acceptsUsage(usage: OpenAIUsage): boolean {
    const current = this.current
    if (current === undefined) return true
    return usageWithinLimits(usage, {
      promptTokens: 4 * this.#promptEstimate + 1024,
      completionTokens: this.#outputCap(current.model),
    })
  }

  get answer(): AnswerOptions {
    return this
  }

  decorateUsage(usage: OpenAIUsage & Record<string, unknown>): void {
    const current = this.current
    if (current === undefined) return
    const log = this.#context.log
    if (log.usageRejected === true && usage.estimated !== true) {
      // The upstream's counts were refused: the client sees (and pays) the gateway's own.
      for (const field of Object.keys(usage)) delete usage[field]
      usage.completion_tokens = log.completionTokens ?? log.generatedChunks ?? 0
      usage.estimated = true
    }
    if (usage.estimated === true) {
      usage.prompt_tokens = this.#promptEstimate
      usage.total_tokens = this.#promptEstimate + (usage.completion_tokens ?? 0)
    }
    const tokens: TokenUsage = {
      promptTokens: usage.prompt_tokens ?? 0,
      completionTokens: usage.completion_tokens ?? 0,
      cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
      images: this.#imagesOf(current),
    }
    const nano = price(current.offer, tokens)
    this.#context.log.costNano = nano
    const total = formatNanoUsd(nano)
    // A JSON number written from the exact decimal (shortest round-trip form), plus the string.
    usage.cost = Number(total)
    const upstreamCost = current.offer.upstreamCost
    usage.cost_details = {
      currency: 'USD',
      total,
      lane: current.lane,
      upstream_inference_cost:
        upstreamCost === undefined || current.lane === 'byok'
          ? null
          : formatNanoUsd(costNano(upstreamCost, tokens)),
    }
  }

  useAttempt(attempt: PlannedAttempt): void {
    this.current = {
      lane: attempt.lane,
      model: attempt.model,
      offer: attempt.offer,
      providerName: attempt.provider.config.name,
    }
  }

  serveFromCache(by: ServedBy): void {
    this.current = by
    this.#served = by
  }

  markServed(): void {
    this.#served = this.current
  }

  countImages(count: number): void {
    this.#imageCount = Number.isSafeInteger(count) && count > 0 ? count : 0
  }

  /** The images to charge on `by`'s offer: those returned, never more than were asked (and held). */
  #imagesOf(by: ServedBy): ImageCount | undefined {
    const asked = this.#images?.(by.model, by.offer)
    if (asked === undefined) return undefined
    return { tier: asked.tier, count: Math.min(this.#imageCount, asked.count) }
  }

  finish(): void {
    if (this.#finished) return
    this.#finished = true
    const hold = this.#hold
    let nano: number
    try {
      nano = this.#price()
    } catch (error) {
      // Never past the hold's release: a request that cannot be priced is not charged (and said so).
      if (hold !== undefined) this.#billing.abandon(hold, this.#context.requestId, error)
      return
    }
    if (hold === undefined) return
    if (this.#served === undefined) {
      void this.#billing.release(hold)
      return
    }
    // Settled when the response has ended, with the request's log row (http/request-log.ts).
    this.#nano = nano
    this.#context.charge = this
  }

  settle(record: RequestLogRecord): Promise<number | undefined> {
    const charged = this.#billing.settle(this.#hold!, this.#nano, record)
    this.#context.trace?.settle(charged, this.#nano)
    return charged
  }

  /** Durable settlement: the charge and the log row are committed before the answer's end. */
  async #settleBeforeEnd(): Promise<void> {
    this.markServed()
    this.finish()
    const context = this.#context
    const charge = context.charge
    const record = charge === undefined ? undefined : buildRequestLogRecord(context, 200)
    // Without a row to write (no key or generation ID), the charge waits for the response's end.
    if (charge === undefined || record === undefined) return
    context.charge = undefined
    context.logWritten = (await charge.settle(record)) !== undefined
  }

  /** The served answer's cost (0 when nothing was served), its usage recorded on the log. */
  #price(): number {
    const log = this.#context.log
    const served = this.#served
    if (served === undefined) {
      log.costNano = 0
      return 0
    }
    let usage: TokenUsage
    if (log.promptTokens !== undefined) {
      usage = {
        promptTokens: log.promptTokens,
        completionTokens: log.completionTokens ?? 0,
        cachedTokens: log.cachedTokens ?? 0,
        reasoningTokens: log.reasoningTokens ?? 0,
      }
      log.usageSource = 'upstream'
    } else {
      usage = {
        promptTokens: this.#promptEstimate,
        completionTokens: log.completionTokens ?? log.generatedChunks ?? 0,
        cachedTokens: 0,
        reasoningTokens: 0,
      }
      log.promptTokens = usage.promptTokens
      log.completionTokens = usage.completionTokens
      log.usageSource = 'estimated'
    }
    usage.images = this.#imagesOf(served)
    const nano = price(served.offer, usage)
    log.costNano = nano
    return nano
  }
}
