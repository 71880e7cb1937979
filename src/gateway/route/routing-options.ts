/**
 * The gateway's own request fields, read and removed before anything goes upstream:
 * `models` (fallback list), `provider` (steering within the lane) and `byok_conf` (the caller's
 * key for this one request). Their values are checked here with OpenAI-style errors naming the
 * `param`; a credential never appears in a message.
 *
 * @module
 * @see https://openrouter.ai/docs/features/provider-routing (the shape of `provider`)
 */

import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { parseUsdPerMillionTokens } from '../../contracts/usd.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { contentModalities, type RequestInput } from './input-modalities.ts'

export type SortOrder = 'price' | 'latency' | 'throughput'

/** `provider: {…}` in the body. */
export interface ProviderPreferences {
  order: readonly string[] | undefined
  only: readonly string[] | undefined
  ignore: readonly string[] | undefined
  /** False: use only the first provider (after `order`), never another one. */
  allowFallbacks: boolean
  dataCollection: 'allow' | 'deny'
  sort: SortOrder | undefined
  /** Highest acceptable price, pico-USD per token. */
  maxPrice: { prompt: number | undefined; completion: number | undefined } | undefined
}

/** `byok_conf: {…}` in the body. */
export interface ByokRequestCredential {
  provider: string
  apiKey: string
  /** On rate limit, auth failure or 5xx, fall back to the lane's own offers (billed there). */
  fallback: boolean
}

export interface RoutingOptions {
  /** Extra model IDs to try, in order, after `model`. */
  fallbackModels: readonly string[]
  /** `usage: {include: true}`: the stream's usage chunk (with cost) goes to the client. */
  includeUsage: boolean
  preferences: ProviderPreferences | undefined
  byok: ByokRequestCredential | undefined
  /** Content beyond text (images, files, audio): routing skips offers that cannot take it. */
  input: RequestInput | undefined
}

const NO_OPTIONS: RoutingOptions = {
  fallbackModels: [],
  includeUsage: false,
  preferences: undefined,
  byok: undefined,
  input: undefined,
}
const MAX_FALLBACK_MODELS = 8

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function stringList(value: unknown, param: string): readonly string[] | undefined {
  if (value === undefined || value === null) return undefined
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw invalid(param, `Invalid type for '${param}': expected an array of non-empty strings.`)
  }
  return value as string[]
}

function checkKeys(object: Record<string, unknown>, allowed: readonly string[], param: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw invalid(
        `${param}.${key}`,
        `Unknown field '${param}.${key}'; expected one of: ${allowed.join(', ')}.`,
      )
    }
  }
}

function parsePreferences(value: unknown): ProviderPreferences | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) throw invalid('provider', "Invalid type for 'provider': expected an object.")
  checkKeys(
    value,
    ['order', 'only', 'ignore', 'allow_fallbacks', 'data_collection', 'sort', 'max_price'],
    'provider',
  )
  const allowFallbacks = value.allow_fallbacks ?? true
  if (typeof allowFallbacks !== 'boolean')
    throw invalid(
      'provider.allow_fallbacks',
      "Invalid type for 'provider.allow_fallbacks': expected a boolean.",
    )
  const dataCollection = value.data_collection ?? 'allow'
  if (dataCollection !== 'allow' && dataCollection !== 'deny')
    throw invalid(
      'provider.data_collection',
      'Invalid value for \'provider.data_collection\': expected "allow" or "deny".',
    )
  const sort = value.sort ?? undefined
  if (sort !== undefined && sort !== 'price' && sort !== 'latency' && sort !== 'throughput')
    throw invalid(
      'provider.sort',
      'Invalid value for \'provider.sort\': expected "price", "latency" or "throughput".',
    )
  let maxPrice: ProviderPreferences['maxPrice']
  if (value.max_price !== undefined && value.max_price !== null) {
    if (!isObject(value.max_price))
      throw invalid('provider.max_price', "Invalid type for 'provider.max_price': expected an object.")
    checkKeys(value.max_price, ['prompt', 'completion'], 'provider.max_price')
    const read = (field: 'prompt' | 'completion') => {
      const price = (value.max_price as Record<string, unknown>)[field]
      if (price === undefined || price === null) return undefined
      if (typeof price !== 'number' && typeof price !== 'string')
        throw invalid(
          `provider.max_price.${field}`,
          `Invalid type for 'provider.max_price.${field}': expected USD per 1M tokens.`,
        )
      try {
        return parseUsdPerMillionTokens(price, `provider.max_price.${field}`)
      } catch (error) {
        throw invalid(`provider.max_price.${field}`, `Invalid value for ${(error as Error).message}.`)
      }
    }
    maxPrice = { prompt: read('prompt'), completion: read('completion') }
  }
  return {
    order: stringList(value.order, 'provider.order'),
    only: stringList(value.only, 'provider.only'),
    ignore: stringList(value.ignore, 'provider.ignore'),
    allowFallbacks,
    dataCollection,
    sort,
    maxPrice,
  }
}

function parseByok(value: unknown): ByokRequestCredential | undefined {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) throw invalid('byok_conf', "Invalid type for 'byok_conf': expected an object.")
  checkKeys(value, ['provider', 'credentials', 'fallback'], 'byok_conf')
  if (typeof value.provider !== 'string' || value.provider === '')
    throw invalid('byok_conf.provider', "Missing or invalid 'byok_conf.provider': expected a provider name.")
  const credentials = value.credentials
  const apiKey = isObject(credentials) ? credentials.api_key : credentials
  if (typeof apiKey !== 'string' || apiKey.trim() === '' || apiKey.length > 4096)
    throw invalid(
      'byok_conf.credentials',
      'Missing or invalid \'byok_conf.credentials\': expected the provider API key as a string or {"api_key": "…"}.',
    )
  const fallback = value.fallback ?? true
  if (typeof fallback !== 'boolean')
    throw invalid('byok_conf.fallback', "Invalid type for 'byok_conf.fallback': expected a boolean.")
  return { provider: value.provider, apiKey: apiKey.trim(), fallback }
}

/**
 * Reads the gateway's fields from a validated chat body and returns the body without them
 * (a shallow copy; the caller's object is untouched), with the input modalities its content
 * needs. The common request, plain text with none of the fields, costs a `typeof` per message
 * and four property checks, and allocates nothing but the returned pair.
 */
export function takeRoutingOptions<Body extends Record<string, unknown> = OpenAIChatCompletionRequest>(
  request: Body,
): {
  options: RoutingOptions
  request: Body
} {
  const modalities = contentModalities(request.messages)
  const input =
    modalities === 0 ? undefined : { modalities, messages: request.messages as readonly unknown[] }
  if (
    request.models === undefined &&
    request.provider === undefined &&
    request.byok_conf === undefined &&
    request.usage === undefined
  ) {
    return { options: input === undefined ? NO_OPTIONS : { ...NO_OPTIONS, input }, request }
  }
  const fallbackModels = stringList(request.models, 'models') ?? []
  if (fallbackModels.length > MAX_FALLBACK_MODELS)
    throw invalid('models', `Too many entries in 'models': at most ${MAX_FALLBACK_MODELS}.`)
  let includeUsage = false
  if (request.usage !== undefined && request.usage !== null) {
    if (!isObject(request.usage))
      throw invalid('usage', 'Invalid type for \'usage\': expected an object like {"include": true}.')
    checkKeys(request.usage, ['include'], 'usage')
    if (request.usage.include !== undefined && typeof request.usage.include !== 'boolean')
      throw invalid('usage.include', "Invalid type for 'usage.include': expected a boolean.")
    includeUsage = request.usage.include === true
  }
  const options: RoutingOptions = {
    fallbackModels,
    includeUsage,
    preferences: parsePreferences(request.provider),
    byok: parseByok(request.byok_conf),
    input,
  }
  const { models: _models, provider: _provider, byok_conf: _byok, usage: _usage, ...rest } = request
  return { options, request: rest as Body }
}
