/**
 * Gemini error answers (`{"error":{"code","message","status","details"}}`) → gateway errors.
 * Gemini answers an invalid key with 400 `API_KEY_INVALID`, which is an auth failure here
 * (so BYOK reports it as a rejected key and pooled accounts rest), not a bad request.
 *
 * @module
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes
 */
import { GatewayError } from '../../errors/gateway-error.ts'
import { mapOpenAICompatibleError } from '../openai-compatible/openai-compatible-errors.ts'
import type { UpstreamHeaders, UpstreamTarget } from '../provider-adapter.ts'

export function mapGeminiError(
  status: number,
  body: string,
  headers: UpstreamHeaders,
  target: UpstreamTarget,
): GatewayError {
  if (status === 400 && /API_KEY_INVALID|API key not valid/.test(body)) {
    return new GatewayError(
      'upstream_auth_failed',
      'The upstream provider rejected the gateway account credentials.',
      {
        provider: target.provider.name,
      },
    )
  }
  return mapOpenAICompatibleError(status, body, headers, target)
}
