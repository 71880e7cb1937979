/**
 * `POST /v1/completions` (legacy text completions): native on upstreams that have the endpoint
 * (an OpenAI-format provider and a catalog model with the `completions` capability), through
 * chat otherwise, with the same lanes, limits, holds and fallbacks as chat.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/completions/create
 */

import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { convertCompletionsToChat, createCompletionsFormat } from '../formats/completions-format.ts'
import type { RequestContext } from '../request-context.ts'
import { validateChatCompletionRequest } from '../validate/validate-chat-request.ts'
import { type ChatCompletionProxyDependencies, proxyChatCompletion } from './proxy-chat-completion.ts'

export async function proxyCompletions(
  context: RequestContext,
  body: Record<string, unknown>,
  dependencies: ChatCompletionProxyDependencies,
): Promise<void> {
  const { chat, chatRefusal } = convertCompletionsToChat(body)
  const stream = body.stream === true
  const nativeBody = {
    ...body,
    ...(stream
      ? { stream_options: { ...(body.stream_options as object | undefined), include_usage: true } }
      : {}),
  } as OpenAIChatCompletionRequest
  for (const field of ['models', 'provider', 'byok_conf', 'usage']) delete nativeBody[field]
  await proxyChatCompletion(
    context,
    validateChatCompletionRequest(chat as unknown as Record<string, unknown>),
    dependencies,
    {
      format: createCompletionsFormat(),
      chatRefusal,
      native: {
        body: nativeBody,
        supports: (attempt) =>
          attempt.model.capabilities.includes('completions') &&
          attempt.provider.adapter.toTextCompletionRequest !== undefined,
        build: (adapter, request, target) => adapter.toTextCompletionRequest!(request, target),
        expectedObject: 'text_completion',
      },
    },
  )
}
