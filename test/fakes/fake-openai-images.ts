/**
 * A strict fake of OpenAI's image generation API (`POST /v1/images/generations`) on
 * 127.0.0.1:0: it answers in OpenAI's wire format (`created`, `data[]` of `url` or `b64_json`,
 * `revised_prompt` for dall-e-3, `usage` for the GPT image models) and refuses what the real API
 * refuses for the parameters the tests use: unknown fields, `n` above a model's limit (1 for
 * dall-e-3), sizes and qualities a model does not have, `response_format` on GPT image models,
 * GPT-image-only fields on DALL·E models, a missing bearer key. Every request is recorded.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/images/create
 */
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A 1×1 transparent PNG, base64. */
export const FAKE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

interface ModelRules {
  maxN: number
  sizes: readonly string[]
  qualities: readonly string[]
  responseFormat: boolean
  gptImage: boolean
}

const GPT_IMAGE: ModelRules = {
  maxN: 10,
  sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'],
  qualities: ['low', 'medium', 'high', 'auto'],
  responseFormat: false,
  gptImage: true,
}
const MODELS: Record<string, ModelRules> = {
  'dall-e-2': {
    maxN: 10,
    sizes: ['256x256', '512x512', '1024x1024'],
    qualities: ['standard'],
    responseFormat: true,
    gptImage: false,
  },
  'dall-e-3': {
    maxN: 1,
    sizes: ['1024x1024', '1792x1024', '1024x1792'],
    qualities: ['standard', 'hd'],
    responseFormat: true,
    gptImage: false,
  },
  'gpt-image-1': GPT_IMAGE,
}
const COMMON = ['model', 'prompt', 'n', 'size', 'quality', 'user']
const DALLE_ONLY = ['response_format', 'style']
const GPT_IMAGE_ONLY = ['background', 'output_format', 'output_compression', 'moderation']

export interface ImagesCall {
  path: string
  headers: IncomingHttpHeaders
  json: Record<string, unknown>
}

export interface FakeOpenAIImages {
  url: string
  baseUrl: string
  calls: ImagesCall[]
  /** The next `times` calls answer `status` with OpenAI's error envelope. */
  failNext(status: number, times?: number): void
  /** When set, every answer carries this many images (whatever `n` asked). */
  imagesReturned: number | undefined
  reset(): void
  close(): Promise<void>
}

function openAIError(message: string, param: string | null, code: string | null) {
  return { error: { message, type: 'invalid_request_error', param, code } }
}

/** The error the real API gives for the first thing wrong with `body`, or undefined. */
function refusal(body: Record<string, unknown>): ReturnType<typeof openAIError> | undefined {
  const rules = MODELS[String(body.model)]
  if (rules === undefined)
    return openAIError(`The model '${String(body.model)}' does not exist.`, 'model', 'model_not_found')
  if (typeof body.prompt !== 'string' || body.prompt === '')
    return openAIError("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter')
  const allowed = [...COMMON, ...(rules.gptImage ? GPT_IMAGE_ONLY : DALLE_ONLY)]
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field))
      return openAIError(`Unknown parameter: '${field}'.`, field, 'unknown_parameter')
  }
  const n = body.n ?? 1
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > rules.maxN)
    return openAIError(
      rules.maxN === 1
        ? "Invalid 'n': this model supports only n=1."
        : `Invalid 'n': expected 1 to ${rules.maxN}.`,
      'n',
      'invalid_value',
    )
  if (body.size !== undefined && !rules.sizes.includes(String(body.size)))
    return openAIError(
      `Invalid value: '${String(body.size)}'. Supported values are: ${rules.sizes.join(', ')}.`,
      'size',
      'invalid_value',
    )
  if (body.quality !== undefined && !rules.qualities.includes(String(body.quality)))
    return openAIError(`Invalid value: '${String(body.quality)}'.`, 'quality', 'invalid_value')
  if (body.response_format !== undefined && !['url', 'b64_json'].includes(String(body.response_format)))
    return openAIError(
      `Invalid value: '${String(body.response_format)}'.`,
      'response_format',
      'invalid_value',
    )
  return undefined
}

export async function startFakeOpenAIImages(): Promise<FakeOpenAIImages> {
  const calls: ImagesCall[] = []
  const failures: number[] = []
  const fake: FakeOpenAIImages = {
    url: '',
    baseUrl: '',
    calls,
    imagesReturned: undefined,
    failNext(status, times = 1) {
      for (let index = 0; index < times; index++) failures.push(status)
    },
    reset() {
      calls.length = 0
      failures.length = 0
      fake.imagesReturned = undefined
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    let json: Record<string, unknown>
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      send(400, openAIError('We could not parse the JSON body of your request.', null, null))
      return
    }
    calls.push({ path: request.url ?? '', headers: request.headers, json })
    if (request.method !== 'POST' || request.url !== '/v1/images/generations') {
      send(404, openAIError(`Invalid URL (${request.method} ${request.url})`, null, null))
      return
    }
    if (!/^Bearer \S+$/.test(request.headers.authorization ?? '')) {
      send(401, {
        error: {
          message: "You didn't provide an API key.",
          type: 'invalid_request_error',
          param: null,
          code: null,
        },
      })
      return
    }
    const status = failures.shift()
    if (status !== undefined) {
      send(status, {
        error: {
          message: 'The server had an error while processing your request.',
          type: 'server_error',
          param: null,
          code: null,
        },
      })
      return
    }
    const refused = refusal(json)
    if (refused !== undefined) {
      send(400, refused)
      return
    }
    const rules = MODELS[String(json.model)]!
    const count = fake.imagesReturned ?? (json.n as number | undefined) ?? 1
    const asUrl = !rules.gptImage && json.response_format !== 'b64_json'
    const data = Array.from({ length: count }, (_, index) => ({
      ...(asUrl
        ? { url: `https://images.example.test/generated/${calls.length}-${index}.png?sig=abc` }
        : { b64_json: FAKE_PNG_BASE64 }),
      ...(json.model === 'dall-e-3'
        ? { revised_prompt: `A detailed rendering of: ${String(json.prompt)}` }
        : {}),
    }))
    send(200, {
      created: 1_790_000_000,
      data,
      ...(rules.gptImage
        ? {
            background: 'opaque',
            output_format: 'png',
            quality: json.quality === undefined || json.quality === 'auto' ? 'medium' : json.quality,
            size: json.size === undefined || json.size === 'auto' ? '1024x1024' : json.size,
            usage: {
              input_tokens: 12,
              input_tokens_details: { text_tokens: 12, image_tokens: 0 },
              output_tokens: 1056 * count,
              total_tokens: 12 + 1056 * count,
            },
          }
        : {}),
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  fake.url = `http://127.0.0.1:${port}`
  fake.baseUrl = `${fake.url}/v1`
  return fake
}
