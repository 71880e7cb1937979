/**
 * Serves the console's built files (web/dist, made by `npm ci` through `npm run build:console`)
 * under /console: hashed assets with a year-long immutable cache, and for every other path the
 * app's index.html, never cached, with the deployment's boot data written into its
 * `<meta name="onekey-boot">` (HTML-escaped JSON). Every page carries a strict
 * Content-Security-Policy (no inline script or style), `X-Frame-Options: DENY`, `nosniff` and a
 * strict referrer policy. Files are read once at start and kept in memory, gzip included.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import type { RequestContext } from '../gateway/request-context.ts'

/** What the console reads at boot from its meta tag. */
export interface ConsoleBoot {
  site_name: string
  base_url: string
  signup: 'open' | 'invite_only' | 'closed'
  support_email: string | null
  /** `site.pages.playground`: the console shows its playground. */
  playground: boolean
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
} as const

interface StaticFile {
  body: Buffer
  gzip: Buffer | null
  type: string
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
}

function walk(directory: string, prefix = ''): string[] {
  const names: string[] = []
  for (const name of readdirSync(directory)) {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) names.push(...walk(path, `${prefix}${name}/`))
    else names.push(`${prefix}${name}`)
  }
  return names
}

/**
 * The console's handler for `/console` and `/console/*`, or a handler that explains how to build
 * it when `directory` holds no build.
 */
export function createConsoleStatic(directory: string, boot: () => ConsoleBoot) {
  const files = new Map<string, StaticFile>()
  let indexTemplate: string | null = null
  if (existsSync(join(directory, 'index.html'))) {
    indexTemplate = readFileSync(join(directory, 'index.html'), 'utf8')
    for (const name of walk(directory)) {
      if (name === 'index.html' || name.startsWith('.vite/')) continue
      const body = readFileSync(join(directory, name))
      const type = TYPES[extname(name)] ?? 'application/octet-stream'
      const compressible = type.startsWith('text/') || type.includes('json') || type.includes('svg')
      files.set(name, { body, gzip: compressible && body.byteLength > 1024 ? gzipSync(body) : null, type })
    }
  }

  function send(
    context: RequestContext,
    status: number,
    headers: Record<string, string | number>,
    body: Buffer,
  ) {
    context.response.writeHead(status, {
      ...SECURITY_HEADERS,
      ...headers,
      'content-length': body.byteLength,
      'x-request-id': context.requestId,
    })
    context.response.end(context.request.method === 'HEAD' ? undefined : body)
  }

  return {
    /** Whether a build was found. */
    built: indexTemplate !== null,
    handle(context: RequestContext): void {
      if (indexTemplate === null) {
        send(
          context,
          503,
          { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          Buffer.from('The console is not built: run `npm run build:console` (npm ci does it).\n'),
        )
        return
      }
      if (context.path === '/console') {
        send(context, 308, { location: '/console/', 'cache-control': 'no-store' }, Buffer.alloc(0))
        return
      }
      const name = context.path.slice('/console/'.length)
      const file = files.get(name)
      if (file !== undefined) {
        const accepts = /\bgzip\b/.test(String(context.request.headers['accept-encoding'] ?? ''))
        const hashed = name.startsWith('assets/')
        const headers: Record<string, string> = {
          'content-type': file.type,
          'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
          vary: 'accept-encoding',
        }
        if (accepts && file.gzip !== null)
          send(context, 200, { ...headers, 'content-encoding': 'gzip' }, file.gzip)
        else send(context, 200, headers, file.body)
        return
      }
      if (name.startsWith('assets/')) {
        send(context, 404, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('Not found\n'))
        return
      }
      // Any other path is a page of the single-page app: index.html with this deployment's boot data.
      const html = indexTemplate.replace(
        /<meta name="onekey-boot" content="[^"]*"\s*\/?>/,
        `<meta name="onekey-boot" content="${escapeHtml(JSON.stringify(boot()))}">`,
      )
      send(
        context,
        200,
        { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        Buffer.from(html),
      )
    },
  }
}
