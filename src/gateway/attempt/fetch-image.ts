/**
 * Fetches an image a client gave as a URL, for upstreams that only take bytes, without letting
 * a client reach what the gateway can reach (SSRF):
 * - `http:` and `https:` only;
 * - every address the host resolves to must be public (loopback, private, link-local, CGNAT,
 *   multicast, documentation and reserved ranges refused, IPv4-mapped IPv6 included), unless
 *   the host is on the operator's `upstream.image_fetch.allow_hosts`;
 * - the check runs in the socket's own DNS lookup, so the address checked is the address
 *   connected to (no rebinding between check and connect), and again on every redirect;
 * - size, time and redirect limits; the content type must be an image.
 *
 * @module
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import type { ImageFetchConfig } from '../../config/config.ts'
import { GatewayError } from '../../errors/gateway-error.ts'
import { isPublicAddress } from '../../net/public-address.ts'

export { isPublicAddress } from '../../net/public-address.ts'

const IMAGE_TYPES = /^image\/(png|jpeg|jpg|gif|webp|heic|heif|bmp|tiff)$/

function refused(param: string, reason: string): GatewayError {
  return new GatewayError('image_fetch_failed', `The image at '${param}' could not be used: ${reason}.`, {
    param,
  })
}

class PrivateAddressError extends Error {}

/** A DNS lookup that fails for non-public addresses (the socket connects to what it returns). */
function publicOnlyLookup(allowed: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as LookupAddress[]
      if (!allowed && list.some((entry) => !isPublicAddress(entry.address)))
        return callback(new PrivateAddressError(hostname), '', 0)
      if (options.all) return callback(null, list)
      const first = list[0]
      if (first === undefined) return callback(new Error(`no address for ${hostname}`), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

function get(url: URL, config: ImageFetchConfig, signal: AbortSignal): Promise<IncomingMessage> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const allowed = config.allowHosts.includes(hostname)
  // An IP literal skips DNS: check it here.
  if (isIP(hostname) !== 0 && !allowed && !isPublicAddress(hostname))
    return Promise.reject(new PrivateAddressError(hostname))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'GET',
      headers: { accept: 'image/*', 'user-agent': 'OneKey-image-fetch' },
      lookup: publicOnlyLookup(allowed),
      signal,
    })
    request.on('response', resolve)
    request.on('error', reject)
    request.end()
  })
}

/**
 * Fetches `rawUrl` within the limits and returns it as a data URL.
 * @throws GatewayError `image_fetch_failed` (400) naming `param`
 */
export async function fetchImageAsDataUrl(
  rawUrl: string,
  param: string,
  config: ImageFetchConfig,
): Promise<string> {
  const signal = AbortSignal.timeout(config.timeoutMs)
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw refused(param, 'the URL is not valid')
  }
  try {
    for (let redirects = 0; ; redirects++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw refused(param, 'only http and https URLs are fetched')
      if (url.username !== '' || url.password !== '')
        throw refused(param, 'URLs with credentials are not fetched')
      const response = await get(url, config, signal)
      const status = response.statusCode ?? 0
      if (status >= 300 && status < 400 && response.headers.location !== undefined) {
        response.resume()
        if (redirects >= config.maxRedirects) throw refused(param, 'too many redirects')
        url = new URL(response.headers.location, url)
        continue
      }
      if (status !== 200) {
        response.resume()
        throw refused(param, `the image server answered HTTP ${status}`)
      }
      const contentType = String(response.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase()
      if (!IMAGE_TYPES.test(contentType)) {
        response.resume()
        throw refused(param, `it is not an image (content type "${contentType.slice(0, 60)}")`)
      }
      const declared = Number(response.headers['content-length'])
      if (Number.isFinite(declared) && declared > config.maxBytes) {
        response.destroy()
        throw refused(param, `it is larger than ${config.maxBytes} bytes`)
      }
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of response) {
        size += (chunk as Buffer).byteLength
        if (size > config.maxBytes) {
          response.destroy()
          throw refused(param, `it is larger than ${config.maxBytes} bytes`)
        }
        chunks.push(chunk as Buffer)
      }
      return `data:${contentType};base64,${Buffer.concat(chunks, size).toString('base64')}`
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error
    if (
      error instanceof PrivateAddressError ||
      (error as { cause?: unknown }).cause instanceof PrivateAddressError
    )
      throw refused(param, 'it is on a private or reserved network address')
    if (signal.aborted) throw refused(param, `fetching it took longer than ${config.timeoutMs} ms`)
    throw refused(param, 'it could not be fetched')
  }
}
