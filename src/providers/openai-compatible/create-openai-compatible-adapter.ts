/**
 * OpenAI and every vendor that speaks its chat format, as one factory plus a `quirks` object
 * (composition, not subclassing). OpenAI itself is the preset with no quirks; the vendor
 * presets are in `vendor-presets.ts`.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
import type { ProviderConfig } from '../../config/config.ts'
import { stringifyBounded } from '../../contracts/json-nesting.ts'
import type { OpenAIImagesRequest } from '../../contracts/openai-wire.ts'
import type { ProviderAdapter, UpstreamRequest, UpstreamTarget } from '../provider-adapter.ts'
import { checkForwardedImageUrls } from '../translation/check-image-url.ts'
import { splitBaseUrl } from '../translation/split-base-url.ts'
import { mapOpenAICompatibleError } from './openai-compatible-errors.ts'

export interface OpenAICompatibleQuirks {
  /** Path after the base URL for chat completions (default `/chat/completions`); may use the target. */
  chatCompletionsPath?: string | ((target: UpstreamTarget) => string)
  /** Path after the base URL for legacy text completions (default `/completions`); may use the target. */
  completionsPath?: string | ((target: UpstreamTarget) => string)
  /** Path after the base URL for embeddings (default `/embeddings`); may use the target. */
  embeddingsPath?: string | ((target: UpstreamTarget) => string)
  /** Path after the base URL for image generation (default `/images/generations`); may use the target. */
  imagesPath?: string | ((target: UpstreamTarget) => string)
  /** Whether the vendor serves `/images/generations` (default true: the catalog decides which models). */
  images?: boolean
  /** Whether the vendor serves `/embeddings` (default true). */
  embeddings?: boolean
  /** Whether the vendor serves legacy `/completions` (default true). */
  completions?: boolean
  /** Request fields the vendor rejects; removed before sending. */
  unsupportedParameters?: readonly string[]
  /** Request fields the vendor names differently: `{ ours: theirs }`. */
  renamedParameters?: Readonly<Record<string, string>>
  /** Query string appended to every call (e.g. Azure's `api-version`), from the target. */
  query?: (target: UpstreamTarget) => string
}

function authorizationHeaders(target: UpstreamTarget): Record<string, string> {
  const apiKey = target.account.apiKey
  if (apiKey === '') return {}
  switch (target.provider.authHeader) {
    case 'api-key':
      return { 'api-key': apiKey }
    case 'x-api-key':
      return { 'x-api-key': apiKey }
    default:
      return { authorization: `Bearer ${apiKey}` }
  }
}

function resolvePath(path: string | ((target: UpstreamTarget) => string), target: UpstreamTarget): string {
  return typeof path === 'string' ? path : path(target)
}

export function createOpenAICompatibleAdapter(
  kind: ProviderConfig['kind'],
  quirks: OpenAICompatibleQuirks = {},
): ProviderAdapter {
  const chatPath = quirks.chatCompletionsPath ?? '/chat/completions'
  const embeddingsPath = quirks.embeddingsPath ?? '/embeddings'
  const completionsPath = quirks.completionsPath ?? '/completions'
  const imagesPath = quirks.imagesPath ?? '/images/generations'
  const dropped = quirks.unsupportedParameters ?? []
  const renamed = Object.entries(quirks.renamedParameters ?? {})
  const plain = dropped.length === 0 && renamed.length === 0

  function build(
    body: Record<string, unknown>,
    target: UpstreamTarget,
    path: string,
    stream: boolean,
  ): UpstreamRequest {
    const { origin, basePath } = splitBaseUrl(target.account.baseUrl)
    return {
      origin,
      path: basePath + path + (quirks.query === undefined ? '' : quirks.query(target)),
      headers: {
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        ...authorizationHeaders(target),
      },
      // The client's JSON goes out as is: bounded, so a deep value is a 400, not a stack overflow.
      body: stringifyBounded(body),
    }
  }

  return {
    kind,
    capabilities: { chat: true, streaming: true, embeddings: quirks.embeddings ?? true },
    toChatCompletionRequest(request, target) {
      // The upstream fetches image URLs from its own network: https only (see check-image-url.ts).
      checkForwardedImageUrls(request.messages)
      const body: Record<string, unknown> = { ...request, model: target.upstreamModel }
      if (!plain) {
        for (const field of dropped) delete body[field]
        for (const [ours, theirs] of renamed) {
          if (body[ours] === undefined) continue
          body[theirs] ??= body[ours]
          delete body[ours]
        }
      }
      return build(body, target, resolvePath(chatPath, target), request.stream === true)
    },
    ...(quirks.completions === false
      ? {}
      : {
          toTextCompletionRequest(request: Record<string, unknown>, target: UpstreamTarget) {
            const body: Record<string, unknown> = { ...request, model: target.upstreamModel }
            for (const field of dropped) delete body[field]
            return build(body, target, resolvePath(completionsPath, target), request.stream === true)
          },
        }),
    toEmbeddingsRequest(request, target) {
      return build(
        { ...request, model: target.upstreamModel },
        target,
        resolvePath(embeddingsPath, target),
        false,
      )
    },
    ...(quirks.images === false
      ? {}
      : {
          toImageGenerationRequest(request: OpenAIImagesRequest, target: UpstreamTarget) {
            const body: Record<string, unknown> = { ...request, model: target.upstreamModel }
            for (const field of dropped) delete body[field]
            return build(body, target, resolvePath(imagesPath, target), false)
          },
        }),
    toGatewayError: mapOpenAICompatibleError,
  }
}
