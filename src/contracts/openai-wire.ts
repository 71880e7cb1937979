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

/** A tool call as OpenAI's chat format carries it. */
export interface OpenAIToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

/** The assistant message of a (translated) non-stream answer. */
export interface OpenAIAssistantMessage {
  role: 'assistant'
  content: string | null
  refusal: null
  tool_calls?: OpenAIToolCall[]
  /** Model reasoning, when the upstream returned it (DeepSeek's field name, as OpenRouter). */
  reasoning_content?: string
}

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter'

/** A chat completion as the gateway builds it from a translated upstream answer. */
export interface OpenAIChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: {
    index: number
    message: OpenAIAssistantMessage
    finish_reason: OpenAIFinishReason
    logprobs: null
  }[]
  usage: OpenAIUsage
}

/** A stream chunk's delta: the fields translated streams use. */
export interface OpenAIChunkDelta {
  role?: 'assistant'
  content?: string
  reasoning_content?: string
  tool_calls?: {
    index: number
    id?: string
    type?: 'function'
    function: { name?: string; arguments: string }
  }[]
}

/** A validated embeddings request: `input` is one string or a non-empty array of strings. */
export interface OpenAIEmbeddingsRequest {
  model: string
  input: string | string[]
  encoding_format?: 'float' | 'base64'
  dimensions?: number
  user?: string
}

/** A validated image generation request (`POST /v1/images/generations`). */
export interface OpenAIImagesRequest {
  model: string
  prompt: string
  n?: number
  size?: string
  quality?: string
  response_format?: 'url' | 'b64_json'
  style?: string
  background?: string
  output_format?: string
  output_compression?: number
  moderation?: string
  user?: string
}

/** An image generation answer: each image a URL or base64 data, as the upstream sent it. */
export interface OpenAIImagesResponse {
  created: number
  data: { url?: string; b64_json?: string; revised_prompt?: string }[]
  usage?: Record<string, unknown>
  [field: string]: unknown
}

/** An embeddings answer with float vectors (the gateway encodes base64 itself when asked). */
export interface OpenAIEmbeddingsResponse {
  object: 'list'
  data: { object: 'embedding'; index: number; embedding: number[] | string }[]
  model: string
  usage: { prompt_tokens: number; total_tokens: number }
}
