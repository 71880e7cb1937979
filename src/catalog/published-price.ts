/**
 * What a buyer may read of an offer's price: every component as an exact decimal string, or
 * "quote on request" when the operator has not published it. The one rule `/v1/models`, the
 * quote and the public pages all apply: an unpublished price never shows as a number.
 *
 * @module
 */
import type { OfferConfig } from '../config/config.ts'
import { formatPicoUsd, formatUsdPerMillionTokens } from '../contracts/usd.ts'

export const QUOTE_ON_REQUEST = 'quote on request'

export interface PublishedPrice {
  currency: 'USD'
  /** Per 1M prompt tokens. */
  prompt: string
  /** Per 1M completion tokens. */
  completion: string
  /** Per 1M cached prompt tokens. */
  cached_input: string
  /** Per 1M cached prompt tokens, by OpenRouter's name (the same as `cached_input`). */
  input_cache_read: string
  /** Per 1M reasoning tokens (OpenRouter's name): the completion price unless the offer sets one. */
  internal_reasoning: string
  /** Per request. */
  request: string
  /** Per generated image, by tier (`1024x1024`, `1024x1024/hd`); only on offers that generate images. */
  image?: Record<string, string>
}

/**
 * Every price component of an offer as exact decimal strings: prompt, completion, cached input,
 * reasoning, per request and per image by tier; an unpublished price is never shown ("quote on request").
 */
export function publicPrice(offer: OfferConfig): PublishedPrice | typeof QUOTE_ON_REQUEST {
  if (!offer.published) return QUOTE_ON_REQUEST
  const price = offer.price
  const cachedInput = formatUsdPerMillionTokens(price.cachedInput)
  return {
    currency: 'USD',
    prompt: formatUsdPerMillionTokens(price.input),
    completion: formatUsdPerMillionTokens(price.output),
    cached_input: cachedInput,
    input_cache_read: cachedInput,
    internal_reasoning: formatUsdPerMillionTokens(price.reasoning ?? price.output),
    request: formatPicoUsd(price.request),
    ...(price.image === undefined
      ? {}
      : {
          image: Object.fromEntries(
            Object.entries(price.image).map(([tier, pico]) => [tier, formatPicoUsd(pico)]),
          ),
        }),
  }
}
