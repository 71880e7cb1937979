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
