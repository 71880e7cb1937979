/**
 * What the gateway answers outside the console's contracts, as zod schemas for the API reference:
 * the error envelope (from the code's own error table), the model list and quote (from the
 * route modules' types), and the OpenAI answers with OneKey's `usage.cost` fields. The openapi
 * test parses real answers of a running gateway with them.
 *
 * @module
 */
import { z } from 'zod'
import { ERROR_CODES, type ErrorCode } from '../../errors/gateway-error.ts'
import { QUOTE_ON_REQUEST } from '../routes/models.ts'

const codes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]
const types = [...new Set(Object.values(ERROR_CODES).map((spec) => spec.type))] as [string, ...string[]]

/** OpenAI's error envelope: the body of every non-2xx answer, on `/v1/*` and `/api/v1/*` alike. */
export const errorEnvelope = z
  .strictObject({
    error: z.strictObject({
      message: z
        .string()
        .describe('What went wrong, for people; never a key, a stack or an upstream secret.'),
      type: z.enum(types).describe('OpenAI’s error type.'),
      code: z.enum(codes).nullable().describe('A stable code from OneKey’s error table.'),
      param: z
        .string()
        .nullable()
        .describe('The field at fault, e.g. `messages[0].role` or `byok_conf.provider`; null when none.'),
    }),
  })
  .describe('The error envelope.')

const usd = z.string().regex(/^-?\d+(\.\d+)?$/)
const price = z.union([
  z.strictObject({
    currency: z.literal('USD'),
    prompt: usd.describe('USD per 1M prompt tokens.'),
    completion: usd.describe('USD per 1M completion tokens.'),
    cached_input: usd.describe('USD per 1M cached prompt tokens.'),
    input_cache_read: usd.describe('The same as `cached_input` (OpenRouter’s name).'),
    internal_reasoning: usd.describe('USD per 1M reasoning tokens.'),
    request: usd.describe('USD per request.'),
    image: z.record(z.string(), usd).optional().describe('USD per image, by tier (e.g. `1024x1024/hd`).'),
  }),
  z.literal(QUOTE_ON_REQUEST).describe('The price is not published: ask the operator.'),
])

/** One entry of `GET /v1/models`. */
export const modelEntry = z.strictObject({
  id: z.string().describe('The ID to send as `model`, with its lane.'),
  object: z.literal('model'),
  created: z.int(),
  owned_by: z.string(),
  name: z.string(),
  lane: z.enum(['cheap', 'resale', 'byok']),
  context_length: z.int().nullable(),
  max_output_tokens: z.int().nullable(),
  modalities: z.strictObject({ input: z.array(z.string()), output: z.array(z.string()) }),
  capabilities: z.array(z.string()),
  pricing: price,
})
export const modelList = z.strictObject({ object: z.literal('list'), data: z.array(modelEntry) })

const laneQuote = z.strictObject({
  lane: z.enum(['cheap', 'resale', 'byok']),
  model: z.string(),
  available: z.boolean(),
  reason: z.string().nullable().describe('Why the model is not available in this lane for this key.'),
  trust: z.string().describe('The lane’s trust posture, in words.'),
  offer: z
    .strictObject({
      provider: z.string(),
      upstream_model: z.string(),
      price,
      data_policy: z.strictObject({ retains_prompts: z.boolean(), trains_on_data: z.boolean() }),
    })
    .nullable(),
  estimated_input_cost: usd.nullable(),
  max_output_cost: usd.nullable(),
  max_total_cost: usd.nullable(),
})
/** `POST /v1/quote`: every lane's availability and costs; no upstream is called. */
export const quoteAnswer = z.strictObject({
  object: z.literal('quote'),
  model: z.string(),
  requested: z.strictObject({ model: z.string(), lane: z.enum(['cheap', 'resale', 'byok']) }),
  estimated_prompt_tokens: z.int(),
  prompt_token_estimate: z.string(),
  max_output_tokens: z.int().nullable(),
  currency: z.literal('USD'),
  lanes: z.array(laneQuote),
})

/** `usage` with OneKey's cost: `cost` in USD as a number, `cost_details.total` as an exact string. */
export const usageWithCost = z
  .looseObject({
    prompt_tokens: z.int(),
    completion_tokens: z.int().optional(),
    total_tokens: z.int(),
    cost: z.number().optional().describe('OneKey: what the request cost, USD.'),
    cost_details: z
      .looseObject({
        currency: z.literal('USD'),
        total: usd.describe('The exact cost, USD.'),
        lane: z.enum(['cheap', 'resale', 'byok']),
        upstream_inference_cost: usd.nullable(),
      })
      .optional(),
  })
  .describe('Token counts, and OneKey’s `cost` and `cost_details`.')

/** A non-stream chat completion. */
export const chatCompletionAnswer = z.looseObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.int(),
  model: z.string(),
  choices: z.array(
    z.looseObject({
      index: z.int(),
      message: z.looseObject({ role: z.literal('assistant'), content: z.string().nullable() }),
      finish_reason: z.string().nullable(),
    }),
  ),
  usage: usageWithCost,
})

/** An embeddings answer. */
export const embeddingsAnswer = z.looseObject({
  object: z.literal('list'),
  data: z.array(
    z.looseObject({
      object: z.literal('embedding'),
      index: z.int(),
      embedding: z.union([z.array(z.number()), z.string()]),
    }),
  ),
  model: z.string(),
  usage: usageWithCost,
})

/** An image generation answer. */
export const imagesAnswer = z.looseObject({
  created: z.int(),
  data: z.array(
    z.looseObject({
      url: z.string().optional(),
      b64_json: z.string().optional(),
      revised_prompt: z.string().optional(),
    }),
  ),
  usage: z.looseObject({}).optional(),
})

/** `GET /healthz`, `GET /readyz`. */
export const healthAnswer = z.strictObject({
  status: z.enum(['ok', 'ready', 'degraded']),
  degraded: z.array(z.string()).optional().describe('What runs in a reduced mode (readyz only).'),
})
