/**
 * Reads a request body up to a size limit and parses it as a JSON object. Oversize bodies are
 * refused from `content-length` before reading when possible, else as soon as the limit is
 * crossed. Bodies nesting arrays and objects deeper than {@link MAX_JSON_NESTING} levels are
 * refused before parsing (see `json-nesting.ts`): nothing downstream then has to walk a deep
 * value.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import { jsonTextNestsDeeperThan, MAX_JSON_NESTING, nestingTooDeep } from '../contracts/json-nesting.ts'
import { GatewayError } from '../errors/gateway-error.ts'

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError('request_too_large', `The request body exceeds the limit of ${limitBytes} bytes.`)
}

const clientLeft = () => new Error('The client closed the connection before the whole body arrived.')

/**
 * The whole body as one buffer. Plain listeners, not `for await`: the async iterator allocates an
 * end-of-stream tracker and promises per request that outlive a young-generation collection.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes))
  // The client may have left while the caller awaited something else: no event would come.
  if (request.destroyed) return Promise.reject(clientLeft())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const stop = () => {
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onError)
      request.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) {
        stop()
        request.pause()
        reject(tooLarge(limitBytes))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      stop()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = (error: Error) => {
      stop()
      reject(error)
    }
    const onClose = () => {
      stop()
      reject(clientLeft())
    }
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('error', onError)
    request.on('close', onClose)
  })
}

/**
 * The body as a JSON object: 400 `invalid_body` when empty or not an object, `nesting_too_deep`
 * past {@link MAX_JSON_NESTING} levels, `invalid_json` when it does not parse; 413 when too large.
 */
export async function readJsonObject(
  request: IncomingMessage,
  limitBytes: number,
): Promise<Record<string, unknown>> {
  const body = await readBody(request, limitBytes)
  if (body.length === 0)
    throw new GatewayError('invalid_body', 'The request body is empty; send a JSON object.')
  const text = body.toString('utf8')
  if (jsonTextNestsDeeperThan(text, MAX_JSON_NESTING)) throw nestingTooDeep()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new GatewayError('invalid_json', `The request body is not valid JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError('invalid_body', 'The request body must be a JSON object.')
  }
  return parsed as Record<string, unknown>
}
