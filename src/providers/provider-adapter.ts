/**
 * The provider seam. An adapter is pure translation: it builds the upstream request and maps
 * upstream errors, with no I/O, so recorded fixtures test it without a network. The gateway
 * owns transport ({@link UpstreamTransport}), retries, health and streaming.
 *
 * Adapters declare the wire format of their answers. `openai` answers pass through (events are
 * re-framed, never re-parsed); translating adapters (Anthropic, Gemini) add response and stream
 * translators to this seam.
 *
 * @module
 * @see ../../docs/adding-a-provider.md
 */
import type { AccountConfig, ProviderConfig } from '../config/config.ts'
import type { GatewayError } from '../errors/gateway-error.ts'
import type { OpenAIChatCompletionRequest } from './openai-wire.ts'

/** One concrete place to send a request: a provider, one of its accounts, an upstream model. */
export interface UpstreamTarget {
  provider: ProviderConfig
  account: AccountConfig
  /** The model name the upstream knows. */
  upstreamModel: string
}

/** What the transport sends. Headers are complete: no client header is ever forwarded. */
export interface UpstreamRequest {
  /** Scheme, host and port, e.g. `https://api.openai.com`. */
  origin: string
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string
  headers: Record<string, string>
  body: string
}

export interface ProviderCapabilities {
  chat: boolean
  streaming: boolean
}

export interface ProviderAdapter {
  readonly kind: ProviderConfig['kind']
  readonly capabilities: ProviderCapabilities
  readonly responseFormat: 'openai'
  /** Builds the upstream chat completion call. Pure. */
  toChatCompletionRequest(request: OpenAIChatCompletionRequest, target: UpstreamTarget): UpstreamRequest
  /** Maps a non-2xx upstream answer to a gateway error (decides retryability). Pure. */
  toGatewayError(status: number, body: string, headers: UpstreamHeaders, target: UpstreamTarget): GatewayError
}

export type UpstreamHeaders = Record<string, string | string[] | undefined>

/** An upstream answer with its body still streaming. */
export interface UpstreamResponse {
  status: number
  headers: UpstreamHeaders
  body: AsyncIterable<Uint8Array>
  /** Stops reading and frees the connection. */
  discard(): void
}

export interface SendOptions {
  signal: AbortSignal
}

/** Moves bytes to and from an upstream; HTTP (undici) for real providers, in-process for `sim`. */
export interface UpstreamTransport {
  send(request: UpstreamRequest, target: UpstreamTarget, options: SendOptions): Promise<UpstreamResponse>
  /** `now` cuts open requests (shutdown); `graceful` lets them finish first (a retired config). */
  close(mode?: 'now' | 'graceful'): Promise<void>
}
