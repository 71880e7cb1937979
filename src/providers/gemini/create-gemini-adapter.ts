/**
 * The Google Gemini adapter (Gemini API, `generativelanguage.googleapis.com/v1beta`): OpenAI
 * chat in, `models/{model}:generateContent` or `:streamGenerateContent?alt=sse` out, embeddings
 * through `:batchEmbedContents`, image generation through `:generateContent` with the IMAGE
 * response modality (base64 only, one image per request); answers translated back to OpenAI's format. Pure: no I/O.
 *
 * @module
 * @see https://ai.google.dev/api/generate-content
 * @see https://ai.google.dev/api/embeddings
 * @see https://ai.google.dev/gemini-api/docs/image-generation
 */
import { stringifyBounded } from '../../contracts/json-nesting.ts'
import type { ProviderAdapter, UpstreamTarget } from '../provider-adapter.ts'
import { splitBaseUrl } from '../translation/split-base-url.ts'
import { convertGeminiEmbeddings, convertToGeminiEmbeddings } from './convert-gemini-embeddings.ts'
import { convertGeminiImages, convertToGeminiImages } from './convert-gemini-images.ts'
import { convertGeminiResponse } from './convert-gemini-response.ts'
import { convertToGeminiRequest } from './convert-to-gemini-request.ts'
import { mapGeminiError } from './gemini-errors.ts'
import { createGeminiStreamTranslator } from './gemini-stream-translator.ts'

function headersFor(target: UpstreamTarget, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
  }
  if (target.account.apiKey !== '') headers['x-goog-api-key'] = target.account.apiKey
  return headers
}

function modelPath(target: UpstreamTarget, method: string): string {
  const { basePath } = splitBaseUrl(target.account.baseUrl)
  return `${basePath}/models/${encodeURIComponent(target.upstreamModel)}:${method}`
}

export function createGeminiAdapter(): ProviderAdapter {
  return {
    kind: 'gemini',
    capabilities: { chat: true, streaming: true, embeddings: true, inlineImages: true },
    toChatCompletionRequest(request, target) {
      const stream = request.stream === true
      return {
        origin: splitBaseUrl(target.account.baseUrl).origin,
        path: stream
          ? `${modelPath(target, 'streamGenerateContent')}?alt=sse`
          : modelPath(target, 'generateContent'),
        headers: headersFor(target, stream),
        // Schemas are the client's JSON: bounded, a deep one is a 400.
        body: stringifyBounded(convertToGeminiRequest(request, target)),
        translation: {
          response: (parsed) => convertGeminiResponse(parsed, target.upstreamModel),
          stream: () => createGeminiStreamTranslator(target.upstreamModel),
        },
      }
    },
    toEmbeddingsRequest(request, target) {
      const { method, body } = convertToGeminiEmbeddings(request, target.upstreamModel)
      return {
        origin: splitBaseUrl(target.account.baseUrl).origin,
        path: modelPath(target, method),
        headers: headersFor(target, false),
        body: JSON.stringify(body),
        translate: (parsed) => convertGeminiEmbeddings(parsed, request, target.upstreamModel),
      }
    },
    toImageGenerationRequest(request, target) {
      return {
        origin: splitBaseUrl(target.account.baseUrl).origin,
        path: modelPath(target, 'generateContent'),
        headers: headersFor(target, false),
        body: JSON.stringify(convertToGeminiImages(request)),
        translate: (parsed) => convertGeminiImages(parsed, target.provider.name),
      }
    },
    toGatewayError: mapGeminiError,
  }
}
