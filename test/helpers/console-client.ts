/**
 * A browser-like client of the console's API for tests: keeps the session cookie, sends the
 * CSRF token and the page's Origin on every request that changes something, as the web app does.
 *
 * @module
 */
import type { Json } from './test-gateway.ts'

export interface ConsoleResponse {
  status: number
  body: Json
  headers: Headers
}

export class ConsoleClient {
  readonly baseUrl: string
  cookie: string | undefined
  csrf: string | undefined
  /** Sent as Origin on non-GET requests; null sends none. */
  origin: string | null

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl
    this.origin = baseUrl
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ConsoleResponse> {
    const sent: Record<string, string> = { ...headers }
    if (body !== undefined) sent['content-type'] = 'application/json'
    if (this.cookie !== undefined) sent.cookie = this.cookie
    if (method !== 'GET') {
      if (this.origin !== null) sent.origin = this.origin
      if (this.csrf !== undefined && !('x-csrf-token' in sent)) sent['x-csrf-token'] = this.csrf
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: sent,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: 'manual',
    })
    const setCookie = response.headers.get('set-cookie')
    if (setCookie !== null) {
      const pair = setCookie.split(';')[0]!
      this.cookie = pair.endsWith('=') ? undefined : pair
    }
    const text = await response.text()
    let parsed: Json = {}
    if (text !== '' && (response.headers.get('content-type') ?? '').includes('json'))
      parsed = JSON.parse(text)
    else if (text !== '') parsed = { text }
    if (typeof parsed.csrf_token === 'string') this.csrf = parsed.csrf_token
    return { status: response.status, body: parsed, headers: response.headers }
  }

  get(path: string) {
    return this.request('GET', path)
  }
  post(path: string, body: unknown = {}) {
    return this.request('POST', path, body)
  }

  async signUp(email: string, password = 'correct horse battery', extra: Record<string, unknown> = {}) {
    return this.post('/api/v1/auth/sign-up', { email, password, ...extra })
  }
  async signIn(email: string, password = 'correct horse battery') {
    return this.post('/api/v1/auth/sign-in', { email, password })
  }
}
