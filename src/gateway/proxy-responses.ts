/**
 * `POST /v1/responses` (OpenAI Responses API) answered through chat on every upstream, stream
 * and non-stream, with the same lanes, limits, holds and fallbacks as chat. Stateless: see
 * `src/client-formats/responses-request.ts` for what is refused.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/responses/create
 */

import { createResponsesFormat } from '../client-formats/responses-format.ts'
import { convertResponsesToChat } from '../client-formats/responses-request.ts'
import type { RequestContext } from '../http/request-context.ts'
import { type ChatCompletionProxyDependencies, proxyChatCompletion } from './proxy-chat-completion.ts'
import { validateChatCompletionRequest } from './validate-chat-request.ts'

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
