/**
 * Maps an OpenAI-format error answer (OpenAI and every OpenAI-compatible vendor) to a gateway
 * error. The upstream's message is passed on only for request errors (400/422), scrubbed of
 * anything key-shaped; auth failures never echo the upstream text, which can quote the key.
 *
 * @module
 * @see https://platform.openai.com/docs/guides/error-codes/api-errors
 */
import { GatewayError } from '../../errors/gateway-error.ts'
import type { UpstreamHeaders, UpstreamTarget } from '../provider-adapter.ts'

const KEY_SHAPED = /\b(?:sk|okm-sk|key|api[-_]?key)[-_][A-Za-z0-9_-]{6,}|\b[A-Za-z0-9_-]{32,}\b/gi

interface OpenAIErrorPayload {
  message?: unknown
  param?: unknown
  code?: unknown
}

function readErrorPayload(body: string): OpenAIErrorPayload {
  try {
    const parsed = JSON.parse(body) as { error?: unknown }
    if (parsed && typeof parsed.error === 'object' && parsed.error !== null)
      return parsed.error as OpenAIErrorPayload
    if (parsed && typeof parsed.error === 'string') return { message: parsed.error }
  } catch {}
  return {}
}

/** Removes credentials and key-shaped tokens from upstream text before it reaches a client. */
export function scrubUpstreamMessage(message: string, secrets: readonly string[]): string {
  let scrubbed = message
  for (const secret of secrets) if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]')
  return scrubbed.replace(KEY_SHAPED, '[redacted]').slice(0, 1000)
}

/** Seconds from `retry-after-ms` or `retry-after` (seconds or HTTP date), if sane. */
export function readRetryAfterSeconds(headers: UpstreamHeaders, nowMs = Date.now()): number | undefined {
  const milliseconds = Number(headers['retry-after-ms'])
  if (Number.isFinite(milliseconds) && milliseconds > 0) return Math.ceil(milliseconds / 1000)
  const raw = headers['retry-after']
  const value = Array.isArray(raw) ? raw[0] : raw
  if (value === undefined) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(Math.ceil(seconds), 3600)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, Math.ceil((date - nowMs) / 1000)), 3600)
}

export function mapOpenAICompatibleError(
  status: number,
  body: string,
  headers: UpstreamHeaders,
  target: UpstreamTarget,
): GatewayError {
  const provider = target.provider.name
  const payload = readErrorPayload(body)
  const upstreamMessage =
    typeof payload.message === 'string' ? scrubUpstreamMessage(payload.message, [target.account.apiKey]) : ''
  if (status === 400 || status === 413 || status === 422) {
    return new GatewayError(
      'invalid_parameter',
      `The upstream provider rejected the request${upstreamMessage ? `: ${upstreamMessage}` : '.'}`,
      { param: typeof payload.param === 'string' ? payload.param : null, provider },
    )
  }
  if (status === 401 || status === 403) {
    return new GatewayError(
      'upstream_auth_failed',
      'The upstream provider rejected the gateway account credentials.',
      {
        provider,
      },
    )
  }
  if (status === 429) {
    return new GatewayError(
      'upstream_rate_limited',
      'The upstream provider is rate limiting requests; retry later.',
      {
        provider,
        retryAfterSeconds: readRetryAfterSeconds(headers),
      },
    )
  }
  if (status === 408 || status === 504) {
    return new GatewayError('upstream_timeout', 'The upstream provider timed out.', { provider })
  }
  if (status === 409 || status >= 500) {
    return new GatewayError('upstream_error', `The upstream provider failed (HTTP ${status}).`, { provider })
  }
  return new GatewayError('upstream_error', `The upstream provider answered HTTP ${status}.`, {
    provider,
    retryable: false,
  })
}
