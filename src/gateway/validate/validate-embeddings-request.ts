/**
 * Checks an embeddings request: `model`, `input` (a string or a non-empty array of strings, at
 * most 2048), `encoding_format` (`float` | `base64`), `dimensions` (an integer from 1 to
 * {@link MAX_EMBEDDING_DIMENSIONS}). Token-array inputs are refused with a clear 400 (the
 * gateway cannot price or translate them).
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 */

import type { OpenAIEmbeddingsRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'

const MAX_INPUTS = 2048
/**
 * The most `dimensions` a request may ask for: twice the widest embedding models (4096), so no
 * real request is refused, while a vector size like 1e9 is a 400 rather than an allocation.
 */
export const MAX_EMBEDDING_DIMENSIONS = 8192

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

/** The body as an embeddings request, or a 400 naming the first bad field. */
export function validateEmbeddingsRequest(
  body: Record<string, unknown>,
): OpenAIEmbeddingsRequest & Record<string, unknown> {
  if (body.model === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'model'.", { param: 'model' })
  if (typeof body.model !== 'string' || body.model === '')
    throw invalid('model', "Invalid type for 'model': expected a non-empty string.")
  const input = body.input
  if (input === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'input'.", { param: 'input' })
  if (typeof input !== 'string') {
    if (!Array.isArray(input) || input.length === 0)
      throw invalid('input', "Invalid value for 'input': expected a string or a non-empty array of strings.")
    if (input.length > MAX_INPUTS)
      throw invalid('input', `Invalid value for 'input': at most ${MAX_INPUTS} inputs per request.`)
    input.forEach((item: unknown, index) => {
      if (typeof item !== 'string')
        throw new GatewayError(
          'unsupported_parameter',
          `'input[${index}]': only text inputs are supported (not token arrays).`,
          {
            param: `input[${index}]`,
          },
        )
    })
  }
  const format = body.encoding_format
  if (format !== undefined && format !== 'float' && format !== 'base64')
    throw invalid('encoding_format', "Invalid value for 'encoding_format': expected 'float' or 'base64'.")
  const dimensions = body.dimensions
  if (
    dimensions !== undefined &&
    (typeof dimensions !== 'number' ||
      !Number.isInteger(dimensions) ||
      dimensions < 1 ||
      dimensions > MAX_EMBEDDING_DIMENSIONS)
  )
    throw invalid(
      'dimensions',
      `Invalid value for 'dimensions': expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`,
    )
  return body as OpenAIEmbeddingsRequest & Record<string, unknown>
}
