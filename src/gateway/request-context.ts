/**
 * What one request carries through the gateway: its ID, timing, caller and the metadata that
 * ends up in its log line, and the writer its answers go through. Created once per request by
 * the HTTP layer (http/app.ts), which hands the pipeline its socket this way: the pipeline never
 * imports the HTTP layer.
 *
 * @module
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import type { AuthenticatedKey } from '../auth/authenticator.ts'
import type { GatewayError } from '../errors/gateway-error.ts'
import type { RequestTrace } from '../metrics/tracing.ts'
import type { RequestLogRecord } from '../storage/store.ts'

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
  /** Reported by the upstream; absent when it sent no usage. */
  promptTokens?: number
  completionTokens?: number
  cachedTokens?: number
  /** Completion tokens spent reasoning (`completion_tokens_details.reasoning_tokens`). */
  reasoningTokens?: number
  /** Content-bearing stream chunks delivered (counts output when no usage arrives). */
  generatedChunks?: number
  finishReason?: string
  /** What the request costs, nano-USD (set when priced). */
  costNano?: number
  usageSource?: 'upstream' | 'estimated'
  /** The upstream's usage was implausible and refused: the gateway's own count was charged. */
  usageRejected?: boolean
  generationId?: string
}

/**
 * A request's log fields, every one present from the start (undefined until known): the object
 * keeps one shape while the request fills it in, so each field's reads and writes stay cheap.
 */
export function emptyRequestLog(): RequestLogFields {
  return {
    model: undefined,
    lane: undefined,
    provider: undefined,
    account: undefined,
    upstreamModel: undefined,
    stream: undefined,
    attempts: undefined,
    errorCode: undefined,
    bytesIn: undefined,
    bytesOut: undefined,
    firstByteMs: undefined,
    promptTokens: undefined,
    completionTokens: undefined,
    cachedTokens: undefined,
    reasoningTokens: undefined,
    generatedChunks: undefined,
    finishReason: undefined,
    costNano: undefined,
    usageSource: undefined,
    usageRejected: undefined,
    generationId: undefined,
  }
}

/**
 * How the pipeline answers in one piece (JSON, errors in OpenAI's envelope): implemented by the
 * HTTP layer (http/send-response.ts), one shared object. Streams write to `response` directly.
 */
export interface AnswerWriter {
  json(
    context: RequestContext,
    status: number,
    body: string | Uint8Array,
    headers?: OutgoingHttpHeaders,
  ): void
  error(context: RequestContext, error: GatewayError, headers?: OutgoingHttpHeaders): void
}

/** A priced request's charge, waiting for its log row. */
export interface PendingCharge {
  /**
   * Settles the hold and writes `record` with the charge, in one transaction. Resolves to what
   * was charged, or undefined when the settlement failed (the row must then be written alone).
   */
  settle(record: RequestLogRecord): Promise<number | undefined>
}

export interface RequestContext {
  /** Writes JSON answers and errors (the HTTP layer's). */
  writer: AnswerWriter
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
  /** Headers every answer to this request carries (rate limits, cache status), merged at writeHead. */
  headers: Record<string, string> | undefined
  /** Set when the request is to be charged (by its billing, once priced). */
  charge: PendingCharge | undefined
  /** The log row was already written (with the charge, before the answer's end: durable settlement). */
  logWritten: boolean
  /**
   * The request's trace (metrics/tracing.ts): undefined when tracing is off, the request is not
   * an API call (`/v1/*`) or the sampler dropped it. Stages call it as `context.trace?.…`.
   */
  trace: RequestTrace | undefined
}
