/**
 * Writing answers. Every answer carries `x-request-id`; every error uses the OpenAI envelope,
 * with `Retry-After` and `retry-after-ms` when the client should wait.
 *
 * @module
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { GatewayError } from '../errors/gateway-error.ts'
import type { AnswerWriter, RequestContext } from '../gateway/request-context.ts'

export function sendJson(
  context: RequestContext,
  status: number,
  body: string | Uint8Array,
  headers: OutgoingHttpHeaders = {},
): void {
  const response = context.response
  if (response.headersSent || response.destroyed) return
  // Encode once: the length and the write use the same bytes.
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  response.writeHead(status, {
    ...context.headers,
    ...headers,
    'content-type': 'application/json',
    'content-length': bytes.byteLength,
    'x-request-id': context.requestId,
  })
  response.end(bytes)
  context.log.bytesOut = (context.log.bytesOut ?? 0) + bytes.byteLength
}

export function errorHeaders(error: GatewayError): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {}
  // A 429 always tells the client when to come back, as OpenAI's does.
  const seconds = error.retryAfterSeconds ?? (error.status === 429 ? 1 : undefined)
  if (seconds !== undefined) {
    headers['retry-after'] = String(seconds)
    headers['retry-after-ms'] = String(seconds * 1000)
  }
  return headers
}

export function sendError(
  context: RequestContext,
  error: GatewayError,
  headers: OutgoingHttpHeaders = {},
): void {
  context.log.errorCode = error.code
  sendJson(context, error.status, JSON.stringify(error.toBody()), { ...errorHeaders(error), ...headers })
}

/** The writer the HTTP layer hands the pipeline with every request. */
export const answerWriter: AnswerWriter = { json: sendJson, error: sendError }
