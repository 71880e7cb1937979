/**
 * Reading a request's URL: its query, a path parameter, a page size.
 *
 * @module
 */
import { GatewayError } from '../errors/gateway-error.ts'
import type { RequestContext } from '../gateway/request-context.ts'

export function queryOf(context: RequestContext): URLSearchParams {
  const url = context.request.url ?? ''
  const start = url.indexOf('?')
  return new URLSearchParams(start === -1 ? '' : url.slice(start + 1))
}

/** The path parameter after `prefix`, percent-decoded. */
export function parameterOf(context: RequestContext, prefix: string, param: string): string {
  try {
    return decodeURIComponent(context.path.slice(prefix.length))
  } catch {
    throw new GatewayError('invalid_parameter', `The ${param} in the URL is not valid percent-encoding.`, {
      param,
    })
  }
}

export function limitOf(query: URLSearchParams): number {
  const limit = Number(query.get('limit') ?? 50)
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new GatewayError('invalid_parameter', "Invalid 'limit': an integer from 1 to 500.", {
      param: 'limit',
    })
  return limit
}

/** A page asked for with `?limit=&before=`. */
export interface PageRequest {
  limit: number
  before: string | undefined
}

/**
 * Answers a paged list (`?limit=&before=`, newest first): `{object: 'list', data, has_more}`,
 * `has_more` when the page came back full.
 */
export async function pagedList<T>(
  context: RequestContext,
  load: (page: PageRequest) => Promise<readonly T[]>,
  toPublic: (item: T) => unknown,
): Promise<string> {
  const query = queryOf(context)
  const limit = limitOf(query)
  const items = await load({ limit, before: query.get('before') ?? undefined })
  return JSON.stringify({ object: 'list', data: items.map(toPublic), has_more: items.length === limit })
}
