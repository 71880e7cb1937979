/**
 * `/sitemap.xml` and `/robots.txt`: absolute URLs from the public base URL for the home page,
 * /models, every model page, and the extra paths other page families add (docs).
 *
 * @module
 */
import { escapeHtml } from './html.ts'
import type { PublicModel } from './models-catalog.ts'
import { absoluteUrl, type SiteSettings } from './site-settings.ts'

/** Every public path of the site, in order, without duplicates. */
export function sitePaths(
  site: SiteSettings,
  models: readonly PublicModel[],
  extraPaths: readonly string[] = [],
): string[] {
  const paths: string[] = []
  if (site.pages.home) paths.push('/')
  if (site.pages.models) {
    paths.push('/models')
    for (const model of models) paths.push(`/models/${encodeURIComponent(model.id)}`)
  }
  paths.push(...extraPaths)
  return [...new Set(paths)]
}

export function renderSitemap(site: SiteSettings, paths: readonly string[]): string {
  const urls = paths.map((path) => `  <url><loc>${escapeHtml(absoluteUrl(site, path))}</loc></url>`)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ...urls,
    '</urlset>',
    '',
  ].join('\n')
}

/** Crawlers may read the public pages, not the console or the API. */
export function renderRobots(site: SiteSettings): string {
  return [
    'User-agent: *',
    'Disallow: /console/',
    'Disallow: /api/',
    'Disallow: /v1/',
    `Sitemap: ${absoluteUrl(site, '/sitemap.xml')}`,
    '',
  ].join('\n')
}
