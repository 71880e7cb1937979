/**
 * OpenAI image generation ↔ Gemini native image generation (`generateContent` with
 * `responseModalities: ['TEXT', 'IMAGE']`). Pure. Gemini answers base64 `inlineData` parts only,
 * so `response_format: 'url'` is refused (a URL is never invented), and image models give one
 * candidate per request, so `n` above 1 is refused too; both before any upstream call. Text parts
 * are dropped (they are commentary, not OpenAI's dall-e-3 `revised_prompt`). An answer without an
 * image (a safety block, a prompt refused) is a non-retryable error and is never charged.
 *
 * @module
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 * @see https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 */
import type { OpenAIImagesRequest, OpenAIImagesResponse } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import type { GeminiUsageMetadata } from './convert-gemini-response.ts'

/** OpenAI image fields Gemini has no equivalent for: refused rather than silently ignored. */
const UNSUPPORTED_FIELDS = ['style', 'background', 'output_format', 'output_compression'] as const

/** OpenAI's `output_format` values, by the mime type Gemini reports. */
const OUTPUT_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
}

function refuse(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

/**
 * The `generateContent` body for one image request.
 * @throws GatewayError 400 naming the parameter Gemini cannot honour.
 */
export function convertToGeminiImages(request: OpenAIImagesRequest): Record<string, unknown> {
  if (request.response_format === 'url')
    throw refuse(
      'response_format',
      "Invalid value for 'response_format': Gemini image models return base64 only; use 'b64_json'.",
    )
  const count = request.n ?? 1
  if (count !== 1)
    throw refuse('n', "Invalid value for 'n': Gemini image models generate one image per request.")
  if (request.size !== undefined && request.size !== 'auto' && request.size !== '1024x1024')
    throw refuse('size', "Invalid value for 'size': Gemini image models take 1024x1024 or auto.")
  for (const field of UNSUPPORTED_FIELDS)
    if (request[field] !== undefined)
      throw new GatewayError('unsupported_parameter', `Gemini image models do not support '${field}'.`, {
        param: field,
      })
  return {
    contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'] },
  }
}

interface GeminiImagePart {
  text?: string
  thought?: boolean
  inlineData?: { mimeType?: unknown; data?: unknown }
}

interface GeminiImagesBody {
  candidates?: { content?: { parts?: GeminiImagePart[] }; finishReason?: string }[]
  promptFeedback?: { blockReason?: string }
  usageMetadata?: GeminiUsageMetadata
}

/**
 * A `generateContent` answer → OpenAI's `ImagesResponse` (`b64_json` per image, `usage` in
 * OpenAI's ImageGenUsage shape from `usageMetadata`).
 * @returns undefined when the body is not a generateContent answer at all.
 * @throws GatewayError (non-retryable) when the answer holds no image: blocked or refused.
 */
export function convertGeminiImages(
  parsed: unknown,
  provider: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): OpenAIImagesResponse | undefined {
  const body = parsed as GeminiImagesBody | null
  if (
    body === null ||
    typeof body !== 'object' ||
    (!Array.isArray(body.candidates) && body.promptFeedback === undefined)
  )
    return undefined
  const data: { b64_json: string }[] = []
  let mimeType: string | undefined
  for (const candidate of body.candidates ?? [])
    for (const part of candidate.content?.parts ?? []) {
      const inline = part.inlineData
      if (part.thought === true || inline === undefined) continue
      if (typeof inline.data !== 'string' || typeof inline.mimeType !== 'string') return undefined
      if (!inline.mimeType.startsWith('image/')) continue
      data.push({ b64_json: inline.data })
      mimeType ??= inline.mimeType
    }
  if (data.length === 0) {
    const reason =
      body.promptFeedback?.blockReason ?? body.candidates?.[0]?.finishReason ?? 'no image in the answer'
    throw new GatewayError(
      'invalid_parameter',
      `The upstream provider generated no image for this prompt (${reason}).`,
      { param: 'prompt', provider, retryable: false },
    )
  }
  const input = body.usageMetadata?.promptTokenCount ?? 0
  const output =
    (body.usageMetadata?.candidatesTokenCount ?? 0) + (body.usageMetadata?.thoughtsTokenCount ?? 0)
  const answer: OpenAIImagesResponse = {
    created: nowSeconds,
    data,
    usage: {
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      input_tokens_details: { text_tokens: input, image_tokens: 0 },
    },
  }
  const format = mimeType === undefined ? undefined : OUTPUT_FORMATS[mimeType]
  if (format !== undefined) answer.output_format = format
  return answer
}
