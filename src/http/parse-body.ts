/**
 * Validates a management API body (`/api/v1/*`) against a strict zod object schema and turns the
 * first problem into the gateway's 400: an unknown field is refused (`invalid_parameter`, naming
 * the field and listing the expected ones) instead of being silently ignored, a missing required
 * field is `missing_parameter`, and a wrong type or value is `invalid_parameter`. Each field's
 * `.describe()` text says what it expects and is used in the message.
 *
 * @module
 */
import type { z } from 'zod'
import { GatewayError } from '../errors/gateway-error.ts'

function listOf(names: string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

/**
 * Parses `body` with `schema` (build it with `z.strictObject`).
 * @throws GatewayError `invalid_parameter` or `missing_parameter`, `param` naming the field
 */
export function parseBody<Shape extends z.core.$ZodShape>(
  schema: z.ZodObject<Shape, z.core.$strict>,
  body: unknown,
): z.output<z.ZodObject<Shape, z.core.$strict>> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const expected = Object.keys(schema.shape)
  const issues = result.error.issues
  // Unknown fields first: they are the mistake that used to pass silently.
  const unknown = issues.find((issue) => issue.code === 'unrecognized_keys')
  if (unknown !== undefined) {
    const field = [...unknown.path.map(String), unknown.keys[0]!].join('.')
    throw new GatewayError(
      'invalid_parameter',
      `Unknown field '${field}'; expected ${expected.length === 0 ? 'no fields' : listOf(expected)}.`,
      { param: field },
    )
  }
  const issue = issues[0]!
  const param = issue.path.map(String).join('.')
  const top = issue.path[0]
  const isObject = typeof body === 'object' && body !== null
  if (issue.path.length === 1 && isObject && !Object.hasOwn(body, top as PropertyKey)) {
    throw new GatewayError('missing_parameter', `Missing required parameter: '${param}'.`, { param })
  }
  const description =
    typeof top === 'string' ? (schema.shape[top] as z.ZodType | undefined)?.description : undefined
  throw new GatewayError(
    'invalid_parameter',
    `Invalid '${param}': ${description === undefined ? issue.message : `expected ${description}`}.`,
    { param: param === '' ? null : param },
  )
}
