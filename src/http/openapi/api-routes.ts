/**
 * The routes of the running route table that belong in the API document: every path under
 * `/v1/` and `/api/`, and the service routes. The rest (`/`, `/console/…`, the public site's
 * pages) are HTML pages, not API operations; the openapi test checks that they answer HTML.
 *
 * @module
 */
import type { Handler } from '../app-dependencies.ts'
import type { HttpMethod } from './operation-spec.ts'

/** The service routes outside `/v1/` and `/api/` that answer machines, not people. */
export const SERVICE_PATHS: ReadonlySet<string> = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
])

/** One registered route and method: an exact path, or a parameter route by its prefix. */
export interface RegisteredRoute {
  method: HttpMethod
  /** The exact path, or the prefix (ending in `/`) of a parameter route. */
  path: string
  parameter: boolean
}

/** The part of a route table this needs (http/route-table.ts `RouteTable`). */
export interface RouteMaps {
  routes: ReadonlyMap<string, ReadonlyMap<string, Handler>>
  parameterRoutes: ReadonlyMap<string, ReadonlyMap<string, Handler>>
}

/** Whether a path (or prefix) is an API route rather than a page. */
export function isApiPath(path: string): boolean {
  return path.startsWith('/v1/') || path === '/v1' || path.startsWith('/api/') || SERVICE_PATHS.has(path)
}

/** Every API route and method of the table. */
export function registeredApiRoutes(table: RouteMaps): RegisteredRoute[] {
  const found: RegisteredRoute[] = []
  for (const [maps, parameter] of [
    [table.routes, false],
    [table.parameterRoutes, true],
  ] as const) {
    for (const [path, methods] of maps) {
      if (!isApiPath(path)) continue
      for (const method of methods.keys()) found.push({ method: method as HttpMethod, path, parameter })
    }
  }
  return found
}

/** Every route and method of the table outside the API (pages). */
export function registeredPages(table: RouteMaps): RegisteredRoute[] {
  const found: RegisteredRoute[] = []
  for (const [path, methods] of table.routes) {
    if (isApiPath(path)) continue
    for (const method of methods.keys()) found.push({ method: method as HttpMethod, path, parameter: false })
  }
  for (const [path, methods] of table.parameterRoutes) {
    if (isApiPath(path)) continue
    for (const method of methods.keys()) found.push({ method: method as HttpMethod, path, parameter: true })
  }
  return found
}

/** `METHOD path` for a registered route (a parameter route's path is its prefix). */
export function registeredKey(route: RegisteredRoute): string {
  return `${route.method} ${route.path}${route.parameter ? '*' : ''}`
}
