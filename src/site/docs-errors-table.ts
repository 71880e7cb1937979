/**
 * The errors table of the docs (`::: generated errors`), built from the code's own table,
 * `ERROR_CODES` in src/errors/gateway-error.ts: status, code and type come from there, and
 * {@link ERROR_WHEN} says when each happens. `ERROR_WHEN` is typed by the code list, so a new
 * error code does not compile until it is described here.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode } from '../errors/gateway-error.ts'
import { html, type Raw, raw } from './html.ts'

/** When each code is returned, in Markdown (inline). */
export const ERROR_WHEN: Readonly<Record<ErrorCode, string>> = {
  invalid_json: 'The body is not valid JSON.',
  invalid_body: 'The body is empty, or JSON that is not an object.',
  nesting_too_deep: 'The body nests arrays and objects more than 100 levels deep.',
  invalid_parameter:
    'A field has the wrong type or value (`param` names it), or the provider refused the request for a reason of its own.',
  missing_parameter: 'A required field is missing (`param` names it).',
  invalid_request: 'The HTTP request itself is malformed.',
  unsupported_parameter:
    'The provider that serves this model cannot take a field or a content part (audio, a PDF…), or no offer in the lane accepts that kind of input. Nothing was sent and nothing was held.',
  unsupported_endpoint: 'The model does not serve this endpoint, e.g. embeddings from a chat model.',
  image_fetch_failed:
    'An image URL the gateway had to download was refused (private address, too large, not an image) or failed.',
  invalid_api_key: 'The key is missing, malformed, unknown, revoked or expired.',
  not_signed_in: 'A console call without a valid session.',
  invalid_credentials: 'Console sign-in with a wrong email or password.',
  totp_required: 'Console sign-in needs the one-time code of the account’s authenticator.',
  insufficient_credits:
    'The balance minus what running requests have reserved cannot cover this request’s maximum cost. Nothing was sent upstream.',
  key_budget_exceeded:
    'The request’s maximum cost would pass the key’s spend limit for the period; the message says the limit, the spend and when it resets.',
  workspace_budget_exceeded: 'The same, for the workspace’s monthly spend limit.',
  lane_not_allowed: 'The key is restricted to other lanes.',
  model_not_allowed: 'The key is restricted to other models.',
  byok_credential_missing:
    'A `byok/<provider>/…` model without a stored key for that provider (and no `byok_conf`).',
  byok_credential_rejected:
    'The provider refused your own key (stored or in `byok_conf`). No other key was tried.',
  management_not_allowed: 'A management call with a key that is not a management key.',
  permission_denied: 'Your role in the workspace does not allow this action.',
  csrf_failed: 'A console call that changes something came without its CSRF token or from another origin.',
  workspace_suspended: 'The operator suspended the workspace: its keys are refused until that is lifted.',
  model_not_found:
    'The model ID is unknown, or not offered in the lane its prefix names (the message lists the lanes that have it).',
  no_matching_offer:
    'The lane has offers for the model, but none passes your `provider` filters or your data-collection setting.',
  route_not_found: 'No such path.',
  not_found: 'The resource does not exist (e.g. a stored BYOK key that was never saved).',
  method_not_allowed: 'The path exists but not with this HTTP method (see `Allow`).',
  conflict: 'The resource already exists.',
  request_too_large: 'The body is larger than this deployment accepts.',
  rate_limit_exceeded:
    'A limit of your key or workspace (requests per minute, tokens per minute or requests at once) was reached; `Retry-After` says when to come back.',
  upstream_rate_limited: 'Every upstream account that could serve the request was rate limited.',
  internal_error: 'A fault in the gateway. The details stay in its log; quote the `x-request-id`.',
  upstream_error: 'The provider failed (a 5xx, an error event, a stream that stopped early).',
  upstream_auth_failed: 'The provider refused the operator’s account credentials.',
  upstream_invalid_response: 'The provider answered with something that is not a valid answer.',
  upstream_connection_failed: 'The provider could not be reached (connection refused or reset).',
  no_healthy_upstream:
    'Every offer in the lane was tried and failed, or is resting after failures. Never answered from another lane.',
  shutting_down: 'The instance is draining for a restart; retry (another instance answers).',
  storage_unavailable: 'The gateway cannot reach its database for a moment.',
  rate_limiter_unavailable:
    'The shared rate limiter cannot be reached and the deployment refuses rather than guess.',
  upstream_timeout: 'The provider did not connect, start answering or keep streaming in time.',
}

/** The table, rows in status order then code order, the `when` texts rendered by `renderInline`. */
export function errorsTable(renderInline: (markdown: string) => string): Raw {
  const codes = (Object.keys(ERROR_CODES) as ErrorCode[]).sort(
    (a, b) => ERROR_CODES[a].status - ERROR_CODES[b].status || a.localeCompare(b),
  )
  const rows = codes.map((code) => {
    const spec = ERROR_CODES[code]
    return html`<tr id="error-${code}"><td>${spec.status}</td><th scope="row"><code>${code}</code></th><td><code>${spec.type}</code></td><td>${raw(renderInline(ERROR_WHEN[code]))}</td></tr>`
  })
  return html`<div class="table-scroll" role="region" tabindex="0" aria-label="Error codes"><table><thead><tr><th scope="col">Status</th><th scope="col">Code</th><th scope="col">Type</th><th scope="col">When</th></tr></thead><tbody>${rows}</tbody></table></div>`
}
