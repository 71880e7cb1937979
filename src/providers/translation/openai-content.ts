/**
 * Reads OpenAI chat message content (a string or an array of parts) into a provider-neutral
 * list of text and image parts, for adapters that translate to another wire format.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
import { GatewayError } from '../../errors/gateway-error.ts'

/** Where an image's bytes are: a URL the upstream may fetch, or inline base64. */
export type ImageSource = { kind: 'url'; url: string } | { kind: 'base64'; mediaType: string; data: string }

export type ContentPart =
  | { kind: 'text'; text: string }
  | { kind: 'image'; source: ImageSource }
  /** A file given inline (`file.file_data` as a data URL), e.g. a PDF. */
  | { kind: 'file'; mediaType: string; data: string; filename: string | undefined }
  /** Audio given inline (`input_audio`): base64 data and its format (`wav`, `mp3`). */
  | { kind: 'audio'; format: string; data: string }

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)(?:;[a-z0-9-]+=[^;,]*)*;base64,/i

/** `data:<type>;base64,<data>` → its media type and base64 text; undefined for other URLs. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const match = DATA_URL.exec(url)
  if (match === null) return undefined
  return { mediaType: match[1]!.toLowerCase(), data: url.slice(match[0].length) }
}

function unsupported(param: string, what: string, provider: string): GatewayError {
  return new GatewayError(
    'unsupported_parameter',
    `${what} is not supported by the \`${provider}\` upstream.`,
    {
      param,
    },
  )
}

/**
 * The parts of one message's content. `null`/absent content is no parts. Text, `image_url`,
 * inline `file` (data URL) and `input_audio` parts are read; a file by `file_id` (OpenAI's own
 * storage) and unknown part types are refused with a 400 naming the part. Adapters refuse the
 * kinds their upstream cannot take.
 */
export function readContentParts(content: unknown, param: string, provider: string): ContentPart[] {
  if (content === undefined || content === null) return []
  if (typeof content === 'string') return content === '' ? [] : [{ kind: 'text', text: content }]
  if (!Array.isArray(content)) {
    throw new GatewayError(
      'invalid_parameter',
      `Invalid type for '${param}': expected a string or an array.`,
      {
        param,
      },
    )
  }
  const parts: ContentPart[] = []
  content.forEach((part: unknown, index) => {
    const partParam = `${param}[${index}]`
    if (part === null || typeof part !== 'object') {
      throw new GatewayError('invalid_parameter', `Invalid type for '${partParam}': expected an object.`, {
        param: partParam,
      })
    }
    const typed = part as { type?: unknown; text?: unknown; image_url?: unknown; refusal?: unknown }
    if (typed.type === 'text' && typeof typed.text === 'string') {
      parts.push({ kind: 'text', text: typed.text })
    } else if (typed.type === 'refusal' && typeof typed.refusal === 'string') {
      parts.push({ kind: 'text', text: typed.refusal })
    } else if (typed.type === 'image_url') {
      const imageUrl = typed.image_url
      const url =
        typeof imageUrl === 'string'
          ? imageUrl
          : imageUrl !== null &&
              typeof imageUrl === 'object' &&
              typeof (imageUrl as { url?: unknown }).url === 'string'
            ? (imageUrl as { url: string }).url
            : undefined
      if (url === undefined) {
        throw new GatewayError('invalid_parameter', `Missing '${partParam}.image_url.url'.`, {
          param: `${partParam}.image_url.url`,
        })
      }
      const inline = parseDataUrl(url)
      parts.push({
        kind: 'image',
        source: inline === undefined ? { kind: 'url', url } : { kind: 'base64', ...inline },
      })
    } else if (typed.type === 'file') {
      const file = (part as { file?: { file_data?: unknown; file_id?: unknown; filename?: unknown } }).file
      const inline = typeof file?.file_data === 'string' ? parseDataUrl(file.file_data) : undefined
      if (inline === undefined)
        throw unsupported(
          partParam,
          'A file by `file_id` (or without a base64 data URL in `file_data`)',
          provider,
        )
      parts.push({
        kind: 'file',
        mediaType: inline.mediaType,
        data: inline.data,
        filename: typeof file?.filename === 'string' ? file.filename : undefined,
      })
    } else if (typed.type === 'input_audio') {
      const audio = (part as { input_audio?: { data?: unknown; format?: unknown } }).input_audio
      if (typeof audio?.data !== 'string' || typeof audio.format !== 'string') {
        throw new GatewayError(
          'invalid_parameter',
          `Invalid '${partParam}.input_audio': expected data and format.`,
          {
            param: `${partParam}.input_audio`,
          },
        )
      }
      parts.push({ kind: 'audio', format: audio.format, data: audio.data })
    } else {
      throw unsupported(partParam, `Content part type \`${String(typed.type)}\``, provider)
    }
  })
  return parts
}

/** The text of a content value, parts joined (non-text parts refused). */
export function readContentText(content: unknown, param: string, provider: string): string {
  return readContentParts(content, param, provider)
    .map((part) => {
      if (part.kind !== 'text') throw unsupported(param, `A ${part.kind} part in this message`, provider)
      return part.text
    })
    .join('')
}

/** Tool call arguments (a JSON string in OpenAI's format) as an object, or a 400 naming the field. */
export function parseToolArguments(text: unknown, param: string): Record<string, unknown> {
  if (typeof text !== 'string' || text.trim() === '') return {}
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>
  } catch {}
  throw new GatewayError('invalid_parameter', `Invalid '${param}': expected a JSON object as a string.`, {
    param,
  })
}
