/**
 * The `/v1/*` request bodies as zod schemas, for the API reference only. The gateway checks these
 * bodies with hand-written code on the hot path (gateway/validate/*, gateway/route/routing-options.ts,
 * gateway/formats/responses-request.ts, completions-format.ts); these schemas describe what that
 * code accepts, field for field, and the openapi tests hold them to it: every example built from
 * them is sent through a running gateway and accepted (test/e2e/openapi-running-gateway.test.ts),
 * and the fields they refuse are refused there too (test/e2e/openapi-refused-bodies.test.ts).
 *
 * Chat, completions and embeddings pass unknown fields through to the upstream (open objects);
 * images and responses refuse them (closed objects). OneKey's own fields — `models`, `provider`,
 * `byok_conf` and `usage` — are read and removed before anything goes upstream.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference
 */
import { z } from 'zod'
import { MAX_CHOICES } from '../../gateway/validate/choice-count.ts'
import { MAX_OUTPUT_TOKENS } from '../../gateway/validate/validate-chat-request.ts'
import { MAX_EMBEDDING_DIMENSIONS } from '../../gateway/validate/validate-embeddings-request.ts'
import { MAX_IMAGES_PER_REQUEST } from '../../gateway/validate/validate-images-request.ts'

const nonEmpty = z.string().min(1)
const modelId = nonEmpty.describe(
  'The model ID with its lane, e.g. `cheap/gpt-4o-mini`, `resale/gpt-4o-mini` or `byok/openai/gpt-4o-mini`; without a lane the workspace’s default lane.',
)
const outputCap = (what: string) =>
  z
    .int()
    .min(1)
    .max(MAX_OUTPUT_TOKENS)
    .nullish()
    .describe(`${what}: an integer from 1 to ${MAX_OUTPUT_TOKENS}; the hold on credits is computed from it.`)
const names = (what: string) => z.array(nonEmpty).nullish().describe(what)
/** USD per 1M tokens, a decimal string or a number. */
const maxPrice = z.union([z.string(), z.number()]).nullish()

/** `models`: fallback model IDs, tried in order after `model`. */
export const fallbackModelsField = z
  .array(nonEmpty)
  .max(8)
  .nullish()
  .describe(
    'OneKey: up to 8 more model IDs to try, in order, when `model` cannot answer; all in the same lane as `model`.',
  )

/** `provider`: steering within the lane (OpenRouter's shape). */
export const providerField = z
  .strictObject({
    order: names('Providers to try first, in this order.'),
    only: names('Use only these providers.'),
    ignore: names('Never use these providers.'),
    allow_fallbacks: z
      .boolean()
      .nullish()
      .describe('false: only the first provider (after `order`), never another one. Default true.'),
    data_collection: z
      .enum(['allow', 'deny'])
      .nullish()
      .describe('deny: skip offers whose provider keeps or trains on prompts. Default allow.'),
    sort: z.enum(['price', 'latency', 'throughput']).nullish().describe('How to order the candidate offers.'),
    max_price: z
      .strictObject({
        prompt: maxPrice.describe('Highest prompt price, USD per 1M tokens.'),
        completion: maxPrice.describe('Highest completion price, USD per 1M tokens.'),
      })
      .nullish()
      .describe('Skip offers above these prices.'),
  })
  .nullish()
  .describe('OneKey: provider preferences within the lane (order, only, ignore, sort, prices, data policy).')

/** `byok_conf`: the caller's own provider key for this one request. */
export const byokConfField = z
  .strictObject({
    provider: nonEmpty.describe('The provider the key belongs to, e.g. `openai`.'),
    credentials: z
      .union([z.string().min(1).max(4096), z.object({ api_key: z.string().min(1).max(4096) })])
      .describe('The provider API key, as a string or `{"api_key": "…"}`; never logged or echoed.'),
    fallback: z
      .boolean()
      .nullish()
      .describe(
        "true (default): on the key's rate limit, auth failure or 5xx, use the lane's own offers (billed there).",
      ),
  })
  .nullish()
  .describe('OneKey: your own provider key for this request only (the provider bills you).')

/** `usage`: OpenRouter's switch for the stream's usage chunk. */
export const usageField = z
  .strictObject({ include: z.boolean().optional().describe('true: send the usage chunk, with the cost.') })
  .nullish()
  .describe('OneKey: `{"include": true}` sends the final usage chunk (with `cost`) on streams.')

const routing = {
  models: fallbackModelsField,
  provider: providerField,
  byok_conf: byokConfField,
  usage: usageField,
}

const message = z
  .looseObject({
    role: z.string().describe('system, developer, user, assistant or tool.'),
    content: z
      .unknown()
      .optional()
      .describe('Text, or an array of content parts (text, image_url, input_audio, file).'),
  })
  .describe('A message; fields other than `role` pass to the upstream as they are.')

const streamFields = {
  stream: z.boolean().nullish().describe('true: answer as server-sent events.'),
  stream_options: z
    .looseObject({ include_usage: z.boolean().optional() })
    .nullish()
    .describe('Only with `stream: true`. `include_usage`: send the final usage chunk (with `cost`).'),
}

/** `POST /v1/chat/completions` (and the chat form of `POST /v1/quote`). */
export const chatCompletionBody = z
  .looseObject({
    model: modelId,
    messages: z.array(message).min(1).describe('The conversation, at least one message.'),
    ...streamFields,
    max_tokens: outputCap('Largest answer in tokens'),
    max_completion_tokens: outputCap('Largest answer in tokens, reasoning included'),
    n: z.int().min(1).max(MAX_CHOICES).nullish().describe(`How many answers, 1 to ${MAX_CHOICES}.`),
    temperature: z.number().nullish().describe('Passed to the upstream.'),
    tools: z
      .array(z.looseObject({ type: z.string() }))
      .nullish()
      .describe('Function tools, passed to the upstream.'),
    ...routing,
  })
  .describe('OpenAI’s chat completion request; other OpenAI fields pass through to the upstream.')

/** `POST /v1/completions` (legacy). */
export const completionsBody = z
  .looseObject({
    model: modelId,
    prompt: z
      .union([z.string(), z.array(z.string()).length(1)])
      .describe('One prompt (a string, or an array of one string; token arrays are refused).'),
    max_tokens: outputCap('Largest answer in tokens (default 16)'),
    ...streamFields,
    n: z.int().min(1).max(MAX_CHOICES).nullish().describe(`How many answers, 1 to ${MAX_CHOICES}.`),
    best_of: z
      .int()
      .min(1)
      .max(MAX_CHOICES)
      .nullish()
      .describe('Candidates generated (and billed); native upstreams only.'),
    ...routing,
  })
  .describe('OpenAI’s legacy completion request; answered natively or through chat.')

const responsesInput = z
  .union([z.string(), z.array(z.looseObject({})).min(1)])
  .describe(
    'A string, or the whole conversation as input items (message, function_call, function_call_output).',
  )

/** `POST /v1/responses`: stateless; any field not listed here is refused. */
export const responsesBody = z
  .strictObject({
    model: modelId,
    input: responsesInput,
    instructions: z.string().nullish().describe('A system message put first.'),
    tools: z
      .array(z.looseObject({ type: z.literal('function') }))
      .nullish()
      .describe('Function tools only.'),
    tool_choice: z.unknown().optional().describe('auto, none, required, or a function.'),
    parallel_tool_calls: z.boolean().nullish(),
    max_output_tokens: outputCap('Largest answer in tokens'),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    ...streamFields,
    text: z.looseObject({}).nullish().describe('`format`: text, json_object or json_schema.'),
    reasoning: z.looseObject({ effort: z.string().optional() }).nullish(),
    user: z.string().nullish(),
    metadata: z.unknown().optional(),
    store: z.unknown().optional().describe('Accepted; nothing is stored.'),
    truncation: z.unknown().optional(),
    service_tier: z.unknown().optional(),
    safety_identifier: z.unknown().optional(),
    prompt_cache_key: z.unknown().optional(),
    include: z.array(z.never()).nullish().describe('Only empty: nothing extra can be included.'),
    ...routing,
  })
  .describe(
    'OpenAI’s Responses request, without stored state (`previous_response_id`, `conversation`, `background` are refused).',
  )

/** `POST /v1/embeddings`. */
export const embeddingsBody = z
  .looseObject({
    model: modelId,
    input: z
      .union([z.string(), z.array(z.string()).min(1).max(2048)])
      .describe('A string, or 1 to 2048 strings (token arrays are refused).'),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.int().min(1).max(MAX_EMBEDDING_DIMENSIONS).optional(),
    user: z.string().optional(),
    ...routing,
  })
  .describe('OpenAI’s embeddings request.')

const enumField = (values: readonly [string, ...string[]]) => z.enum(values).nullish()

/** `POST /v1/images/generations` (and the image form of `POST /v1/quote`): unknown fields refused. */
export const imagesBody = z
  .strictObject({
    model: modelId,
    prompt: z.string().min(1).max(32_000).describe('What to draw, at most 32000 characters.'),
    n: z
      .int()
      .min(1)
      .max(MAX_IMAGES_PER_REQUEST)
      .nullish()
      .describe(`Images, 1 to ${MAX_IMAGES_PER_REQUEST}.`),
    size: z
      .string()
      .regex(/^(?:[1-9]\d{1,4}x[1-9]\d{1,4}|auto)$/)
      .nullish()
      .describe('WIDTHxHEIGHT, e.g. 1024x1024, or auto.'),
    quality: enumField(['standard', 'hd', 'low', 'medium', 'high', 'auto']),
    response_format: enumField(['url', 'b64_json']),
    style: enumField(['vivid', 'natural']),
    background: enumField(['transparent', 'opaque', 'auto']),
    output_format: enumField(['png', 'jpeg', 'webp']),
    output_compression: z.int().min(0).max(100).nullish(),
    moderation: enumField(['low', 'auto']),
    user: z.string().optional(),
    stream: z.literal(false).nullish().describe('Streamed image generation is not served.'),
    partial_images: z.literal(false).nullish().describe('Streamed image generation is not served.'),
    models: fallbackModelsField,
    provider: providerField,
    byok_conf: byokConfField,
  })
  .describe('OpenAI’s image generation request; any other field is refused.')

/** `POST /v1/quote`: a chat body, or an image body (a `prompt` and no `messages`). */
export const quoteBody = z
  .union([chatCompletionBody, imagesBody])
  .describe('The body you would send: a chat completion body, or an image generation body.')
