/**
 * The model catalog in the config file: models with their metadata and, per lane, the offers
 * that serve them. Validation here enforces the lanes' trust boundaries at start-up: a `cheap`
 * offer can only name pooled accounts, a `resale` offer only official ones, a `byok` offer no
 * account at all (the workspace brings the key). A config that would let a resale request reach
 * a pooled account does not load.
 *
 * @module
 * Product spec §2 (lanes), §5 (prices).
 */
import { z } from 'zod'
import { parseDecimal, parseUsd, parseUsdPerMillionTokens } from '../contracts/usd.ts'
import { TOKENIZERS, type TokenizerName } from '../tokens/tokenizer.ts'
import {
  type ImagePrices,
  type ImageRules,
  imagePriceSchema,
  imageRulesSchema,
  readImagePrices,
  readImageRules,
} from './image-prices.ts'
import type { AccountConfig, ProviderConfig } from './provider-config.ts'

/** The lanes, by the promise each keeps: cost, trust, control. */
export const LANES = ['cheap', 'resale', 'byok'] as const
export type Lane = (typeof LANES)[number]

/** Pooled accounts serve `cheap`; the operator's official accounts serve `resale`. */
export type AccountTrust = 'pooled' | 'official'

export const LANE_TRUST: Record<Exclude<Lane, 'byok'>, AccountTrust> = { cheap: 'pooled', resale: 'official' }

/** Request fields that identify or track an end user; dropped before a shared account. */
export const END_USER_FIELDS = ['user', 'safety_identifier', 'metadata', 'store', 'prompt_cache_key'] as const
export type EndUserField = (typeof END_USER_FIELDS)[number]

const CAPABILITIES = [
  'tools',
  'vision',
  'json_mode',
  'embeddings',
  'streaming',
  'reasoning',
  'completions',
] as const
const MODALITIES = ['text', 'image', 'audio', 'file', 'embedding'] as const

const decimal = z.union([z.string(), z.number().nonnegative()])
const modelIdPattern = /^[A-Za-z0-9][\w.:@+-]*(?:\/[\w.:@+-]+)*$/

/** The file's price names (OpenRouter's, as `/v1/models` shows them), each with its accepted alias. */
const PRICE_ALIASES = [
  ['prompt', 'input'],
  ['completion', 'output'],
] as const

const priceSchema = z
  .strictObject({
    prompt: decimal.optional(),
    completion: decimal.optional(),
    cached_input: decimal.optional(),
    request: decimal.optional(),
    /** Per 1M reasoning tokens (part of the completion); the completion price when absent. */
    reasoning: decimal.optional(),
    /** Alias of `prompt`. */
    input: decimal.optional(),
    /** Alias of `completion`. */
    output: decimal.optional(),
    /** Alias of `reasoning` (OpenRouter's name). */
    internal_reasoning: decimal.optional(),
    /** USD per generated image by tier (`1024x1024`, `1024x1024/hd`): see image-prices.ts. */
    image: imagePriceSchema.optional(),
  })
  .superRefine((price, context) => {
    if (price.reasoning !== undefined && price.internal_reasoning !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['reasoning'],
        message: 'give reasoning or its alias internal_reasoning, not both',
      })
    }
    for (const [name, alias] of PRICE_ALIASES) {
      if (price[name] !== undefined && price[alias] !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `give ${name} or its alias ${alias}, not both`,
        })
      } else if (price[name] === undefined && price[alias] === undefined && price.image === undefined) {
        // An image price makes token prices optional (0 when absent).
        context.addIssue({ code: 'custom', path: [name], message: `required (or its alias ${alias})` })
      }
    }
  })

const offerSchema = z.strictObject({
  lane: z.enum(LANES),
  provider: z.string().min(1),
  /** Only these accounts of the provider (by `accounts[].group`); default: every account whose trust fits the lane. */
  group: z.string().min(1).optional(),
  /** The model name the upstream knows; defaults to the catalog ID. */
  model: z.string().min(1).optional(),
  /**
   * What the buyer pays: USD per 1M tokens (decimal strings or numbers, up to 6 decimals);
   * `request` is USD per request. May be left out when `upstream_cost` and `margin_percent` give it.
   */
  price: priceSchema.optional(),
  /** What the operator pays the upstream, same units: shown as `cost_details.upstream_inference_cost`. */
  upstream_cost: priceSchema.optional(),
  /** With `upstream_cost` and no `price`: price = upstream cost × (1 + margin / 100), rounded up. */
  margin_percent: decimal.optional(),
  /** Approved for display: unpublished prices show as "quote on request". */
  published: z.boolean().default(false),
  data_policy: z
    .strictObject({ retains_prompts: z.boolean().default(false), trains_on_data: z.boolean().default(false) })
    .prefault({}),
  /** End-user fields this offer may receive (all are dropped by default on operator accounts). */
  forward_fields: z.array(z.enum(END_USER_FIELDS)).default([]),
  /** Narrows the model's input modalities for this offer (e.g. an upstream without PDF support). */
  modalities: z.strictObject({ input: z.array(z.enum(MODALITIES)) }).optional(),
})

export const modelSchema = z.strictObject({
  id: z.string().regex(modelIdPattern, 'letters, digits and . _ : @ + - /, not starting with a lane'),
  name: z.string().min(1).optional(),
  /** Other IDs that resolve to this model, e.g. `claude-3-5-sonnet@20240620`. */
  aliases: z.array(z.string().regex(modelIdPattern)).default([]),
  owned_by: z.string().default('onekey'),
  context_length: z.number().int().positive().optional(),
  max_output_tokens: z.number().int().positive().optional(),
  modalities: z
    .strictObject({
      /** Absent: {@link defaultInputModalities}. */
      input: z.array(z.enum(MODALITIES)).optional(),
      output: z.array(z.enum(MODALITIES)).default(['text']),
    })
    .prefault({}),
  capabilities: z.array(z.enum(CAPABILITIES)).default([]),
  /** Image generation rules (`modalities.output` includes `image`): see image-prices.ts. */
  images: imageRulesSchema.optional(),
  /** The model's tokenizer, for exact prompt counts (OpenAI-family models); else a conservative estimate. */
  tokenizer: z.enum(TOKENIZERS).optional(),
  offers: z.array(offerSchema).min(1),
})

/** Prices in exact integers: pico-USD per token (`request`: pico-USD per request). */
export interface OfferPrice {
  input: number
  output: number
  cachedInput: number
  request: number
  /** Per reasoning token (counted within the completion); absent: reasoning is charged at `output`. */
  reasoning?: number
  /** Per generated image, by tier (`1024x1024`, `1024x1024/hd`); absent: the offer generates no images. */
  image?: ImagePrices
}

export interface DataPolicy {
  retainsPrompts: boolean
  trainsOnData: boolean
}

/** One way to serve a model in one lane. */
export interface OfferConfig {
  /** Stable identity for health and stats: `lane:provider:group:upstream-model`. */
  key: string
  lane: Lane
  provider: string
  group: string | null
  upstreamModel: string
  price: OfferPrice
  /** What the upstream charges the operator, when configured. */
  upstreamCost: OfferPrice | undefined
  published: boolean
  dataPolicy: DataPolicy
  forwardFields: readonly EndUserField[]
  /** The accounts that may serve it, trust already checked; empty for `byok`. */
  accounts: readonly AccountConfig[]
  /** What this offer takes as input: its own `modalities.input`, else the model's. Routing skips it for other input. */
  inputModalities: readonly string[]
}

export interface ModelConfig {
  id: string
  name: string
  aliases: readonly string[]
  ownedBy: string
  contextLength: number | undefined
  maxOutputTokens: number | undefined
  modalities: { input: readonly string[]; output: readonly string[] }
  capabilities: readonly string[]
  tokenizer: TokenizerName | undefined
  /** Image generation rules, when the catalog declares them. */
  images?: ImageRules | undefined
  offers: readonly OfferConfig[]
}

type ModelFile = z.infer<typeof modelSchema>

/**
 * A model's input modalities when the file declares none: text and images for a chat model (what
 * every chat provider takes and catalogs served before modalities were enforced), text for the
 * rest (embeddings). PDFs (`file`) and `audio` reach a model only when declared.
 */
export function defaultInputModalities(output: readonly string[]): readonly string[] {
  return output.includes('text') ? ['text', 'image'] : ['text']
}

function readPrice(price: z.infer<typeof priceSchema>, field: string, problems: string[]): OfferPrice {
  const result: OfferPrice = { input: 0, output: 0, cachedInput: 0, request: 0 }
  try {
    for (const [name, alias] of PRICE_ALIASES) {
      // The schema made sure exactly one of the two is given; errors name the one the file used.
      const given = price[name] !== undefined ? name : alias
      const value = parseUsdPerMillionTokens(price[given] ?? 0, `${field}.${given}`)
      if (name === 'prompt') result.input = value
      else result.output = value
    }
    result.cachedInput =
      price.cached_input === undefined
        ? result.input
        : parseUsdPerMillionTokens(price.cached_input, `${field}.cached_input`)
    result.request = price.request === undefined ? 0 : parseUsd(price.request, `${field}.request`)
    const reasoning = price.reasoning === undefined ? 'internal_reasoning' : 'reasoning'
    const given = price[reasoning]
    if (given !== undefined) result.reasoning = parseUsdPerMillionTokens(given, `${field}.${reasoning}`)
    if (price.image !== undefined) result.image = readImagePrices(price.image, `${field}.image`, problems)
  } catch (error) {
    problems.push((error as Error).message)
  }
  return result
}

/** cost × (1 + margin), each component rounded up to a whole pico-USD. `marginMilli`: thousandths of a percent. */
export function withMargin(cost: OfferPrice, marginMilli: number): OfferPrice {
  const apply = (value: number) =>
    Number((BigInt(value) * BigInt(100_000 + marginMilli) + 99_999n) / 100_000n)
  const price: OfferPrice = {
    input: apply(cost.input),
    output: apply(cost.output),
    cachedInput: apply(cost.cachedInput),
    request: apply(cost.request),
  }
  if (cost.reasoning !== undefined) price.reasoning = apply(cost.reasoning)
  if (cost.image !== undefined)
    price.image = Object.fromEntries(Object.entries(cost.image).map(([tier, value]) => [tier, apply(value)]))
  return price
}

function laneOf(id: string): Lane | undefined {
  const slash = id.indexOf('/')
  const first = slash === -1 ? '' : id.slice(0, slash)
  return (LANES as readonly string[]).includes(first) ? (first as Lane) : undefined
}

/** Validates the catalog against the providers; appends every problem to `problems`. */
export function buildCatalogConfig(
  models: readonly ModelFile[],
  providers: readonly ProviderConfig[],
  problems: string[],
): ModelConfig[] {
  const providerByName = new Map(providers.map((provider) => [provider.name, provider]))
  const taken = new Map<string, string>()
  return models.map((model, index): ModelConfig => {
    const field = `models.${index}`
    for (const [name, id] of [
      ['id', model.id],
      ...model.aliases.map((alias, aliasIndex) => [`aliases.${aliasIndex}`, alias] as const),
    ] as const) {
      if (laneOf(id) !== undefined) problems.push(`${field}.${name}: "${id}" starts with a lane prefix`)
      const owner = taken.get(id)
      if (owner !== undefined) problems.push(`${field}.${name}: "${id}" is already used by ${owner}`)
      taken.set(id, `model "${model.id}"`)
    }
    const offerKeys = new Set<string>()
    const inputModalities = model.modalities.input ?? defaultInputModalities(model.modalities.output)
    const offers = model.offers.map((offer, offerIndex): OfferConfig => {
      const offerField = `${field}.offers.${offerIndex}`
      const provider = providerByName.get(offer.provider)
      const upstreamModel = offer.model ?? model.id
      let accounts: AccountConfig[] = []
      if (provider === undefined) {
        problems.push(`${offerField}.provider: unknown provider "${offer.provider}"`)
      } else if (offer.lane === 'byok') {
        if (offer.group !== undefined)
          problems.push(`${offerField}.group: byok offers use the workspace's key, not accounts`)
        if (!provider.byok)
          problems.push(`${offerField}.provider: provider "${provider.name}" has byok: false`)
      } else {
        const trust = LANE_TRUST[offer.lane]
        const inGroup = provider.accounts.filter(
          (account) => offer.group === undefined || account.group === offer.group,
        )
        if (offer.group !== undefined && inGroup.length === 0) {
          problems.push(
            `${offerField}.group: provider "${provider.name}" has no account in group "${offer.group}"`,
          )
        }
        const wrongTrust = inGroup.filter((account) => account.trust !== trust)
        accounts = inGroup.filter((account) => account.trust === trust)
        if (offer.group !== undefined && wrongTrust.length > 0) {
          // Naming a group that mixes trusts is a mistake worth refusing, not silently filtering.
          problems.push(
            `${offerField}.group: ${offer.lane} offers use ${trust} accounts only; ` +
              `${wrongTrust.map((account) => account.name).join(', ')} in group "${offer.group}" ${wrongTrust.length === 1 ? 'is' : 'are'} ${wrongTrust[0]!.trust}`,
          )
        } else if (accounts.length === 0 && inGroup.length > 0) {
          problems.push(
            `${offerField}: ${offer.lane} offers use ${trust} accounts only; provider "${provider.name}" has none (set accounts[].trust)`,
          )
        }
      }
      const upstreamCost =
        offer.upstream_cost === undefined
          ? undefined
          : readPrice(offer.upstream_cost, `${offerField}.upstream_cost`, problems)
      let price: OfferPrice = { input: 0, output: 0, cachedInput: 0, request: 0 }
      if (offer.price !== undefined) {
        price = readPrice(offer.price, `${offerField}.price`, problems)
        if (offer.margin_percent !== undefined)
          problems.push(
            `${offerField}.margin_percent: give either price or upstream_cost with margin_percent, not both`,
          )
      } else if (upstreamCost !== undefined && offer.margin_percent !== undefined) {
        try {
          price = withMargin(
            upstreamCost,
            parseDecimal(offer.margin_percent, 3, `${offerField}.margin_percent`),
          )
        } catch (error) {
          problems.push((error as Error).message)
        }
      } else {
        problems.push(`${offerField}.price: required (or upstream_cost with margin_percent)`)
      }
      const key = `${offer.lane}:${offer.provider}:${offer.group ?? '*'}:${upstreamModel}`
      if (offerKeys.has(key))
        problems.push(`${offerField}: duplicate offer (same lane, provider, group and model)`)
      offerKeys.add(key)
      const offerInput = offer.modalities?.input ?? inputModalities
      const beyondModel = offerInput.filter((modality) => !inputModalities.includes(modality))
      if (beyondModel.length > 0)
        problems.push(
          `${offerField}.modalities.input: ${beyondModel.join(', ')} is not in the model's input (${inputModalities.join(', ')}); an offer can only narrow it`,
        )
      return {
        key,
        lane: offer.lane,
        provider: offer.provider,
        group: offer.group ?? null,
        upstreamModel,
        price,
        upstreamCost,
        published: offer.published,
        dataPolicy: {
          retainsPrompts: offer.data_policy.retains_prompts,
          trainsOnData: offer.data_policy.trains_on_data,
        },
        forwardFields: offer.forward_fields,
        accounts,
        inputModalities: offerInput,
      }
    })
    return {
      id: model.id,
      name: model.name ?? model.id,
      aliases: model.aliases,
      ownedBy: model.owned_by,
      contextLength: model.context_length,
      maxOutputTokens: model.max_output_tokens,
      modalities: { input: inputModalities, output: model.modalities.output },
      capabilities: model.capabilities,
      tokenizer: model.tokenizer,
      images: readImageRules(model.images),
      offers,
    }
  })
}
