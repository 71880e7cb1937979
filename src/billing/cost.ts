/**
 * The one cost formula, used by non-stream and stream settlement, reservations and quotes alike:
 * uncached prompt tokens at the input price, cached prompt tokens at the cached-input price,
 * completion tokens less the reasoning ones at the output price, reasoning tokens at the
 * reasoning price (the output price when the offer has none), generated images at the offer's
 * price for their tier (size and quality), plus the per-request price. Exact
 * integer pico-USD; ledger amounts are nano-USD, rounded up (a charge is never a fraction of a
 * nano-dollar short).
 *
 * @module
 * Product spec §5.
 */
import type { OfferPrice } from '../config/catalog-config.ts'
import { costOf } from '../contracts/usd.ts'

export interface TokenUsage {
  promptTokens: number
  completionTokens: number
  /** Prompt tokens the upstream served from its prompt cache (part of `promptTokens`). */
  cachedTokens: number
  /** Completion tokens spent reasoning (part of `completionTokens`): `completion_tokens_details.reasoning_tokens`. */
  reasoningTokens: number
  /** Images generated (`/v1/images/generations`), all of one tier priced by `OfferPrice.image`. */
  images?: ImageCount | undefined
}

/** Generated images of one tier (`1024x1024`, `1024x1024/hd`: see config/image-prices.ts). */
export interface ImageCount {
  tier: string
  count: number
}

/** Pico-USD for the images; a tier the offer does not price is a RangeError (never free). */
function imagesPico(price: OfferPrice, images: ImageCount | undefined): bigint {
  if (images === undefined || images.count <= 0) return 0n
  const each = price.image?.[images.tier]
  if (each === undefined) throw new RangeError(`no image price for ${images.tier}`)
  return BigInt(images.count) * BigInt(each)
}

export function costPico(price: OfferPrice, usage: TokenUsage): bigint {
  const cached = Math.min(Math.max(usage.cachedTokens, 0), usage.promptTokens)
  const reasoning = Math.min(Math.max(usage.reasoningTokens, 0), usage.completionTokens)
  return (
    costOf(usage.promptTokens - cached, price.input) +
    costOf(cached, price.cachedInput) +
    costOf(usage.completionTokens - reasoning, price.output) +
    costOf(reasoning, price.reasoning ?? price.output) +
    imagesPico(price, usage.images) +
    BigInt(price.request)
  )
}

/** The dearest an output token can be (pico-USD): the output or the reasoning price, whichever is higher. */
export function highestOutputPrice(price: OfferPrice): number {
  return Math.max(price.output, price.reasoning ?? price.output)
}

/**
 * The costliest usage `outputTokens` of output can come to, for holds: every output token at the
 * dearer of the output and reasoning prices (a thinking budget lies within the output cap), no
 * prompt token cached.
 */
export function costliestUsage(price: OfferPrice, promptTokens: number, outputTokens: number): TokenUsage {
  return {
    promptTokens,
    completionTokens: outputTokens,
    cachedTokens: 0,
    reasoningTokens: (price.reasoning ?? price.output) > price.output ? outputTokens : 0,
  }
}

/** pico-USD → nano-USD, rounded up. */
export function picoToNano(pico: bigint): number {
  const nano = (pico + 999n) / 1000n
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount too large')
  return Number(nano)
}

export function costNano(price: OfferPrice, usage: TokenUsage): number {
  return picoToNano(costPico(price, usage))
}

/** nano-USD → exact decimal USD string (every response carries one: no regular expression). */
export function formatNanoUsd(nano: number): string {
  const negative = nano < 0
  const digits = Math.abs(nano).toString().padStart(10, '0')
  const point = digits.length - 9
  let end = digits.length
  while (end > point && digits.charCodeAt(end - 1) === 48) end--
  const whole = digits.slice(0, point)
  return `${negative ? '-' : ''}${whole}${end === point ? '' : `.${digits.slice(point, end)}`}`
}
