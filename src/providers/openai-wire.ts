/**
 * The OpenAI wire types the gateway reads. Field names stay snake_case, as on the wire; only
 * the fields the gateway touches are typed, everything else passes through untouched.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

export interface OpenAIChatMessage {
  role: string
  content?: unknown
  [field: string]: unknown
}

/** A validated chat request body: `model` and `messages` are checked, the rest passes through. */
export interface OpenAIChatCompletionRequest {
  model: string
  messages: OpenAIChatMessage[]
  stream?: boolean
  max_tokens?: number
  max_completion_tokens?: number
  stream_options?: { include_usage?: boolean }
  [field: string]: unknown
}

export interface OpenAIUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number }
}

export interface OpenAIModel {
  id: string
  object: 'model'
  created: number
  owned_by: string
}
