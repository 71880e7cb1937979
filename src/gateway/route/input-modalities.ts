/**
 * What a chat request's content needs from an offer beyond text: images (`image_url` parts),
 * files such as PDFs (`file` parts) and audio (`input_audio` parts). Read once per request as a
 * bit set: a request whose messages all have string content costs one `typeof` per message and
 * allocates nothing. The Responses endpoint is converted to chat first (`input_image` becomes
 * `image_url`, `input_file` becomes `file`); legacy completions and embeddings are text only.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */

/** Input beyond text, as bits of {@link RequestInput.modalities}. */
export const IMAGE_INPUT = 1
export const FILE_INPUT = 2
export const AUDIO_INPUT = 4

/** The catalog's names for the bits (`models[].modalities.input`). */
const NAMES: readonly [bit: number, name: string][] = [
  [IMAGE_INPUT, 'image'],
  [FILE_INPUT, 'file'],
  [AUDIO_INPUT, 'audio'],
]

/** A request with content beyond text: which kinds, and its messages (to name the part in a 400). */
export interface RequestInput {
  /** Bits: {@link IMAGE_INPUT}, {@link FILE_INPUT}, {@link AUDIO_INPUT}; never 0. */
  modalities: number
  messages: readonly unknown[]
}

function partModality(part: unknown): number {
  if (part === null || typeof part !== 'object') return 0
  switch ((part as { type?: unknown }).type) {
    case 'image_url':
      return IMAGE_INPUT
    case 'file':
      return FILE_INPUT
    case 'input_audio':
      return AUDIO_INPUT
    default:
      return 0
  }
}

/** The modality bits of a chat body's `messages` (0: text only; anything but an array: 0). */
export function contentModalities(messages: unknown): number {
  if (!Array.isArray(messages)) return 0
  let bits = 0
  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index]
    if (message === null || typeof message !== 'object') continue
    const content = (message as { content?: unknown }).content
    if (typeof content === 'string' || !Array.isArray(content)) continue
    for (let partIndex = 0; partIndex < content.length; partIndex++) bits |= partModality(content[partIndex])
  }
  return bits
}

/** The bits of a catalog list of modalities (`['text', 'image']` → {@link IMAGE_INPUT}). */
export function modalityBits(names: readonly string[]): number {
  let bits = 0
  for (const [bit, name] of NAMES) if (names.includes(name)) bits |= bit
  return bits
}

/** Whether an input list (an offer's `inputModalities`) takes every modality in `needed`. */
export function takesInput(names: readonly string[], needed: number): boolean {
  return (needed & ~modalityBits(names)) === 0
}

/** The catalog names of the bits, e.g. `file` or `image and audio`. */
export function modalityNames(bits: number): string {
  const names = NAMES.filter(([bit]) => (bits & bit) !== 0).map(([, name]) => name)
  return names.length <= 1 ? (names[0] ?? 'text') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/** The lowest bit of `bits` (one modality to name in an error). */
export function firstModality(bits: number): number {
  return bits & -bits
}

/** Where the first part of one modality is, e.g. `messages[1].content[0]`, and what it holds. */
export function locatePart(
  messages: readonly unknown[],
  bit: number,
): { param: string; detail: string | undefined } | undefined {
  for (let index = 0; index < messages.length; index++) {
    const content = (messages[index] as { content?: unknown } | null)?.content
    if (!Array.isArray(content)) continue
    for (let partIndex = 0; partIndex < content.length; partIndex++) {
      const part: unknown = content[partIndex]
      if (partModality(part) === bit)
        return { param: `messages[${index}].content[${partIndex}]`, detail: describePart(part) }
    }
  }
  return undefined
}

/** A file part's media type from its data URL (`PDF` for `application/pdf`), or the audio format. */
function describePart(part: unknown): string | undefined {
  const { file, input_audio: audio } = part as {
    file?: { file_data?: unknown }
    input_audio?: { format?: unknown }
  }
  if (typeof audio?.format === 'string') return audio.format
  const data = file?.file_data
  if (typeof data !== 'string' || !data.startsWith('data:')) return undefined
  const end = data.indexOf(';')
  const mediaType = data.slice(5, end === -1 ? Math.min(data.length, 80) : Math.min(end, 80))
  return mediaType === 'application/pdf' ? 'PDF' : mediaType || undefined
}
