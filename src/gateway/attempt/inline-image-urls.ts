/**
 * For upstreams that need image bytes (`capabilities.inlineImages`): replaces every http(s)
 * `image_url` in the messages with a data URL fetched safely (fetch-image.ts). Images already
 * given as data URLs are left as they are; each URL is fetched once per request, however many
 * attempts the request makes.
 *
 * @module
 */
import type { ImageFetchConfig } from '../../config/config.ts'
import type { OpenAIChatCompletionRequest } from '../../contracts/openai-wire.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { fetchImageAsDataUrl } from './fetch-image.ts'

interface ImagePart {
  type: 'image_url'
  image_url: string | { url: string; detail?: string }
}

function remoteUrlOf(part: unknown): string | undefined {
  const typed = part as ImagePart | null
  if (typed === null || typeof typed !== 'object' || typed.type !== 'image_url') return undefined
  const url = typeof typed.image_url === 'string' ? typed.image_url : typed.image_url?.url
  return typeof url === 'string' && /^https?:/i.test(url) ? url : undefined
}

/** Whether any message carries an http(s) image URL. */
export function hasRemoteImages(request: OpenAIChatCompletionRequest): boolean {
  return request.messages.some(
    (message) =>
      Array.isArray(message.content) && message.content.some((part) => remoteUrlOf(part) !== undefined),
  )
}

/** The request with remote images as data URLs (a copy; the original is untouched). */
export async function inlineImageUrls(
  request: OpenAIChatCompletionRequest,
  config: ImageFetchConfig,
  fetched: Map<string, Promise<string>>,
): Promise<OpenAIChatCompletionRequest> {
  let count = 0
  const messages = await Promise.all(
    request.messages.map(async (message, messageIndex) => {
      if (!Array.isArray(message.content)) return message
      const content = await Promise.all(
        message.content.map(async (part: unknown, partIndex) => {
          const url = remoteUrlOf(part)
          if (url === undefined) return part
          const param = `messages[${messageIndex}].content[${partIndex}].image_url`
          if (++count > config.maxImages)
            throw new GatewayError(
              'image_fetch_failed',
              `At most ${config.maxImages} image URLs can be fetched per request.`,
              { param },
            )
          let pending = fetched.get(url)
          if (pending === undefined) {
            pending = fetchImageAsDataUrl(url, param, config)
            pending.catch(() => {})
            fetched.set(url, pending)
          }
          const dataUrl = await pending
          const detail =
            typeof (part as ImagePart).image_url === 'object'
              ? (part as { image_url: { detail?: string } }).image_url.detail
              : undefined
          return {
            type: 'image_url',
            image_url: { url: dataUrl, ...(detail === undefined ? {} : { detail }) },
          }
        }),
      )
      return { ...message, content }
    }),
  )
  return { ...request, messages }
}
