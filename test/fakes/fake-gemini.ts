/**
 * A fake Gemini API (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
 * `:batchEmbedContents`) on 127.0.0.1 that checks requests as strictly as the real one
 * (unknown fields rejected, roles `user`/`model` only, one data field per part, every
 * `functionCall` answered by a `functionResponse` in the next turn, key in `x-goog-api-key`).
 * Streams use CRLF framing and cumulative `usageMetadata`, as Gemini does. Image models (a name
 * with `-image`) answer `responseModalities: ['TEXT', 'IMAGE']` with a text part and a base64
 * `inlineData` PNG, refuse `candidateCount` > 1, and block prompts containing `forbidden`
 * (`finishReason: IMAGE_SAFETY`, no content) or `prohibited` (`promptFeedback.blockReason`).
 *
 * @module
 * @see https://ai.google.dev/api/generate-content
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { countTokens, think, wordsOf } from './fake-brain.ts'
import { check, type FakeProviderServer, Invalid, listenOnLoopback } from './fake-provider-server.ts'

type Json = Record<string, unknown>

const REQUEST_FIELDS = new Set([
  'contents',
  'systemInstruction',
  'tools',
  'toolConfig',
  'generationConfig',
  'safetySettings',
  'cachedContent',
])
const GENERATION_FIELDS = new Set([
  'maxOutputTokens',
  'stopSequences',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'candidateCount',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
  'responseModalities',
])
const PART_FIELDS = new Set([
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'thought',
  'thoughtSignature',
])

function unknownName(field: string, where: string): string {
  return `Invalid JSON payload received. Unknown name "${field}" at '${where}': Cannot find field.`
}

function checkParts(parts: unknown, where: string): Json[] {
  check(Array.isArray(parts) && parts.length > 0, `${where}.parts: must not be empty`)
  return parts.map((part: Json, index) => {
    const keys = Object.keys(part)
    for (const key of keys) check(PART_FIELDS.has(key), unknownName(key, `${where}.parts[${index}]`))
    const data = keys.filter((key) => key !== 'thought' && key !== 'thoughtSignature')
    check(data.length === 1, `${where}.parts[${index}]: exactly one data field is required`)
    if (part.inlineData !== undefined) {
      const inline = part.inlineData as Json
      check(
        typeof inline.mimeType === 'string' && typeof inline.data === 'string',
        `${where}.parts[${index}].inlineData: mimeType and data required`,
      )
      check(!String(inline.data).startsWith('data:'), `${where}.parts[${index}].inlineData.data: base64 only`)
    }
    return part
  })
}

function validate(body: Json, headers: IncomingHttpHeaders) {
  check(
    typeof headers['x-goog-api-key'] === 'string' && headers['x-goog-api-key'] !== '',
    'API key not valid. Please pass a valid API key.',
  )
  check(headers.authorization === undefined, 'authorization header: OAuth is not used with API keys')
  for (const key of Object.keys(body))
    check(REQUEST_FIELDS.has(key), unknownName(key, 'GenerateContentRequest'))
  if (body.generationConfig !== undefined)
    for (const key of Object.keys(body.generationConfig as Json))
      check(GENERATION_FIELDS.has(key), unknownName(key, 'generation_config'))
  if (body.systemInstruction !== undefined)
    checkParts((body.systemInstruction as Json).parts, 'system_instruction')
  const toolNames: string[] = []
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    for (const key of Object.keys(tool)) check(key === 'functionDeclarations', unknownName(key, 'tools[0]'))
    for (const declaration of tool.functionDeclarations as Json[]) {
      for (const key of Object.keys(declaration))
        check(
          ['name', 'description', 'parameters', 'parametersJsonSchema'].includes(key),
          unknownName(key, 'function_declarations[0]'),
        )
      toolNames.push(String(declaration.name))
    }
  }
  const contents = body.contents
  check(Array.isArray(contents) && contents.length > 0, 'contents is not specified')
  let pendingCalls: string[] = []
  let lastUserText = ''
  let toolResult: string | undefined
  for (const [index, content] of (contents as Json[]).entries()) {
    for (const key of Object.keys(content))
      check(key === 'role' || key === 'parts', unknownName(key, `contents[${index}]`))
    check(content.role === 'user' || content.role === 'model', `Please use a valid role: user, model.`)
    const parts = checkParts(content.parts, `contents[${index}]`)
    if (content.role === 'model') {
      check(
        pendingCalls.length === 0,
        'Please ensure that function call turn comes immediately after a user turn or after a function response turn.',
      )
      pendingCalls = parts
        .filter((part) => part.functionCall !== undefined)
        .map((part) => String((part.functionCall as Json).name))
      continue
    }
    const responses = parts
      .filter((part) => part.functionResponse !== undefined)
      .map((part) => part.functionResponse as Json)
    check(
      responses.length === pendingCalls.length,
      'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.',
    )
    for (const response of responses) {
      check(
        pendingCalls.includes(String(response.name)),
        `functionResponse.name ${String(response.name)} answers no call`,
      )
      check(
        typeof response.response === 'object' &&
          response.response !== null &&
          !Array.isArray(response.response),
        'functionResponse.response: must be an object',
      )
    }
    pendingCalls = []
    lastUserText = parts
      .filter((part) => typeof part.text === 'string')
      .map((part) => part.text)
      .join(' ')
    toolResult =
      responses.length === 0
        ? undefined
        : responses.map((response) => JSON.stringify(response.response)).join('; ')
  }
  return { lastUserText, toolResult, toolNames }
}

/** Deterministic vector values that are not exact in float32, to prove conversions are exact. */
export function fakeEmbedding(text: string, dimensions = 8): number[] {
  const values: number[] = []
  let seed = 0
  for (const character of text) seed = (seed * 31 + (character.codePointAt(0) ?? 0)) % 1_000_003
  for (let index = 0; index < dimensions; index++) values.push(Math.sin(seed + index) / 3)
  return values
}

/** The image every fake Gemini image model draws (a 1×1 PNG), base64 as `inlineData.data`. */
export const FAKE_GEMINI_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
/** Gemini bills an output image of up to 1024×1024 as 1290 tokens. */
export const FAKE_GEMINI_IMAGE_TOKENS = 1290

/** Checks `responseModalities` against the model; the image answer when one is asked for. */
function imageAnswer(model: string, body: Json, prompt: string): { status: number; json: Json } | undefined {
  const config = (body.generationConfig as Json | undefined) ?? {}
  const modalities = config.responseModalities as unknown[] | undefined
  const isImageModel = model.includes('-image')
  if (modalities !== undefined) {
    check(
      Array.isArray(modalities) &&
        modalities.every((modality) => modality === 'TEXT' || modality === 'IMAGE'),
      'generation_config.response_modalities: invalid value',
    )
    check(
      isImageModel || !modalities.includes('IMAGE'),
      'Model does not support the requested response modalities: image',
    )
  }
  if (!isImageModel) return undefined
  check(
    config.candidateCount === undefined || config.candidateCount === 1,
    `Multiple candidates is not enabled for models/${model}`,
  )
  const promptTokenCount = countTokens(JSON.stringify(body.contents))
  if (prompt.includes('prohibited'))
    return {
      status: 200,
      json: {
        promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
        usageMetadata: { promptTokenCount, totalTokenCount: promptTokenCount },
        modelVersion: model,
      },
    }
  if (prompt.includes('forbidden'))
    return {
      status: 200,
      json: {
        candidates: [{ finishReason: 'IMAGE_SAFETY', index: 0 }],
        usageMetadata: { promptTokenCount, totalTokenCount: promptTokenCount },
        modelVersion: model,
      },
    }
  const parts: Json[] = [{ inlineData: { mimeType: 'image/png', data: FAKE_GEMINI_PNG_BASE64 } }]
  if (modalities?.includes('TEXT') === true) parts.unshift({ text: 'Here is the image you asked for.' })
  const candidatesTokenCount = FAKE_GEMINI_IMAGE_TOKENS + (parts.length - 1) * 8
  return {
    status: 200,
    json: {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount,
        candidatesTokenCount,
        totalTokenCount: promptTokenCount + candidatesTokenCount,
      },
      modelVersion: model,
      responseId: `fakeImage${promptTokenCount}`,
    },
  }
}

/** The thinking tokens the fake reports for a request with a thinking budget (at most the budget). */
export const FAKE_THOUGHT_TOKENS = 400

export async function startFakeGemini(): Promise<FakeProviderServer> {
  const calls: FakeProviderServer['calls'] = []
  const rejections: string[] = []
  let counter = 0
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json
    calls.push({ path: request.url ?? '', headers: request.headers, body })
    const fail = (status: number, message: string, statusText: string) => {
      rejections.push(message)
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
      response.end(JSON.stringify({ error: { code: status, message, status: statusText } }))
    }
    const match =
      /^\/v1beta\/models\/([^:/]+):(generateContent|streamGenerateContent\?alt=sse|batchEmbedContents)$/.exec(
        request.url ?? '',
      )
    if (request.method !== 'POST' || match === null)
      return fail(404, `Not found: ${request.url}`, 'NOT_FOUND')
    const [, model, method] = match
    if (request.headers['x-goog-api-key'] === 'AIza-rejected')
      return fail(
        400,
        'API key not valid. Please pass a valid API key. [reason: API_KEY_INVALID]',
        'INVALID_ARGUMENT',
      )
    if (method === 'batchEmbedContents') {
      const requests = body.requests as Json[]
      if (!Array.isArray(requests) || Object.keys(body).length !== 1)
        return fail(
          400,
          unknownName(Object.keys(body)[0] ?? '', 'BatchEmbedContentsRequest'),
          'INVALID_ARGUMENT',
        )
      for (const item of requests) {
        if (item.model !== `models/${model}`)
          return fail(400, 'requests[].model must match the URL', 'INVALID_ARGUMENT')
        for (const key of Object.keys(item))
          if (!['model', 'content', 'taskType', 'title', 'outputDimensionality'].includes(key))
            return fail(400, unknownName(key, 'EmbedContentRequest'), 'INVALID_ARGUMENT')
      }
      response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' })
      response.end(
        JSON.stringify({
          embeddings: requests.map((item) => ({
            values: fakeEmbedding(
              ((item.content as Json).parts as Json[]).map((part) => part.text).join(''),
              (item.outputDimensionality as number) ?? 8,
            ),
          })),
        }),
      )
      return
    }
    let understood: ReturnType<typeof validate>
    try {
      understood = validate(body, request.headers)
      const image = imageAnswer(String(model), body, understood.lastUserText)
      if (image !== undefined) {
        check(method === 'generateContent', 'the fake streams no images')
        response.writeHead(image.status, { 'content-type': 'application/json; charset=UTF-8' })
        response.end(JSON.stringify(image.json))
        return
      }
    } catch (error) {
      if (!(error instanceof Invalid)) throw error
      return fail(400, error.message, 'INVALID_ARGUMENT')
    }
    const answer = think(understood.lastUserText, understood.toolResult, understood.toolNames)
    const responseId = `fakeResponse${++counter}`
    const promptTokenCount = countTokens(JSON.stringify(body.contents))
    const maxTokens =
      ((body.generationConfig as Json | undefined)?.maxOutputTokens as number | undefined) ??
      Number.POSITIVE_INFINITY
    let words = answer.kind === 'text' ? wordsOf(answer.text) : []
    let finishReason = 'STOP'
    if (words.length > maxTokens) {
      words = words.slice(0, maxTokens)
      finishReason = 'MAX_TOKENS'
    }
    const candidatesTokenCount = answer.kind === 'tool' ? 7 : words.length
    // With a thinking budget the model thinks first: up to FAKE_THOUGHT_TOKENS, reported apart.
    const budget = ((body.generationConfig as Json | undefined)?.thinkingConfig as Json | undefined)
      ?.thinkingBudget as number | undefined
    const thoughts = budget === undefined ? 0 : Math.min(budget, FAKE_THOUGHT_TOKENS)
    const usage = (candidates: number) => ({
      promptTokenCount,
      candidatesTokenCount: candidates,
      ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
      totalTokenCount: promptTokenCount + candidates + thoughts,
    })
    const callPart =
      answer.kind === 'tool' ? { functionCall: { name: answer.name, args: answer.args } } : undefined
    const frame = (parts: Json[], finish: string | undefined, candidates: number) => ({
      candidates: [
        { content: { parts, role: 'model' }, ...(finish ? { finishReason: finish } : {}), index: 0 },
      ],
      usageMetadata: usage(candidates),
      modelVersion: model,
      responseId,
    })
    if (method === 'generateContent') {
      response.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' })
      response.end(
        JSON.stringify(
          frame(callPart ? [callPart] : [{ text: words.join('') }], finishReason, candidatesTokenCount),
        ),
      )
      return
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    if (callPart !== undefined) {
      response.end(`data: ${JSON.stringify(frame([callPart], finishReason, candidatesTokenCount))}\r\n\r\n`)
      return
    }
    // Two words per event; the last event carries the finish reason; usage is cumulative.
    let sent = 0
    for (let index = 0; index < words.length; index += 2) {
      const piece = words.slice(index, index + 2)
      sent += piece.length
      const last = index + 2 >= words.length
      response.write(
        `data: ${JSON.stringify(frame([{ text: piece.join('') }], last ? finishReason : undefined, sent))}\r\n\r\n`,
      )
    }
    response.end()
  })
  return { ...(await listenOnLoopback(server)), calls, rejections }
}
