/**
 * Which image URLs a client may have an upstream fetch. Anthropic and OpenAI-format providers
 * fetch `image_url` URLs themselves, from their own network, where the gateway cannot check
 * the address: only `https:` URLs (and base64 `data:` URLs, which carry the bytes) go there.
 * `file:`, `gopher:`, `ftp:`, `javascript:`, plain `http:` (the classic route to a cloud
 * metadata service such as `http://169.254.169.254/`), URLs with credentials and anything the
 * WHATWG parser would have to repair are a 400 naming the part, before any upstream call.
 *
 * Images the gateway fetches itself (Gemini, see `src/gateway/attempt/fetch-image.ts`) follow that
 * fetcher's rules instead: `http:` and `https:`, every address checked, the operator's
 * `upstream.image_fetch.allow_hosts` excepted.
 *
 * Lives with the translation helpers because adapters, which never import the gateway, call it.
 *
 * @module
 * @see https://owasp.org/www-community/attacks/Server_Side_Request_Forgery
 */
import { GatewayError } from '../../errors/gateway-error.ts'
import { parseDataUrl } from './openai-content.ts'

function refused(param: string, reason: string): GatewayError {
  return new GatewayError('invalid_parameter', `Invalid image URL at '${param}': ${reason}.`, { param })
}

/** `https://` exactly at the start: no leading blanks, tabs or backslashes for a lenient parser to repair. */
const HTTPS_PREFIX = /^https:\/\/[^/\\]/i

/**
 * Throws a 400 (`invalid_parameter`, naming `param`) unless `url` is a base64 `data:` URL or a
 * well-formed `https:` URL without credentials.
 */
export function checkForwardedImageUrl(url: string, param: string): void {
  if (url.startsWith('data:')) {
    if (parseDataUrl(url) === undefined)
      throw refused(param, 'data URLs must be base64 (data:<type>;base64,…)')
    return
  }
  if (!HTTPS_PREFIX.test(url)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
    throw refused(
      param,
      scheme === undefined
        ? 'expected an https URL or a base64 data URL'
        : `\`${scheme}:\` URLs are not accepted, only https URLs and base64 data URLs`,
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw refused(param, 'the URL is not valid')
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '') throw refused(param, 'the URL is not valid')
  if (parsed.username !== '' || parsed.password !== '')
    throw refused(param, 'URLs with credentials are not accepted')
}

/** The URL of an OpenAI `image_url` content part, or undefined for any other part. */
function imageUrlOf(part: unknown): string | undefined {
  if (part === null || typeof part !== 'object') return undefined
  const typed = part as { type?: unknown; image_url?: unknown }
  if (typed.type !== 'image_url') return undefined
  const imageUrl = typed.image_url
  if (typeof imageUrl === 'string') return imageUrl
  if (imageUrl === null || typeof imageUrl !== 'object') return undefined
  const url = (imageUrl as { url?: unknown }).url
  return typeof url === 'string' ? url : undefined
}

/**
 * Checks every `image_url` part of an OpenAI chat request's messages with
 * {@link checkForwardedImageUrl} (for upstreams that get the body as is). Parts without a
 * string URL are left for the upstream to refuse.
 */
export function checkForwardedImageUrls(messages: readonly { content?: unknown }[]): void {
  for (let messageIndex = 0; messageIndex < messages.length; messageIndex++) {
    const content = messages[messageIndex]?.content
    if (!Array.isArray(content)) continue
    for (let partIndex = 0; partIndex < content.length; partIndex++) {
      const url = imageUrlOf(content[partIndex])
      if (url !== undefined)
        checkForwardedImageUrl(url, `messages[${messageIndex}].content[${partIndex}].image_url`)
    }
  }
}
