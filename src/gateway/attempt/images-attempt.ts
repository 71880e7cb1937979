/**
 * One image generation attempt: the adapter's OpenAI-format call, the answer read whole and
 * checked (a `data` array whose items carry a `url` or `b64_json` string), account health fed
 * either way. The images pass through as the upstream sent them: a URL is never fetched.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/images/object
 */
import type { OpenAIImagesRequest, OpenAIImagesResponse } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { toTransportError } from '../../providers/undici-transport.ts'
import { readAll } from '../deliver/deliver-json-answer.ts'
import type { RequestContext } from '../request-context.ts'
import type { PlannedAttempt } from '../route/route-planner.ts'
import type { AccountHealth } from './account-health.ts'
import { recordFailure } from './upstream-attempt.ts'

const MAX_ERROR_BODY_BYTES = 64 * 1024
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
  const { adapter, transport, config } = attempt.provider
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
  try {
    const upstreamRequest = adapter.toImageGenerationRequest(request, attempt.target)
    const response = await transport.send(upstreamRequest, attempt.target, { signal: context.signal })
    context.trace?.attemptStatus(response.status)
    if (response.status < 200 || response.status >= 300) {
      const text = (await readAll(response.body, MAX_ERROR_BODY_BYTES).catch(() => Buffer.alloc(0))).toString(
        'utf8',
      )
      const error = adapter.toGatewayError(response.status, text, response.headers, attempt.target)
      recordFailure(health, attempt.accountKey, error)
      return { ok: false, error }
    }
    let parsed: unknown
    try {
      parsed = JSON.parse((await readAll(response.body, MAX_RESPONSE_BYTES)).toString('utf8'))
    } catch {
      throw new GatewayError('upstream_invalid_response', 'The upstream answer was not valid JSON.', {
        provider: config.name,
      })
    }
    if (!isImagesResponse(parsed))
      throw new GatewayError('upstream_invalid_response', 'The upstream answer was not an image list.', {
        provider: config.name,
      })
    if (attempt.accountKey !== undefined) health.recordSuccess(attempt.accountKey)
    return { ok: true, body: parsed }
  } catch (error) {
    const gatewayError = toTransportError(error, config.name)
    recordFailure(health, attempt.accountKey, gatewayError)
    return { ok: false, error: gatewayError }
  }
}
