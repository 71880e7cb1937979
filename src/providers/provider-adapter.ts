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
import type { AccountConfig, ModelConfig, ProviderConfig } from '../config/config.ts'
import type {
  OpenAIChatCompletion,
  OpenAIChatCompletionRequest,
  OpenAIEmbeddingsRequest,
  OpenAIEmbeddingsResponse,
  OpenAIImagesRequest,
  OpenAIImagesResponse,
} from '../contracts/openai-wire.ts'
import type { GatewayError } from '../errors/gateway-error.ts'
import type { StreamTranslator } from './translation/chat-chunk-writer.ts'

/** One concrete place to send a request: a provider, one of its accounts, an upstream model. */
export interface UpstreamTarget {
  provider: ProviderConfig
  account: AccountConfig
  /** The model name the upstream knows. */
  upstreamModel: string
  /** The catalog model (output cap, capabilities), for adapters whose upstream needs them. */
  model?: ModelConfig | undefined
}

/** What the transport sends. Headers are complete: no client header is ever forwarded. */
export interface UpstreamRequest {
  /** Scheme, host and port, e.g. `https://api.openai.com`. */
  origin: string
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string
  headers: Record<string, string>
  body: string
  /**
   * Present when the upstream answers in its own format: how to turn its answer into OpenAI's.
   * The gateway applies it before billing, caching and delivery, which then see OpenAI's format.
   */
  translation?: ResponseTranslation | undefined
}

/** An embeddings call; `translate` maps a non-OpenAI answer (float vectors) to OpenAI's shape. */
export interface UpstreamEmbeddingsRequest extends Omit<UpstreamRequest, 'translation'> {
  translate?: ((parsed: unknown) => OpenAIEmbeddingsResponse | undefined) | undefined
}

/**
 * An image generation call; `translate` maps a non-OpenAI answer (Gemini's `inlineData` parts)
 * to OpenAI's `ImagesResponse`: undefined when it is not an answer, a thrown GatewayError when it
 * is one without an image. Absent: the answer is already OpenAI's format and passes through.
 */
export interface UpstreamImagesRequest extends Omit<UpstreamRequest, 'translation'> {
  translate?: ((parsed: unknown) => OpenAIImagesResponse | undefined) | undefined
}

/** Turns one request's upstream answer into OpenAI's format (closure over the request). */
export interface ResponseTranslation {
  /** A parsed non-stream answer → a chat completion; undefined when it is not a valid answer. */
  response(parsed: unknown): OpenAIChatCompletion | undefined
  /** A fresh translator for the answer's stream events. */
  stream(): StreamTranslator
}

export interface ProviderCapabilities {
  chat: boolean
  streaming: boolean
  /** `/v1/embeddings` (the adapter has `toEmbeddingsRequest`). */
  embeddings: boolean
  /**
   * The upstream cannot fetch image URLs itself: the gateway fetches http(s) images (safely,
   * see src/gateway/attempt/inline-image-urls.ts) and sends them as data URLs.
   */
  inlineImages?: boolean
}

export interface ProviderAdapter {
  readonly kind: ProviderConfig['kind']
  readonly capabilities: ProviderCapabilities
  /** Builds the upstream chat completion call (with its `translation` when not OpenAI's format). Pure. */
  toChatCompletionRequest(request: OpenAIChatCompletionRequest, target: UpstreamTarget): UpstreamRequest
  /** Builds a native legacy `/completions` call (OpenAI-format upstreams; models with the `completions` capability). Pure. */
  toTextCompletionRequest?(request: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest
  /** Builds the upstream embeddings call (only when `capabilities.embeddings`). Pure. */
  toEmbeddingsRequest?(request: OpenAIEmbeddingsRequest, target: UpstreamTarget): UpstreamEmbeddingsRequest
  /**
   * Builds an image generation call (`/images/generations`, or the upstream's own with a
   * `translate`); absent: the upstream generates no images. An OpenAI-format answer (URLs or
   * base64) passes through as sent. Pure; throws a GatewayError (400) for a parameter the
   * upstream cannot honour.
   */
  toImageGenerationRequest?(request: OpenAIImagesRequest, target: UpstreamTarget): UpstreamImagesRequest
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
