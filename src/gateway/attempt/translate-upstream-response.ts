/**
 * Puts a translating adapter's answer into OpenAI's format before anything else reads it, so
 * billing, the prompt cache, the stream relay and the JSON delivery only ever see OpenAI's
 * wire format. Streams are translated event by event as bytes arrive (never buffered whole);
 * a JSON answer is read (bounded), converted and re-serialized.
 *
 * @module
 */
import { GatewayError } from '../../errors/gateway-error.ts'
import type { ResponseTranslation, UpstreamResponse } from '../../providers/provider-adapter.ts'
import { createSseDecoder } from '../../streaming/sse-decoder.ts'
import { readAll } from '../deliver/deliver-json-answer.ts'

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

function encode(datas: string[]): Buffer | undefined {
  if (datas.length === 0) return undefined
  let text = ''
  for (const data of datas) text += `data: ${data}\n\n`
  return Buffer.from(text)
}

async function* translateStream(body: AsyncIterable<Uint8Array>, translation: ResponseTranslation) {
  const decoder = createSseDecoder()
  const translator = translation.stream()
  for await (const chunk of body) {
    const datas: string[] = []
    for (const event of decoder.push(chunk)) datas.push(...translator.push(event))
    const out = encode(datas)
    if (out !== undefined) yield out
  }
  const datas: string[] = []
  for (const event of decoder.end()) datas.push(...translator.push(event))
  datas.push(...translator.end())
  const out = encode(datas)
  if (out !== undefined) yield out
}

async function* translateJson(
  body: AsyncIterable<Uint8Array>,
  translation: ResponseTranslation,
  provider: string,
) {
  const bytes = await readAll(body, MAX_RESPONSE_BYTES)
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new GatewayError('upstream_invalid_response', 'The upstream answer was not valid JSON.', {
      provider,
    })
  }
  const completion = translation.response(parsed)
  if (completion === undefined)
    throw new GatewayError('upstream_invalid_response', 'The upstream answer was not a valid answer.', {
      provider,
    })
  yield Buffer.from(JSON.stringify(completion))
}

/** The response with its body in OpenAI's format (error answers are left as they are). */
export function translateUpstreamResponse(
  response: UpstreamResponse,
  translation: ResponseTranslation,
  stream: boolean,
  provider: string,
): UpstreamResponse {
  if (response.status < 200 || response.status >= 300) return response
  return {
    status: response.status,
    headers: response.headers,
    body: stream
      ? translateStream(response.body, translation)
      : translateJson(response.body, translation, provider),
    discard: response.discard,
  }
}
