/**
 * The 400s translating adapters give: a field with a bad value, a field or feature the
 * provider cannot take, and the check that refuses every request field the adapter does not
 * handle (so nothing that changes the answer is silently dropped).
 *
 * @module
 */
import { GatewayError } from '../../errors/gateway-error.ts'

export function invalidField(param: string, message: string): GatewayError {
  return new GatewayError('invalid_parameter', message, { param })
}

export function unsupportedField(param: string, message: string): GatewayError {
  return new GatewayError('unsupported_parameter', message, { param })
}

/** Refuses the first set field of `request` that is not in `handled`, and `n` above 1. */
export function refuseUnhandledFields(
  request: Record<string, unknown>,
  handled: ReadonlySet<string>,
  models: string,
): void {
  for (const field of Object.keys(request)) {
    if (!handled.has(field) && request[field] !== undefined)
      throw unsupportedField(field, `'${field}' is not supported by ${models}.`)
  }
  if (typeof request.n === 'number' && request.n > 1)
    throw unsupportedField('n', `'n' above 1 is not supported by ${models}.`)
}
