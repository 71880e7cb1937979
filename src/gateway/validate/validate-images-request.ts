/**
 * Checks an image generation request against OpenAI's `CreateImageRequest`: `model` and `prompt`
 * required; `n` an integer from 1 to 10; `size`, `quality`, `response_format`, `style`,
 * `background`, `output_format`, `moderation` from their enums (sizes: `WxH` or `auto`);
 * `output_compression` 0–100; `user` a string. Any other field is refused (the gateway's own
 * routing fields `models`, `provider`, `byok_conf` aside), so nothing unpriced or unknown reaches
 * an upstream. Streaming (`stream`, `partial_images`) is not served. Model-specific rules (e.g. one
 * image per request) are checked against the catalog in the endpoint.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
import type { OpenAIImagesRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

/** OpenAI's largest `n`. */
export const MAX_IMAGES_PER_REQUEST = 10
const MAX_PROMPT_CHARACTERS = 32_000

const ENUMS: Readonly<Record<string, readonly string[]>> = {
  quality: ['standard', 'hd', 'low', 'medium', 'high', 'auto'],
  response_format: ['url', 'b64_json'],
  style: ['vivid', 'natural'],
  background: ['transparent', 'opaque', 'auto'],
  output_format: ['png', 'jpeg', 'webp'],
  moderation: ['low', 'auto'],
}
const ROUTING_FIELDS = ['models', 'provider', 'byok_conf']
const KNOWN = new Set(['model', 'prompt', 'n', 'size', 'output_compression', 'user', ...Object.keys(ENUMS)])
const SIZE_PATTERN = /^(?:[1-9]\d{1,4}x[1-9]\d{1,4}|auto)$/

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

function requireString(body: Record<string, unknown>, param: string): void {
  if (body[param] === undefined)
    throw new GatewayError('missing_parameter', `Missing required parameter: '${param}'.`, { param })
  if (typeof body[param] !== 'string' || body[param] === '')
    throw invalid(param, `Invalid type for '${param}': expected a non-empty string.`)
}

/** The body as an image generation request, or a 400 naming the first bad field. */
export function validateImagesRequest(
  body: Record<string, unknown>,
): OpenAIImagesRequest & Record<string, unknown> {
  requireString(body, 'model')
  requireString(body, 'prompt')
  if ((body.prompt as string).length > MAX_PROMPT_CHARACTERS)
    throw invalid('prompt', `Invalid value for 'prompt': at most ${MAX_PROMPT_CHARACTERS} characters.`)
  for (const field of Object.keys(body)) {
    if (field === 'stream' || field === 'partial_images') {
      if (body[field] === undefined || body[field] === null || body[field] === false) continue
      throw new GatewayError(
        'unsupported_parameter',
        `'${field}': streamed image generation is not supported.`,
        {
          param: field,
        },
      )
    }
    if (!KNOWN.has(field) && !ROUTING_FIELDS.includes(field))
      throw invalid(field, `Unknown parameter: '${field}'.`)
  }
  const n = body.n
  if (
    n !== undefined &&
    n !== null &&
    (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_IMAGES_PER_REQUEST)
  )
    throw invalid('n', `Invalid value for 'n': expected an integer from 1 to ${MAX_IMAGES_PER_REQUEST}.`)
  const size = body.size
  if (size !== undefined && size !== null && (typeof size !== 'string' || !SIZE_PATTERN.test(size)))
    throw invalid('size', "Invalid value for 'size': expected WIDTHxHEIGHT (e.g. 1024x1024) or 'auto'.")
  for (const [field, allowed] of Object.entries(ENUMS)) {
    const value = body[field]
    if (value !== undefined && value !== null && (typeof value !== 'string' || !allowed.includes(value)))
      throw invalid(
        field,
        `Invalid value for '${field}': expected one of ${allowed.map((item) => `'${item}'`).join(', ')}.`,
      )
  }
  const compression = body.output_compression
  if (
    compression !== undefined &&
    compression !== null &&
    (typeof compression !== 'number' ||
      !Number.isInteger(compression) ||
      compression < 0 ||
      compression > 100)
  )
    throw invalid(
      'output_compression',
      "Invalid value for 'output_compression': expected an integer from 0 to 100.",
    )
  if (body.user !== undefined && typeof body.user !== 'string')
    throw invalid('user', "Invalid type for 'user': expected a string.")
  // Explicit nulls mean "the default": dropped so the upstream sees only what was chosen.
  for (const field of Object.keys(body)) if (body[field] === null) delete body[field]
  return body as OpenAIImagesRequest & Record<string, unknown>
}
