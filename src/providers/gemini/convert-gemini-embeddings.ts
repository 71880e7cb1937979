/**
 * OpenAI embeddings ↔ Gemini `embedContent` / `batchEmbedContents`. Pure. Gemini reports no
 * token counts for embeddings, so usage is the gateway's documented conservative estimate.
 *
 * @module
 * @see https://ai.google.dev/api/embeddings
 */

import type { OpenAIEmbeddingsRequest, OpenAIEmbeddingsResponse } from '../../contracts/openai-wire.ts'
import { estimateTextTokens } from '../../tokens/estimate-prompt-tokens.ts'

export function convertToGeminiEmbeddings(
  request: OpenAIEmbeddingsRequest,
  upstreamModel: string,
): { method: string; body: Record<string, unknown> } {
  const inputs = typeof request.input === 'string' ? [request.input] : request.input
  const one = (text: string) => {
    const item: Record<string, unknown> = { model: `models/${upstreamModel}`, content: { parts: [{ text }] } }
    if (request.dimensions !== undefined) item.outputDimensionality = request.dimensions
    return item
  }
  return { method: 'batchEmbedContents', body: { requests: inputs.map(one) } }
}

export function convertGeminiEmbeddings(
  parsed: unknown,
  request: OpenAIEmbeddingsRequest,
  upstreamModel: string,
): OpenAIEmbeddingsResponse | undefined {
  const embeddings = (parsed as { embeddings?: { values?: unknown }[] } | null)?.embeddings
  if (!Array.isArray(embeddings)) return undefined
  const inputs = typeof request.input === 'string' ? [request.input] : request.input
  if (embeddings.length !== inputs.length) return undefined
  const data: OpenAIEmbeddingsResponse['data'] = []
  for (let index = 0; index < embeddings.length; index++) {
    const values = embeddings[index]?.values
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'number')) return undefined
    data.push({ object: 'embedding', index, embedding: values as number[] })
  }
  const tokens = inputs.reduce((sum, text) => sum + estimateTextTokens(text), 0)
  return {
    object: 'list',
    data,
    model: upstreamModel,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  }
}
