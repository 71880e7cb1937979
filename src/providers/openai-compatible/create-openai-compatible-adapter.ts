/**
 * OpenAI and every vendor that speaks its chat format, as one factory plus a `quirks` object
 * (composition, not subclassing). OpenAI itself is the preset with no quirks.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
import type { ProviderConfig } from '../../config/config.ts'
import type { OpenAIChatCompletionRequest } from '../openai-wire.ts'
import type { ProviderAdapter, UpstreamRequest, UpstreamTarget } from '../provider-adapter.ts'
import { mapOpenAICompatibleError } from './openai-compatible-errors.ts'

export interface OpenAICompatibleQuirks {
  /** Path appended to the base URL for chat completions. */
  chatCompletionsPath?: string
  /** Request fields the vendor rejects; removed before sending. */
  unsupportedParameters?: readonly string[]
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

function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  const url = new URL(baseUrl)
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') }
}

export function createOpenAICompatibleAdapter(
  kind: ProviderConfig['kind'],
  quirks: OpenAICompatibleQuirks = {},
): ProviderAdapter {
  const chatPath = quirks.chatCompletionsPath ?? '/chat/completions'
  const dropped = quirks.unsupportedParameters ?? []
  const baseUrlCache = new Map<string, { origin: string; basePath: string }>()

  return {
    kind,
    capabilities: { chat: true, streaming: true },
    responseFormat: 'openai',
    toChatCompletionRequest(request: OpenAIChatCompletionRequest, target: UpstreamTarget): UpstreamRequest {
      let base = baseUrlCache.get(target.account.baseUrl)
      if (base === undefined) {
        base = splitBaseUrl(target.account.baseUrl)
        baseUrlCache.set(target.account.baseUrl, base)
      }
      const body: Record<string, unknown> = { ...request, model: target.upstreamModel }
      for (const field of dropped) delete body[field]
      return {
        origin: base.origin,
        path: base.basePath + chatPath,
        headers: {
          'content-type': 'application/json',
          accept: request.stream === true ? 'text/event-stream' : 'application/json',
          ...authorizationHeaders(target),
        },
        body: JSON.stringify(body),
      }
    },
    toGatewayError: mapOpenAICompatibleError,
  }
}
