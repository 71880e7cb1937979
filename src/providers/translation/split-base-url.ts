/**
 * A provider base URL split into the origin the transport connects to and the path prefix of
 * every call, memoized (accounts are few; this runs per request).
 *
 * @module
 */
const cache = new Map<string, { origin: string; basePath: string }>()

export function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  let split = cache.get(baseUrl)
  if (split === undefined) {
    const url = new URL(baseUrl)
    split = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') }
    if (cache.size > 1000) cache.clear()
    cache.set(baseUrl, split)
  }
  return split
}
