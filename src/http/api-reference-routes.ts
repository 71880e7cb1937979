/**
 * `GET /openapi.json` (OneKey's OpenAPI 3.1 document, http/openapi/) and `GET /docs/api` (the
 * same document rendered on the server, site/api-reference-page.ts). Both are public, built on
 * first request from the finished route table (so every route registered after this module is
 * in it), kept until the site's name or public URL changes (a config reload), and sent with an
 * ETag (304 on a match), gzip when accepted, and the strict security headers. `/docs/api` is a
 * route only when the public site is served and `site.pages.apiReference` is on.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import type { ModelConfig } from '../config/catalog-config.ts'
import type { RequestContext } from '../gateway/request-context.ts'
import { renderApiReferencePage } from '../site/api-reference-page.ts'
import { prepareAsset, type SiteAsset } from '../site/site-assets.ts'
import { resolveSiteSettings } from '../site/site-settings.ts'
import type { AppDependencies, Handler } from './app-dependencies.ts'
import type { RouteMaps } from './openapi/api-routes.ts'
import { buildOpenApiDocument } from './openapi/build-openapi-document.ts'
import type { ExampleModels } from './openapi/operation-spec.ts'
import { sendSiteBody } from './site-routes.ts'

export const OPENAPI_PATH = '/openapi.json'
export const API_REFERENCE_PATH = '/docs/api'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

/** The first model of the catalog making text, embeddings and images, with its cheapest lane. */
function examplesOf(models: readonly ModelConfig[]): ExampleModels {
  const pick = (output: string) => {
    for (const lane of ['cheap', 'resale'] as const) {
      const model = models.find(
        (candidate) =>
          candidate.modalities.output.includes(output) &&
          candidate.offers.some((offer) => offer.lane === lane),
      )
      if (model !== undefined) return `${lane}/${model.id}`
    }
    return undefined
  }
  return { text: pick('text'), embedding: pick('embedding'), image: pick('image') }
}

interface Built {
  key: string
  document: Record<string, unknown>
  json: SiteAsset
  page: SiteAsset | undefined
}

/** The two routes by path, to be added to the route table (`table` is that table, read lazily). */
export function createApiReferenceRoutes(
  dependencies: Pick<AppDependencies, 'site' | 'console' | 'planner'>,
  table: RouteMaps,
): Map<string, Map<string, Handler>> {
  let built: Built | undefined

  function current(): Built {
    const site = resolveSiteSettings(dependencies.site, dependencies.console)
    const exampleModels = examplesOf(dependencies.planner().catalog.models)
    const key = JSON.stringify([site.name, site.publicUrl, exampleModels])
    if (built?.key !== key) {
      const document = buildOpenApiDocument(table, {
        name: site.name,
        publicUrl: site.publicUrl,
        version: VERSION,
        exampleModels,
      })
      const json = prepareAsset(Buffer.from(JSON.stringify(document)), 'application/json; charset=utf-8')
      built = { key, document, json, page: undefined }
    }
    return built
  }

  const openapi: Handler = (context: RequestContext) => {
    context.response.setHeader('access-control-allow-origin', '*')
    sendSiteBody(context, 200, current().json, 'public, max-age=300, must-revalidate')
  }

  const page: Handler = (context: RequestContext) => {
    const found = current()
    found.page ??= prepareAsset(
      Buffer.from(
        renderApiReferencePage(resolveSiteSettings(dependencies.site, dependencies.console), found.document),
      ),
      'text/html; charset=utf-8',
    )
    sendSiteBody(context, 200, found.page, 'no-cache')
  }

  const routes = new Map<string, Map<string, Handler>>([[OPENAPI_PATH, new Map([['GET', openapi]])]])
  if (dependencies.site.enabled === true && dependencies.site.pages.apiReference) {
    routes.set(
      API_REFERENCE_PATH,
      new Map([
        ['GET', page],
        ['HEAD', page],
      ]),
    )
  }
  return routes
}
