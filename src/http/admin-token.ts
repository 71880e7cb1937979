/**
 * The operator's admin token (`ONEKEY_ADMIN_TOKEN`), compared in constant time.
 *
 * @module
 */
import { timingSafeEqual } from 'node:crypto'
import { GatewayError } from '../errors/gateway-error.ts'

/** Compares the bearer token with the admin token in constant time. */
export function checkAdminToken(authorization: string | undefined, adminToken: string | null): void {
  if (adminToken === null) {
    throw new GatewayError(
      'route_not_found',
      'Admin endpoints are off: set ONEKEY_ADMIN_TOKEN to enable them.',
    )
  }
  const token =
    authorization !== undefined && /^bearer /i.test(authorization) ? authorization.slice(7).trim() : ''
  const given = Buffer.from(token)
  const expected = Buffer.from(adminToken)
  if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) {
    throw new GatewayError('invalid_api_key', 'Invalid admin token.')
  }
}
