/**
 * Legacy text completions (`POST /v1/completions`) answered through chat: the prompt becomes
 * one user message, and chat answers and chunks become `text_completion` objects. Defaults
 * follow the legacy API (`max_tokens` 16). What chat cannot do (`echo`, `suffix`, `best_of`,
 * `logprobs`, several prompts) is refused with a 400 naming the field; models with the
 * `completions` capability on an OpenAI-format upstream are called natively instead.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/completions/create
 */

import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { checkOutputTokens } from '../validate/validate-chat-request.ts'
import type { ChatCompletionLike, ClientFormat } from './client-format.ts'
import { createSseDataReader } from './sse-data-reader.ts'

/** The legacy endpoint's default output cap. */
export const LEGACY_DEFAULT_MAX_TOKENS = 16

const PASSED_TO_CHAT = [
  'temperature',
  'top_p',
  'n',
  'stream',
  'stream_options',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'seed',
  'user',
  // gateway routing fields, read before the upstream call
  'models',
  'provider',
  'byok_conf',
  'usage',
] as const

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

/**
 * Checks a completions request (`model`, `prompt`, `max_tokens`) and returns the prompt as one
 * string (a one-element array is fine).
 */
export function readCompletionsPrompt(body: Record<string, unknown>): string {
  if (body.model === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'model'.", { param: 'model' })
  if (typeof body.model !== 'string' || body.model === '')
    throw invalid('model', "Invalid type for 'model': expected a non-empty string.")
  checkOutputTokens(body.max_tokens, 'max_tokens')
  const prompt = body.prompt
  if (prompt === undefined)
    throw new GatewayError('missing_parameter', "Missing required parameter: 'prompt'.", { param: 'prompt' })
  if (typeof prompt === 'string') return prompt
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0]
  if (Array.isArray(prompt) && prompt.every((item) => typeof item === 'string'))
    throw new GatewayError(
      'unsupported_parameter',
      "Send one prompt per request: 'prompt' arrays of several prompts are not supported.",
      {
        param: 'prompt',
      },
    )
  throw invalid('prompt', "Invalid type for 'prompt': expected a string (token arrays are not supported).")
}

/**
 * The chat request that answers a completions request (for upstreams without /completions),
 * and the 400 to give if it must go through chat but uses what chat cannot do.
 */
export function convertCompletionsToChat(body: Record<string, unknown>): {
  chat: OpenAIChatCompletionRequest
  chatRefusal: GatewayError | undefined
} {
  const prompt = readCompletionsPrompt(body)
  let chatRefusal: GatewayError | undefined
  const refuse = (param: string) => {
    chatRefusal ??= new GatewayError(
      'unsupported_parameter',
      `'${param}' is not supported for this model (it is answered through chat).`,
      {
        param,
      },
    )
  }
  if (body.echo === true) refuse('echo')
  if (typeof body.suffix === 'string' && body.suffix !== '') refuse('suffix')
  if (typeof body.best_of === 'number' && body.best_of > 1) refuse('best_of')
  if (body.logprobs !== undefined && body.logprobs !== null) refuse('logprobs')
  const chat: OpenAIChatCompletionRequest = {
    model: String(body.model),
    messages: [{ role: 'user', content: prompt }],
    max_tokens: typeof body.max_tokens === 'number' ? body.max_tokens : LEGACY_DEFAULT_MAX_TOKENS,
  }
  const fields = chat as Record<string, unknown>
  for (const field of PASSED_TO_CHAT) if (body[field] !== undefined) fields[field] = body[field]
  return { chat, chatRefusal }
}

function completionId(id: unknown): string {
  const text = typeof id === 'string' ? id : 'onekey'
  return text.startsWith('chatcmpl-') ? `cmpl-${text.slice('chatcmpl-'.length)}` : `cmpl-${text}`
}

export function createCompletionsFormat(): ClientFormat {
  return {
    json(completion: ChatCompletionLike) {
      return {
        id: completionId(completion.id),
        object: 'text_completion',
        created: completion.created ?? Math.floor(Date.now() / 1000),
        model: completion.model ?? '',
        choices: (completion.choices ?? []).map((choice, index) => ({
          text: typeof choice.message?.content === 'string' ? choice.message.content : '',
          index: choice.index ?? index,
          logprobs: null,
          finish_reason:
            choice.finish_reason === 'length'
              ? 'length'
              : choice.finish_reason === 'content_filter'
                ? 'content_filter'
                : 'stop',
        })),
        ...(completion.usage === undefined ? {} : { usage: completion.usage }),
      }
    },
    stream() {
      const reader = createSseDataReader()
      return {
        transform(events) {
          let out = ''
          for (const data of reader.read(events)) {
            const chunk = JSON.parse(data) as Omit<ChatCompletionLike, 'choices'> & {
              choices?: { index?: number; delta?: { content?: string }; finish_reason?: string | null }[]
            }
            const choices = (chunk.choices ?? [])
              .filter((choice) => (choice.delta?.content ?? '') !== '' || choice.finish_reason)
              .map((choice) => ({
                text: choice.delta?.content ?? '',
                index: choice.index ?? 0,
                logprobs: null,
                finish_reason: choice.finish_reason ?? null,
              }))
            // The role chunk and empty deltas carry nothing a completions client reads.
            const usage = chunk.usage ?? undefined // OpenAI-format upstreams put `usage: null` on every chunk
            if (choices.length === 0 && usage === undefined) continue
            const reshaped = {
              id: completionId(chunk.id),
              object: 'text_completion',
              created: chunk.created,
              model: chunk.model,
              choices,
              ...(usage === undefined ? {} : { usage }),
            }
            out += `data: ${JSON.stringify(reshaped)}\n\n`
          }
          return out
        },
        end: () => 'data: [DONE]\n\n',
      }
    },
  }
}
