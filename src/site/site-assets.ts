/**
 * The public site's static files (src/site/assets: site.css, site.js, theme.js), read once at
 * start, served from `/site/assets/<name>` with an ETag (a hash of the content), a short public
 * cache and gzip when the client accepts it. The brand stylesheet (`/site/brand.css`) is made
 * from the config the same way, per settings object.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { gzipSync } from 'node:zlib'

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** A file ready to send. */
export interface SiteAsset {
  body: Buffer
  gzip: Buffer | null
  type: string
  /** A strong ETag of the content, quoted. */
  etag: string
}

/** Prepares a body for sending: its ETag and (when worth it) its gzip. */
export function prepareAsset(body: Buffer, type: string): SiteAsset {
  return {
    body,
    gzip: body.byteLength > 512 ? gzipSync(body) : null,
    type,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  }
}

const ASSET_DIRECTORY = join(import.meta.dirname, 'assets')

/** The files of src/site/assets by name. */
export function loadSiteAssets(directory = ASSET_DIRECTORY): ReadonlyMap<string, SiteAsset> {
  const assets = new Map<string, SiteAsset>()
  for (const name of readdirSync(directory)) {
    const type = TYPES[extname(name)]
    if (type === undefined) continue
    assets.set(name, prepareAsset(readFileSync(join(directory, name)), type))
  }
  return assets
}

/** Whether the request's `If-None-Match` names this ETag (then answer 304). */
export function matchesEtag(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (typeof ifNoneMatch !== 'string') return false
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === etag || tag === '*')
}

/** Whether the client accepts gzip. */
export function acceptsGzip(acceptEncoding: string | string[] | undefined): boolean {
  return /\bgzip\b/.test(String(acceptEncoding ?? ''))
}
