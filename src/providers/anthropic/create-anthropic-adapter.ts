/**
 * The Anthropic Messages adapter: OpenAI chat in, `POST /v1/messages` out, and the answer (JSON
 * or SSE events) translated back to OpenAI's format. Pure: no I/O.
 *
 * @module
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/versioning
 */

import { stringifyBounded } from '../../contracts/json-nesting.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { tokenCounter } from '../../tokens/tokenizer.ts'
import { mapOpenAICompatibleError } from '../openai-compatible/openai-compatible-errors.ts'
import type { ProviderAdapter, UpstreamHeaders, UpstreamTarget } from '../provider-adapter.ts'
import { splitBaseUrl } from '../translation/split-base-url.ts'
import { createAnthropicStreamTranslator } from './anthropic-stream-translator.ts'
import { convertAnthropicResponse } from './convert-anthropic-response.ts'
import { convertToAnthropicRequest } from './convert-to-anthropic-request.ts'
import { createThinkingTokenCounter } from './count-thinking-tokens.ts'

/** The API version the translation is written against. */
export const ANTHROPIC_VERSION = '2023-06-01'

/**
 * Anthropic's error body is `{"type":"error","error":{"type","message"}}`: the OpenAI-format
 * mapper reads it as is. 529 `overloaded_error` is a retryable upstream failure.
 * @see https://docs.anthropic.com/en/api/errors
 */
function mapAnthropicError(
  status: number,
  body: string,
  headers: UpstreamHeaders,
  target: UpstreamTarget,
): GatewayError {
  if (status === 529) {
    return new GatewayError(
      'upstream_error',
      'The upstream provider is overloaded (HTTP 529); retry later.',
      {
        provider: target.provider.name,
      },
    )
  }
  return mapOpenAICompatibleError(status, body, headers, target)
}

export function createAnthropicAdapter(): ProviderAdapter {
  return {
    kind: 'anthropic',
    capabilities: { chat: true, streaming: true, embeddings: false },
    toChatCompletionRequest(request, target) {
      const { origin, basePath } = splitBaseUrl(target.account.baseUrl)
      const { body, jsonTool } = convertToAnthropicRequest(request, target)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: request.stream === true ? 'text/event-stream' : 'application/json',
        'anthropic-version': target.provider.apiVersion ?? ANTHROPIC_VERSION,
      }
      if (target.account.apiKey !== '') headers['x-api-key'] = target.account.apiKey
      // Thinking is counted with the model's tokenizer when the catalog names one (an estimate).
      const countTokens = tokenCounter(target.model?.tokenizer)
      return {
        origin,
        path: `${basePath}/messages`,
        headers,
        // Schemas and cache hints are the client's JSON: bounded, a deep one is a 400.
        body: stringifyBounded(body),
        translation: {
          response: (parsed) =>
            convertAnthropicResponse(parsed, jsonTool, createThinkingTokenCounter(countTokens)),
          stream: () =>
            createAnthropicStreamTranslator(
              target.upstreamModel,
              jsonTool,
              createThinkingTokenCounter(countTokens),
            ),
        },
      }
    },
    toGatewayError: mapAnthropicError,
  }
}
