/**
 * One image generation attempt: the adapter's call (a 400 it throws for a parameter its upstream
 * cannot honour comes back as the attempt's error, nothing sent), the answer read whole, turned
 * into OpenAI's format by the request's `translate` when it has one, and checked (a `data` array whose items carry a `url` or `b64_json` string), account health fed
 * either way. The images pass through as the upstream sent them: a URL is never fetched.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/images/object
 */

import type { OpenAIImagesRequest, OpenAIImagesResponse } from '../../contracts/openai-wire.ts'
import { GatewayError, toGatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamImagesRequest } from '../../providers/provider-adapter.ts'
import type { RequestContext } from '../request-context.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import type { AccountHealth } from './account-health.ts'
import { sendForJson } from './json-attempt.ts'

/** Ten 4K PNGs in base64 fit with room to spare. */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024

/** Whether an upstream answer is OpenAI's `ImagesResponse` (each image a URL or base64 string). */
export function isImagesResponse(value: unknown): value is OpenAIImagesResponse {
  const typed = value as OpenAIImagesResponse | null
  return (
    typed !== null &&
    typeof typed === 'object' &&
    Array.isArray(typed.data) &&
    typed.data.every(
      (item) =>
        item !== null &&
        typeof item === 'object' &&
        (typeof item.url === 'string' || typeof item.b64_json === 'string'),
    )
  )
}

export type ImagesAttemptResult =
  | { ok: true; body: OpenAIImagesResponse }
  | { ok: false; error: GatewayError }

/** Runs one attempt; never throws (failures come back as `{ ok: false }`). */
export async function attemptImageGeneration(
  context: RequestContext,
  attempt: PlannedAttempt,
  request: OpenAIImagesRequest,
  health: AccountHealth,
): Promise<ImagesAttemptResult> {
  const { adapter, config } = attempt.provider
  if (adapter.toImageGenerationRequest === undefined) {
    return {
      ok: false,
      error: new GatewayError(
        'unsupported_endpoint',
        `The \`${config.name}\` upstream cannot serve /v1/images/generations.`,
        { param: 'model' },
      ),
    }
  }
  let upstreamRequest: UpstreamImagesRequest
  try {
    upstreamRequest = adapter.toImageGenerationRequest(request, attempt.target)
  } catch (error) {
    return { ok: false, error: toGatewayError(error) }
  }
  const { translate } = upstreamRequest
  return sendForJson(context, attempt, upstreamRequest, health, {
    maxBytes: MAX_RESPONSE_BYTES,
    accept: (parsed) => {
      const body = translate === undefined ? parsed : translate(parsed)
      return isImagesResponse(body) ? body : undefined
    },
    expected: 'an image list',
  })
}
