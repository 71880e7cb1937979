/**
 * The seam for endpoints answered through chat: a client format turns the gateway's chat
 * completion (JSON, or SSE chunks after billing has read them) into what the client's endpoint
 * returns (legacy text completions, Responses API objects and events).
 *
 * @module
 */

/** Reshapes one request's answer. */
export interface ClientFormat {
  /** A complete chat completion (usage with cost already added) → the client's JSON body. */
  json(completion: ChatCompletionLike): unknown
  /** A fresh reshaper for a stream answer. */
  stream(): ClientStreamFormat
}

export interface ClientStreamFormat {
  /** Whole OpenAI chat SSE events (bytes or text) → the client's SSE text ('' when nothing yet). */
  transform(events: Uint8Array | string): string
  /** The upstream's stream is complete: the closing events (`[DONE]`, `response.completed`…). */
  end(): string
}

/** The chat completion fields client formats read. */
export interface ChatCompletionLike {
  id?: string
  created?: number
  model?: string
  choices?: {
    index?: number
    message?: {
      content?: string | null
      tool_calls?: { id: string; type?: string; function: { name: string; arguments: string } }[]
      reasoning_content?: string
    }
    finish_reason?: string | null
  }[]
  usage?: Record<string, unknown> & {
    prompt_tokens?: number
    completion_tokens?: number
    total_tokens?: number
    prompt_tokens_details?: { cached_tokens?: number }
    completion_tokens_details?: { reasoning_tokens?: number }
  }
}
