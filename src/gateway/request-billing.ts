/**
 * One request's money: the hold before the upstream call, the cost on the answer's usage, and
 * the settlement after it.
 *
 * - Hold: the prompt estimate (conservative) plus the output cap (`max_tokens`, else the model's,
 *   else `billing.default_max_output_tokens`) at the highest price among the offers the request
 *   may use, so any fallback is covered.
 * - Cost: the upstream's reported usage through the one cost formula (cost.ts), added to the
 *   answer as `usage.cost` (USD) and `usage.cost_details`.
 * - Settlement: when bytes reached the client, the cost of what was generated: the upstream's
 *   usage if it arrived, else the prompt estimate plus the content chunks delivered. A request
 *   that delivered nothing (every attempt failed before the first byte, or the client left
 *   before it) is not charged. Aborted streams: see the README's billing policy.
 *
 * @module
 * Product spec §5.
 */
import type { BillingService, Hold } from '../billing/billing-service.ts'
import { costNano, formatNanoUsd, type TokenUsage } from '../billing/cost.ts'
import type { Lane, ModelConfig, OfferConfig } from '../config/config.ts'
import type { RequestContext } from '../http/request-context.ts'
import type { OpenAIUsage } from '../providers/openai-wire.ts'
import type { AnswerOptions } from './attempt-outcome.ts'
import type { PlannedAttempt } from './route-planner.ts'

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
  /** Settles or releases the hold (in the background; never throws). */
  finish(): void
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
      const nano = costNano(offer.price, {
        promptTokens: promptEstimate,
        completionTokens: output,
        cachedTokens: 0,
      })
      if (nano > maxNano) {
        maxNano = nano
        outputCap = output
      }
    }
    if (maxNano > 0) {
      hold = await billing.reserve(
        key.workspaceId,
        maxNano,
        () => `about ${promptEstimate} prompt tokens and up to ${outputCap} output tokens`,
      )
    }
  }

  return new RequestBillingState(context, billing, promptEstimate, hold, input.forwardStreamUsage)
}

const price = (offer: OfferConfig, usage: TokenUsage) => costNano(offer.price, usage)

/**
 * One object per request, which is also the answer's options: it lives as long as the request,
 * so fields and prototype methods rather than a closure per method.
 */
class RequestBillingState implements RequestBilling, AnswerOptions {
  readonly forwardStreamUsage: boolean
  expectedObject: AnswerOptions['expectedObject'] = undefined
  clientFormat: AnswerOptions['clientFormat'] = undefined
  onCompleteAnswer: AnswerOptions['onCompleteAnswer'] = undefined
  current: ServedBy | undefined = undefined
  #served: ServedBy | undefined = undefined
  #finished = false
  readonly #context: RequestContext
  readonly #billing: BillingService
  readonly #promptEstimate: number
  readonly #hold: Hold | undefined

  constructor(
    context: RequestContext,
    billing: BillingService,
    promptEstimate: number,
    hold: Hold | undefined,
    forwardStreamUsage: boolean,
  ) {
    this.#context = context
    this.#billing = billing
    this.#promptEstimate = promptEstimate
    this.#hold = hold
    this.forwardStreamUsage = forwardStreamUsage
  }

  get answer(): AnswerOptions {
    return this
  }

  decorateUsage(usage: OpenAIUsage & Record<string, unknown>): void {
    const current = this.current
    if (current === undefined) return
    if (usage.estimated === true) {
      usage.prompt_tokens = this.#promptEstimate
      usage.total_tokens = this.#promptEstimate + (usage.completion_tokens ?? 0)
    }
    const tokens: TokenUsage = {
      promptTokens: usage.prompt_tokens ?? 0,
      completionTokens: usage.completion_tokens ?? 0,
      cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
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

  finish(): void {
    if (this.#finished) return
    this.#finished = true
    const log = this.#context.log
    const served = this.#served
    const hold = this.#hold
    if (served === undefined) {
      log.costNano = 0
      if (hold !== undefined) void this.#billing.release(hold)
      return
    }
    let usage: TokenUsage
    if (log.promptTokens !== undefined) {
      usage = {
        promptTokens: log.promptTokens,
        completionTokens: log.completionTokens ?? 0,
        cachedTokens: log.cachedTokens ?? 0,
      }
      log.usageSource = 'upstream'
    } else {
      usage = {
        promptTokens: this.#promptEstimate,
        completionTokens: log.completionTokens ?? log.generatedChunks ?? 0,
        cachedTokens: 0,
      }
      log.promptTokens = usage.promptTokens
      log.completionTokens = usage.completionTokens
      log.usageSource = 'estimated'
    }
    const nano = price(served.offer, usage)
    log.costNano = nano
    if (hold !== undefined) {
      void this.#billing.settle(hold, nano, {
        requestId: this.#context.requestId,
        actor: `key:${this.#context.key!.keyId}`,
        reason: `${served.lane} ${served.model.id} via ${served.providerName}`,
      })
    }
  }
}
