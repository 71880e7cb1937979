/**
 * The console's fetch wrapper: same-origin cookie session, `X-CSRF-Token` on every request that
 * changes something (the token of the last session answer), JSON bodies, and `ApiError` built
 * from the gateway's envelope `{"error":{"message","type","code","param"}}` with the
 * `x-request-id` header for support.
 *
 * @module
 */

export class ApiError extends Error {
  override readonly name = 'ApiError'
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number
  readonly code: string | null
  readonly param: string | null
  readonly type: string | null
  readonly requestId: string | null
  constructor(
    message: string,
    status: number,
    code: string | null,
    param: string | null,
    type: string | null,
    requestId: string | null,
  ) {
    super(message)
    this.status = status
    this.code = code
    this.param = param
    this.type = type
    this.requestId = requestId
  }
}

let csrfToken: string | null = null

/** Remembers the CSRF token of the latest session answer (sign-in, sign-up, switch, session read). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

export type Query = Record<string, string | number | boolean | null | undefined>

/** `/api/v1/logs` + `{limit: 50, model: ''}` → `/api/v1/logs?limit=50` (empty values dropped). */
export function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.set(name, String(value))
  }
  const text = params.toString()
  return text === '' ? path : `${path}?${text}`
}

interface ErrorEnvelope {
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown }
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  body?: unknown
  query?: Query
  signal?: AbortSignal
}

/** Calls the API and resolves with the parsed JSON answer. @throws ApiError */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  let response: Response
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    })
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new ApiError(
      'Could not reach the server. Check your connection and try again.',
      0,
      null,
      null,
      null,
      null,
    )
  }
  const requestId = response.headers.get('x-request-id')
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    const envelope = (body as ErrorEnvelope | undefined)?.error
    throw new ApiError(
      text(envelope?.message) ?? `The server answered ${response.status} ${response.statusText}`.trim(),
      response.status,
      text(envelope?.code),
      text(envelope?.param),
      text(envelope?.type),
      requestId,
    )
  }
  return body as T
}

/** Whether a failed query should be tried again: network errors, 408, 429 and 5xx, up to 3 times. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 3) return false
  if (!(error instanceof ApiError)) return false
  const { status } = error
  return status === 0 || status === 408 || status === 429 || status >= 500
}

/** A user-facing message for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return 'Something went wrong.'
}
