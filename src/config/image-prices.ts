/**
 * Per-image prices and a model's image rules in the catalog (`POST /v1/images/generations`).
 *
 * An offer's `price.image` maps a tier to USD per image. A tier is a size (`1024x1024`), which
 * prices that size at any quality not listed on its own, or a size and a quality
 * (`1024x1024/hd`). A request is priced at its most specific tier: `size/quality`, else `size`.
 * A request without `size` or `quality` is priced at the model's `images.default_size`
 * (default `1024x1024`) and `images.default_quality` (none: the bare size). A request whose
 * tier no offer prices is a 400 naming `size` or `quality`, before any upstream call.
 *
 * @module
 * Product spec §5 (prices).
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
import { z } from 'zod'
import { parseUsd } from '../contracts/usd.ts'

const decimal = z.union([z.string(), z.number().nonnegative()])

/** `WxH` or `auto`, optionally `/quality`. */
const TIER_PATTERN = /^(?:\d{1,5}x\d{1,5}|auto)(?:\/[a-z]+)?$/

/** `price.image` in the file: tier → USD per image. */
export const imagePriceSchema = z
  .record(
    z.string().regex(TIER_PATTERN, 'a size like 1024x1024, optionally /quality (1024x1024/hd)'),
    decimal,
  )
  .refine((tiers) => Object.keys(tiers).length > 0, 'give at least one size')

/** `images` on a model: the rules its upstream enforces, checked before any call. */
export const imageRulesSchema = z.strictObject({
  /** The most images one request may ask for (`n`); e.g. 1 for dall-e-3. Default: OpenAI's 10. */
  max_per_request: z.number().int().min(1).max(10).default(10),
  /** The size a request without `size` is priced at. */
  default_size: z.string().regex(TIER_PATTERN).default('1024x1024'),
  /** The quality a request without `quality` is priced at (absent: the bare size's price). */
  default_quality: z
    .string()
    .regex(/^[a-z]+$/)
    .optional(),
})

/** A model's image rules, validated. */
export interface ImageRules {
  maxPerRequest: number
  defaultSize: string
  defaultQuality: string | undefined
}

/** Pico-USD per image, by tier. */
export type ImagePrices = Readonly<Record<string, number>>

/** The file's `price.image` in exact integers (pico-USD per image); problems appended. */
export function readImagePrices(
  tiers: z.infer<typeof imagePriceSchema>,
  field: string,
  problems: string[],
): ImagePrices {
  const result: Record<string, number> = {}
  for (const [tier, value] of Object.entries(tiers)) {
    try {
      result[tier] = parseUsd(value, `${field}.${tier}`)
    } catch (error) {
      problems.push((error as Error).message)
    }
  }
  return result
}

export function readImageRules(rules: z.infer<typeof imageRulesSchema> | undefined): ImageRules | undefined {
  if (rules === undefined) return undefined
  return {
    maxPerRequest: rules.max_per_request,
    defaultSize: rules.default_size,
    defaultQuality: rules.default_quality,
  }
}

/** What a request asks for, as the catalog prices it. */
export interface ImageTierRequest {
  size: string | undefined
  quality: string | undefined
}

/**
 * The tier that prices a request on an offer (`size/quality`, else `size`), or undefined when the
 * offer prices neither.
 */
export function imageTier(
  prices: ImagePrices | undefined,
  rules: ImageRules | undefined,
  request: ImageTierRequest,
): string | undefined {
  if (prices === undefined) return undefined
  const size = request.size ?? rules?.defaultSize ?? '1024x1024'
  const quality = request.quality ?? rules?.defaultQuality
  if (quality !== undefined && prices[`${size}/${quality}`] !== undefined) return `${size}/${quality}`
  return prices[size] === undefined ? undefined : size
}

/** Whether the offer prices the size at all (so a missing tier is the quality's fault). */
export function pricesSize(prices: ImagePrices | undefined, size: string): boolean {
  if (prices === undefined) return false
  return Object.keys(prices).some((tier) => tier === size || tier.startsWith(`${size}/`))
}
