/**
 * `GET /docs` and `GET /docs/<slug>`: the docs pages (src/site/docs-pages.ts), public, no
 * sign-in. The Markdown is rendered when the routes are created (a broken doc, an unknown slot
 * or a dead internal link fails the start); each page's HTML is built from it and this
 * deployment's facts and kept until the facts change (a config reload). Pages carry the site's
 * strict CSP and an ETag; an unknown slug gets the docs' HTML 404 page. `/docs/api` is an exact
 * route of its own and wins over the `/docs/` prefix.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { RequestContext } from '../gateway/request-context.ts'
import { docPage, docsIndexPage, docsNotFoundPage, docsPaths, renderedDocs } from '../site/docs-pages.ts'
import type { DocsFacts } from '../site/docs-slots.ts'
import type { Handler } from './app-dependencies.ts'
import { SECURITY_HEADERS } from './console-static.ts'

interface BuiltPage {
  status: number
  body: Buffer
  etag: string
}

export interface DocsRoutes {
  /** `/docs` → its handlers by method. */
  index: Map<string, Handler>
  /** `/docs/` (prefix) → its handlers by method. */
  page: Map<string, Handler>
  /** Every docs page's path, for the sitemap. */
  paths(): string[]
}

/** The docs routes over the deployment's facts (docs-slots.ts `createDocsFactsSource`). */
export function createDocsRoutes(facts: () => DocsFacts): DocsRoutes {
  const docs = renderedDocs()
  const bySlug = new Map(docs.map((doc) => [doc.slug, doc]))
  let cacheFor: DocsFacts | undefined
  const cache = new Map<string, BuiltPage>()

  function built(key: string, status: number, make: (current: DocsFacts) => string): BuiltPage {
    const current = facts()
    if (current !== cacheFor) {
      cache.clear()
      cacheFor = current
    }
    let page = cache.get(key)
    if (page === undefined) {
      const body = Buffer.from(make(current))
      page = { status, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
      // Not-found pages are not kept: their paths are whatever clients send.
      if (status === 200) cache.set(key, page)
    }
    return page
  }

  function send(context: RequestContext, page: BuiltPage): void {
    const notModified = page.status === 200 && context.request.headers['if-none-match'] === page.etag
    context.response.writeHead(notModified ? 304 : page.status, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': page.status === 200 ? 'public, max-age=300' : 'no-store',
      etag: page.etag,
      ...(notModified ? {} : { 'content-length': page.body.byteLength }),
      'x-request-id': context.requestId,
    })
    context.response.end(notModified || context.request.method === 'HEAD' ? undefined : page.body)
  }

  function notFound(context: RequestContext): void {
    send(
      context,
      built('', 404, (current) => docsNotFoundPage(docs, current, context.path)),
    )
  }

  const index: Handler = (context) => {
    if (!facts().site.pages.docs) return notFound(context)
    send(
      context,
      built('/docs', 200, (current) => docsIndexPage(docs, current)),
    )
  }
  const page: Handler = (context) => {
    const slug = context.path.slice('/docs/'.length).replace(/\/$/, '')
    const doc = bySlug.get(slug)
    if (doc === undefined || !facts().site.pages.docs) return notFound(context)
    send(
      context,
      built(slug, 200, (current) => docPage(docs, doc, current)),
    )
  }
  return {
    index: new Map([
      ['GET', index],
      ['HEAD', index],
    ]),
    page: new Map([
      ['GET', page],
      ['HEAD', page],
    ]),
    paths: () => docsPaths(docs),
  }
}
