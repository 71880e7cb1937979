/**
 * `POST /v1/responses` (OpenAI Responses API) answered through chat on every upstream, stream
 * and non-stream, with the same lanes, limits, holds and fallbacks as chat. Stateless: see
 * `src/gateway/formats/responses-request.ts` for what is refused.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

import { createResponsesFormat } from '../formats/responses-format.ts'
import { convertResponsesToChat } from '../formats/responses-request.ts'
import type { RequestContext } from '../request-context.ts'
import { validateChatCompletionRequest } from '../validate/validate-chat-request.ts'
import { type ChatCompletionProxyDependencies, proxyChatCompletion } from './proxy-chat-completion.ts'

export async function proxyResponses(
  context: RequestContext,
  body: Record<string, unknown>,
  dependencies: ChatCompletionProxyDependencies,
): Promise<void> {
  const chat = convertResponsesToChat(body)
  await proxyChatCompletion(
    context,
    validateChatCompletionRequest(chat as unknown as Record<string, unknown>),
    dependencies,
    {
      format: createResponsesFormat(body),
    },
  )
}
