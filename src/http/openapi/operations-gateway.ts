/**
 * The API reference's entries for the OpenAI-compatible routes (`/v1/*`), the quote and the
 * service routes (health, metrics, this document, the Stripe webhook).
 *
 * @module
 */

import {
  chatCompletionAnswer,
  embeddingsAnswer,
  healthAnswer,
  imagesAnswer,
  modelEntry,
  modelList,
  quoteAnswer,
} from './gateway-answers.ts'
import {
  chatCompletionBody,
  completionsBody,
  embeddingsBody,
  imagesBody,
  quoteBody,
  responsesBody,
} from './gateway-bodies.ts'
import type { OperationSpec } from './operation-spec.ts'

const SSE = {
  mediaType: 'text/event-stream',
  description: 'With `stream: true`: server-sent events, ending with `data: [DONE]`.',
}

const chatExample = {
  model: 'cheap/gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
}

/** `/v1/*` and the service routes. */
export const GATEWAY_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/v1/chat/completions',
    tag: 'Inference',
    summary: 'Create a chat completion',
    description:
      'OpenAI’s chat completions, routed in the lane the model ID names. The answer’s `usage` carries `cost` (USD) and `cost_details`. OneKey’s own fields (`models`, `provider`, `byok_conf`, `usage`) are read and removed before the request goes upstream.',
    auth: 'apiKey',
    body: chatCompletionBody,
    exampleModel: 'text',
    example: chatExample,
    answer: chatCompletionAnswer,
    content: [SSE],
  },
  {
    method: 'POST',
    path: '/v1/completions',
    tag: 'Inference',
    summary: 'Create a legacy text completion',
    description:
      'Native on upstreams that have the endpoint, through chat otherwise (then `echo`, `suffix`, `best_of` and `logprobs` are refused).',
    auth: 'apiKey',
    body: completionsBody,
    exampleModel: 'text',
    example: { model: 'cheap/gpt-4o-mini', prompt: 'Say hello.', max_tokens: 16 },
    content: [SSE],
    answerDescription: 'A `text_completion` object with `usage` and its cost.',
  },
  {
    method: 'POST',
    path: '/v1/responses',
    tag: 'Inference',
    summary: 'Create a response (stateless)',
    description:
      'OpenAI’s Responses API answered through any upstream. Nothing is stored: send the whole conversation in `input`.',
    auth: 'apiKey',
    body: responsesBody,
    exampleModel: 'text',
    example: { model: 'cheap/gpt-4o-mini', input: 'Say hello.' },
    content: [SSE],
    answerDescription: 'A `response` object with `output` and `usage` (with its cost).',
  },
  {
    method: 'POST',
    path: '/v1/embeddings',
    tag: 'Inference',
    summary: 'Create embeddings',
    auth: 'apiKey',
    body: embeddingsBody,
    exampleModel: 'embedding',
    example: { model: 'cheap/text-embedding-3-small', input: 'The quick brown fox' },
    answer: embeddingsAnswer,
  },
  {
    method: 'POST',
    path: '/v1/images/generations',
    tag: 'Inference',
    summary: 'Generate images',
    description:
      'Billed per image at the offer’s price for the size and quality tier. Streaming is not served; unknown fields are refused.',
    auth: 'apiKey',
    body: imagesBody,
    exampleModel: 'image',
    example: { model: 'resale/gpt-image-1', prompt: 'A lighthouse at dawn', size: '1024x1024' },
    answer: imagesAnswer,
  },
  {
    method: 'GET',
    path: '/v1/models',
    tag: 'Models and quotes',
    summary: 'List the models this key may use',
    description:
      'Every model in every lane the key may use, with per-lane prices per 1M tokens; an unpublished price reads "quote on request".',
    auth: 'apiKey',
    answer: modelList,
  },
  {
    method: 'GET',
    path: '/v1/models/{model}',
    tag: 'Models and quotes',
    summary: 'Get one model',
    auth: 'apiKey',
    pathParameters: {
      model: 'The model ID with its lane; its slashes stay as they are, e.g. `cheap/gpt-4o-mini`.',
    },
    answer: modelEntry,
  },
  {
    method: 'POST',
    path: '/v1/quote',
    tag: 'Models and quotes',
    summary: 'Quote a request in every lane',
    description:
      'Send the body you would send to chat completions (or image generations): the answer says, per lane, whether the model is available for this key and why not, the first offer, and the estimated input, maximum output and maximum total cost. No upstream is called, nothing is billed.',
    auth: 'apiKey',
    body: quoteBody,
    exampleModel: 'text',
    example: chatExample,
    answer: quoteAnswer,
  },
  {
    method: 'POST',
    path: '/api/v1/quote',
    tag: 'Models and quotes',
    summary: 'Quote a request in every lane (management path)',
    description: 'The same as `POST /v1/quote`.',
    auth: 'apiKey',
    body: quoteBody,
    exampleModel: 'text',
    example: chatExample,
    answer: quoteAnswer,
  },
  {
    method: 'GET',
    path: '/healthz',
    tag: 'Service',
    summary: 'Liveness',
    auth: 'public',
    answer: healthAnswer,
  },
  {
    method: 'GET',
    path: '/readyz',
    tag: 'Service',
    summary: 'Readiness',
    description: 'Ready when storage answers; `degraded` lists what runs in a reduced mode.',
    auth: 'public',
    answer: healthAnswer,
  },
  {
    method: 'GET',
    path: '/metrics',
    tag: 'Service',
    summary: 'Prometheus metrics',
    description: 'Behind the admin token when one is configured: the numbers are business data.',
    auth: 'adminTokenWhenSet',
    content: [{ mediaType: 'text/plain; version=0.0.4', description: 'Prometheus text exposition.' }],
  },
  {
    method: 'POST',
    path: '/api/v1/payments/stripe/webhook',
    tag: 'Service',
    summary: 'Stripe webhook',
    description:
      'For Stripe only: checkout and charge events, checked against the `Stripe-Signature` of the exact body.',
    auth: 'stripe',
    answerDescription: 'Acknowledged.',
  },
  {
    method: 'GET',
    path: '/openapi.json',
    tag: 'Service',
    summary: 'This API description (OpenAPI 3.1)',
    description: 'Generated from the server’s route table and zod schemas; cached, with an ETag.',
    auth: 'public',
    answerDescription: 'An OpenAPI 3.1 document.',
  },
]
