/**
 * What one request carries through the gateway: its ID, timing, caller and the metadata that
 * ends up in its log line. Created once per request by the app.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthenticatedKey } from '../auth/authenticator.ts'

export interface RequestLogFields {
  model?: string
  lane?: string
  provider?: string
  account?: string
  upstreamModel?: string
  stream?: boolean
  attempts?: number
  errorCode?: string
  bytesIn?: number
  bytesOut?: number
  firstByteMs?: number
  promptTokens?: number
  completionTokens?: number
}

export interface RequestContext {
  requestId: string
  /** The URL path without its query string. */
  path: string
  startMs: number
  request: IncomingMessage
  response: ServerResponse
  /** Aborted when the client goes away before the response finished. */
  signal: AbortSignal
  key: AuthenticatedKey | undefined
  log: RequestLogFields
}
