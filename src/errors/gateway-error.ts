/**
 * The one error type of the gateway and the one envelope every non-2xx answer uses.
 *
 * @module
 * @see https://platform.openai.com/docs/guides/error-codes
 */

/** OpenAI's `error.type` values we emit. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'upstream_error'
  | 'billing_error'

interface ErrorCodeSpec {
  readonly status: number
  readonly type: ErrorType
  /** Whether trying again (another account, another offer, later) can succeed. */
  readonly retryable: boolean
}

/** Every `error.code` the gateway emits, with its HTTP status. Documented in docs/errors.md. */
export const ERROR_CODES = Object.freeze({
  invalid_json: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_body: { status: 400, type: 'invalid_request_error', retryable: false },
  nesting_too_deep: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  missing_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_parameter: { status: 400, type: 'invalid_request_error', retryable: false },
  unsupported_endpoint: { status: 400, type: 'invalid_request_error', retryable: false },
  image_fetch_failed: { status: 400, type: 'invalid_request_error', retryable: false },
  invalid_api_key: { status: 401, type: 'authentication_error', retryable: false },
  not_signed_in: { status: 401, type: 'authentication_error', retryable: false },
  invalid_credentials: { status: 401, type: 'authentication_error', retryable: false },
  totp_required: { status: 401, type: 'authentication_error', retryable: false },
  insufficient_credits: { status: 402, type: 'billing_error', retryable: false },
  key_budget_exceeded: { status: 402, type: 'billing_error', retryable: false },
  workspace_budget_exceeded: { status: 402, type: 'billing_error', retryable: false },
  lane_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  model_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  byok_credential_missing: { status: 403, type: 'permission_error', retryable: false },
  byok_credential_rejected: { status: 403, type: 'permission_error', retryable: false },
  management_not_allowed: { status: 403, type: 'permission_error', retryable: false },
  permission_denied: { status: 403, type: 'permission_error', retryable: false },
  csrf_failed: { status: 403, type: 'permission_error', retryable: false },
  workspace_suspended: { status: 403, type: 'permission_error', retryable: false },
  model_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  no_matching_offer: { status: 404, type: 'invalid_request_error', retryable: false },
  route_not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  not_found: { status: 404, type: 'invalid_request_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  conflict: { status: 409, type: 'invalid_request_error', retryable: false },
  request_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error', retryable: false },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', retryable: true },
  internal_error: { status: 500, type: 'server_error', retryable: false },
  upstream_error: { status: 502, type: 'upstream_error', retryable: true },
  upstream_auth_failed: { status: 502, type: 'upstream_error', retryable: true },
  upstream_invalid_response: { status: 502, type: 'upstream_error', retryable: true },
  upstream_connection_failed: { status: 502, type: 'upstream_error', retryable: true },
  no_healthy_upstream: { status: 503, type: 'upstream_error', retryable: true },
  shutting_down: { status: 503, type: 'server_error', retryable: true },
  storage_unavailable: { status: 503, type: 'server_error', retryable: true },
  rate_limiter_unavailable: { status: 503, type: 'server_error', retryable: true },
  upstream_timeout: { status: 504, type: 'upstream_error', retryable: true },
} satisfies Record<string, ErrorCodeSpec>)

export type ErrorCode = keyof typeof ERROR_CODES

/** The JSON body of every non-2xx response: OpenAI's error envelope. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

export interface GatewayErrorOptions {
  param?: string | null
  /** Overrides the status from {@link ERROR_CODES} (e.g. an upstream 400 passed on). */
  status?: number
  retryable?: boolean
  /** Seconds the client should wait, sent as `Retry-After` and `retry-after-ms`. */
  retryAfterSeconds?: number
  provider?: string
  cause?: unknown
}

/**
 * A failure with an HTTP status, an OpenAI error type and a stable code. Never carries a stack
 * or an upstream credential to the client: only `message`, `type`, `code` and `param` are sent.
 */
export class GatewayError extends Error {
  readonly status: number
  readonly type: ErrorType
  readonly code: ErrorCode
  readonly param: string | null
  readonly retryable: boolean
  readonly retryAfterSeconds: number | undefined
  readonly provider: string | undefined

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    const spec: ErrorCodeSpec = ERROR_CODES[code]
    this.name = 'GatewayError'
    this.code = code
    this.status = options.status ?? spec.status
    this.type = spec.type
    this.param = options.param ?? null
    this.retryable = options.retryable ?? spec.retryable
    this.retryAfterSeconds = options.retryAfterSeconds
    this.provider = options.provider
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }
}

/** Turns anything thrown into a GatewayError; unknown errors become a bare 500 with no internals. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error
  return new GatewayError('internal_error', 'The gateway failed to process the request.', { cause: error })
}
