/**
 * The public site's routes: `/` (home), `/models`, `/models/<model>`, `/sitemap.xml`,
 * `/robots.txt`, `/site/brand.css`, `/site/favicon.svg` and `/site/assets/<file>`. Public, no sign-in; every answer
 * carries the console's strict security headers (no inline script or style), HTML pages an ETag
 * of their bytes (a 304 for a matching `If-None-Match`) and gzip when accepted.
 *
 * When the site is served: `site.enabled` (default: `console.enabled`). Each page also has its
 * switch in `site.pages`; a page switched off is not a route (and not in the sitemap). With
 * `site.pages.home` off, `/` redirects to the console as before (when the console is on).
 * Pages are built per request from the route planner's catalog and routing health (no I/O), so
 * a config reload or an account resting shows on the next view.
 *
 * @module
 */
import type { RequestContext } from '../gateway/request-context.ts'
import { renderHomePage } from '../site/home-page.ts'
import { renderModelNotFound, renderModelPage } from '../site/model-page.ts'
import { publicCatalog } from '../site/models-catalog.ts'
import { readModelsFilter, renderModelsPage } from '../site/models-page.ts'
import {
  acceptsGzip,
  loadSiteAssets,
  matchesEtag,
  prepareAsset,
  type SiteAsset,
} from '../site/site-assets.ts'
import { brandIcon, brandStylesheet, resolveSiteSettings, type SiteSettings } from '../site/site-settings.ts'
import { renderRobots, renderSitemap, sitePaths } from '../site/sitemap.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import { SECURITY_HEADERS } from './console-static.ts'
import { parameterOf, queryOf } from './request-query.ts'

/** The prefixes this module serves (they are in PARAMETER_ROUTES). */
export const SITE_PREFIXES = { model: '/models/', asset: '/site/assets/' } as const

const HTML = 'text/html; charset=utf-8'

export interface SiteRouteOptions {
  /** More public paths for the sitemap (docs pages: /docs, /docs/<slug>, /docs/api). */
  sitemapPaths?: () => readonly string[]
}

/** Sends a body with the security headers, ETag revalidation and gzip when accepted. */
export function sendSiteBody(
  context: RequestContext,
  status: number,
  asset: SiteAsset,
  cacheControl: string,
): void {
  const base = {
    ...SECURITY_HEADERS,
    'content-type': asset.type,
    'cache-control': cacheControl,
    etag: asset.etag,
    vary: 'accept-encoding',
    'x-request-id': context.requestId,
  }
  if (status === 200 && matchesEtag(context.request.headers['if-none-match'], asset.etag)) {
    context.response.writeHead(304, base)
    context.response.end()
    return
  }
  const gzip = asset.gzip !== null && acceptsGzip(context.request.headers['accept-encoding'])
  const body = gzip ? asset.gzip! : asset.body
  context.response.writeHead(status, {
    ...base,
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    'content-length': body.byteLength,
  })
  context.response.end(context.request.method === 'HEAD' ? undefined : body)
}

/** An HTML page (revalidated on every view: the catalog and health change). */
export function sendSitePage(context: RequestContext, status: number, page: string): void {
  sendSiteBody(context, status, prepareAsset(Buffer.from(page), HTML), 'no-cache')
}

function getAndHead(handler: Handler): Map<string, Handler> {
  return new Map([
    ['GET', handler],
    ['HEAD', handler],
  ])
}

/** Adds the site's routes to the route table's maps (called by route-table.ts). */
export function registerSiteRoutes(
  routes: Map<string, Map<string, Handler>>,
  parameterRoutes: Map<string, Map<string, Handler>>,
  dependencies: AppDependencies,
  options: SiteRouteOptions = {},
): void {
  if (dependencies.site.enabled !== true) return
  let settings: SiteSettings | undefined
  const site = () => {
    settings ??= resolveSiteSettings(dependencies.site, dependencies.console)
    return settings
  }
  const catalog = () => publicCatalog({ planner: dependencies.planner, health: dependencies.health })
  const { pages } = dependencies.site
  const assets = loadSiteAssets()
  let brand: SiteAsset | undefined
  let icon: SiteAsset | undefined

  if (pages.home)
    routes.set(
      '/',
      getAndHead((context) => sendSitePage(context, 200, renderHomePage(site(), catalog()))),
    )
  if (pages.models) {
    routes.set(
      '/models',
      getAndHead((context) =>
        sendSitePage(context, 200, renderModelsPage(site(), catalog(), readModelsFilter(queryOf(context)))),
      ),
    )
    routes.set(
      '/models/',
      getAndHead((context) => {
        context.response.writeHead(308, { location: '/models', 'x-request-id': context.requestId })
        context.response.end()
      }),
    )
    parameterRoutes.set(
      SITE_PREFIXES.model,
      getAndHead((context) => {
        const id = parameterOf(context, SITE_PREFIXES.model, 'model')
        const model = catalog().find((candidate) => candidate.id === id)
        if (model === undefined) sendSitePage(context, 404, renderModelNotFound(site(), id))
        else sendSitePage(context, 200, renderModelPage(site(), model))
      }),
    )
  }
  routes.set(
    '/sitemap.xml',
    getAndHead((context) => {
      const paths = sitePaths(site(), catalog(), options.sitemapPaths?.() ?? [])
      const body = prepareAsset(Buffer.from(renderSitemap(site(), paths)), 'application/xml; charset=utf-8')
      sendSiteBody(context, 200, body, 'no-cache')
    }),
  )
  routes.set(
    '/robots.txt',
    getAndHead((context) =>
      sendSiteBody(
        context,
        200,
        prepareAsset(Buffer.from(renderRobots(site())), 'text/plain; charset=utf-8'),
        'public, max-age=3600',
      ),
    ),
  )
  routes.set(
    '/site/brand.css',
    getAndHead((context) => {
      brand ??= prepareAsset(Buffer.from(brandStylesheet(site())), 'text/css; charset=utf-8')
      sendSiteBody(context, 200, brand, 'public, max-age=300, must-revalidate')
    }),
  )
  routes.set(
    '/site/favicon.svg',
    getAndHead((context) => {
      icon ??= prepareAsset(Buffer.from(brandIcon(site())), 'image/svg+xml')
      sendSiteBody(context, 200, icon, 'public, max-age=300, must-revalidate')
    }),
  )
  parameterRoutes.set(
    SITE_PREFIXES.asset,
    getAndHead((context) => {
      const asset = assets.get(context.path.slice(SITE_PREFIXES.asset.length))
      if (asset === undefined) {
        const missing = prepareAsset(Buffer.from('Not found\n'), 'text/plain; charset=utf-8')
        sendSiteBody(context, 404, missing, 'no-store')
        return
      }
      // Names are not hashed: a short cache, revalidated by ETag.
      sendSiteBody(context, 200, asset, 'public, max-age=300, must-revalidate')
    }),
  )
}
