/**
 * The one cost formula, used by non-stream and stream settlement, reservations and quotes alike:
 * uncached prompt tokens at the input price, cached prompt tokens at the cached-input price,
 * completion tokens at the output price, plus the per-request price. Exact integer pico-USD;
 * ledger amounts are nano-USD, rounded up (a charge is never a fraction of a nano-dollar short).
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
}

export function costPico(price: OfferPrice, usage: TokenUsage): bigint {
  const cached = Math.min(Math.max(usage.cachedTokens, 0), usage.promptTokens)
  return (
    costOf(usage.promptTokens - cached, price.input) +
    costOf(cached, price.cachedInput) +
    costOf(usage.completionTokens, price.output) +
    BigInt(price.request)
  )
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
