/**
 * OneKey's OpenAPI 3.1 document, built from the running route table and the operation entries
 * (operations-*.ts). Every API route and method the table registers becomes one operation; an
 * entry whose route is not registered (e.g. the account routes with the console off) is left
 * out, so the document describes this deployment. A registered route without an entry still
 * appears, marked `x-onekey-undocumented` (the openapi test fails on it). Schemas come from zod
 * (`z.toJSONSchema`, JSON Schema 2020-12, the input side for bodies) and sit once each in
 * `components.schemas`.
 *
 * @module
 */
import { z } from 'zod'
import { ERROR_CODES } from '../../errors/gateway-error.ts'
import { ROUTE_PERMISSIONS } from '../route-permissions.ts'
import { ALL_OPERATIONS } from './all-operations.ts'
import { type RegisteredRoute, type RouteMaps, registeredApiRoutes, registeredKey } from './api-routes.ts'
import { errorEnvelope } from './gateway-answers.ts'
import { type ExampleModels, type OperationSpec, operationKey, routeKeyOf, TAGS } from './operation-spec.ts'
import { securityOf, securitySchemes, whoMayCall } from './security.ts'

export interface DocumentSite {
  /** The deployment's product name (`site.name`). */
  name: string
  /** The public base URL, without a trailing slash. */
  publicUrl: string
  /** The gateway's version (package.json). */
  version: string
  /** The catalog's models to put in the examples, so a copied example runs here. */
  exampleModels?: ExampleModels
}

type Json = Record<string, unknown>

/** `post /v1/chat/completions` → `postV1ChatCompletions`. */
export function operationIdOf(spec: Pick<OperationSpec, 'method' | 'path'>): string {
  const words = spec.path
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
  return spec.method.toLowerCase() + words.join('')
}

/** A zod schema as JSON Schema 2020-12, without `$schema` (it sits inside the document). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json
  delete converted.$schema
  if ('$defs' in converted) throw new Error('A schema of the API reference has $defs: give it a flat shape.')
  return converted
}

/** The error answers, one per status, listing the codes of the error table with that status. */
function errorResponses(): Record<string, Json> {
  const byStatus = new Map<number, string[]>()
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), code])
  }
  const responses: Record<string, Json> = {}
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[`Error${status}`] = {
      description: `The error envelope; \`error.code\` is one of: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
    }
  }
  return responses
}

/** The error statuses an operation may answer, from who may call it and what it takes. */
function errorStatuses(spec: OperationSpec): number[] {
  const statuses = new Set<number>([400, 413])
  if (spec.auth !== 'public' && spec.auth !== 'anonymous') statuses.add(401)
  if (spec.auth === 'anonymous' && spec.path.includes('sign-in')) statuses.add(401)
  if (!['public', 'stripe', 'adminTokenWhenSet'].includes(spec.auth)) statuses.add(403)
  if (spec.path.includes('{') || spec.auth === 'operator') statuses.add(404)
  if (spec.tag === 'Inference' || spec.tag === 'Models and quotes') {
    for (const status of [402, 403, 404, 429, 502, 503, 504]) statuses.add(status)
  }
  if (spec.method !== 'GET' && spec.auth === 'workspace') statuses.add(409)
  statuses.add(500)
  return [...statuses].filter((status) => status !== 413 || spec.body !== undefined).sort((a, b) => a - b)
}

function pathParameters(spec: OperationSpec): Json[] {
  return [...spec.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1]!,
    in: 'path',
    required: true,
    description: spec.pathParameters?.[match[1]!] ?? match[1]!,
    schema: { type: 'string' },
  }))
}

/** Builds the document for `registered` routes (a route table) and the deployment's `site`. */
export function buildOpenApiDocument(table: RouteMaps, site: DocumentSite): Json {
  const schemas: Record<string, Json> = { ErrorEnvelope: jsonSchemaOf(errorEnvelope, 'output') }
  const names = new Map<z.ZodType, string>([[errorEnvelope, 'ErrorEnvelope']])
  const refOf = (schema: z.ZodType, name: string, io: 'input' | 'output') => {
    let found = names.get(schema)
    if (found === undefined) {
      found = name
      names.set(schema, found)
      schemas[found] = jsonSchemaOf(schema, io)
    }
    return { $ref: `#/components/schemas/${found}` }
  }
  const registered = registeredApiRoutes(table)
  const byRoute = new Map<string, OperationSpec>()
  for (const spec of ALL_OPERATIONS) {
    const { path, parameter } = routeKeyOf(spec.path)
    byRoute.set(registeredKey({ method: spec.method, path, parameter }), spec)
  }
  const paths: Record<string, Record<string, Json>> = {}
  const errors = errorResponses()
  const unlisted = new Set<OperationSpec>()
  const specs = registered.map((route) => byRoute.get(registeredKey(route)) ?? undocumented(route, unlisted))
  // Reading order: by tag, then as the entries list them.
  const order = (spec: OperationSpec) =>
    TAGS.findIndex((tag) => tag.name === spec.tag) * 1000 + ALL_OPERATIONS.indexOf(spec)
  for (const spec of specs.sort((a, b) => order(a) - order(b))) {
    const id = operationIdOf(spec)
    const action = (ROUTE_PERMISSIONS as Record<string, string | undefined>)[operationKey(spec)]
    const who = whoMayCall(spec.auth, action as Parameters<typeof whoMayCall>[1])
    const success: Json = {
      description: spec.answerDescription ?? 'Success.',
    }
    const content: Json = {}
    if (spec.answer !== undefined)
      content['application/json'] = { schema: refOf(spec.answer, `${capital(id)}Response`, 'output') }
    else if (spec.content === undefined || spec.method !== 'GET') content['application/json'] = { schema: {} }
    for (const other of spec.content ?? [])
      content[other.mediaType] = { schema: { type: 'string', description: other.description } }
    success.content = content
    const responses: Json = { [String(spec.status ?? 200)]: success }
    for (const status of errorStatuses(spec)) {
      if (`Error${status}` in errors)
        responses[String(status)] = { $ref: `#/components/responses/Error${status}` }
    }
    const operation: Json = {
      operationId: id,
      tags: [spec.tag],
      summary: spec.summary,
      description: [spec.description, `**Who may call:** ${who}`].filter(Boolean).join('\n\n'),
      security: securityOf(spec.auth, spec.method),
      parameters: [
        ...pathParameters(spec),
        ...(spec.query ?? []).map((query) => ({
          name: query.name,
          in: 'query',
          required: query.required === true,
          description: query.description,
          schema: jsonSchemaOf(query.schema, 'input'),
        })),
      ],
      responses,
      'x-onekey-auth': spec.auth,
    }
    if (action !== undefined) operation['x-onekey-permission'] = action
    if (spec.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: {
          'application/json': {
            schema: refOf(spec.body, `${capital(id)}Request`, 'input'),
            ...(spec.example === undefined ? {} : { example: exampleOf(spec, site.exampleModels) }),
          },
        },
      }
    }
    if (unlisted.has(spec)) operation['x-onekey-undocumented'] = true
    paths[spec.path] ??= {}
    paths[spec.path]![spec.method.toLowerCase()] = operation
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: `${site.name} API`,
      version: site.version,
      description: `The HTTP API of ${site.name}: OpenAI-compatible endpoints under \`/v1\` with OneKey’s lanes, routing fields and costs, and the management API under \`/api/v1\`. Every error is OpenAI’s envelope \`{ "error": { "message", "type", "code", "param" } }\`; on \`/api/v1\` \`param\` names the body field at fault, and unknown fields are refused.`,
    },
    servers: [{ url: site.publicUrl, description: site.name }],
    tags: TAGS.filter((tag) => specs.some((spec) => spec.tag === tag.name)).map((tag) => ({ ...tag })),
    paths,
    components: { schemas, responses: errors, securitySchemes: securitySchemes(site.publicUrl) },
  }
}

/** The spec's example with the deployment's model for its kind, when the catalog has one. */
function exampleOf(
  spec: OperationSpec,
  models: ExampleModels | undefined,
): Record<string, unknown> | undefined {
  const model = spec.exampleModel === undefined ? undefined : models?.[spec.exampleModel]
  return model === undefined ? spec.example : { ...spec.example, model }
}

function capital(text: string): string {
  return text[0]!.toUpperCase() + text.slice(1)
}

/** A registered route without an entry: listed, flagged, never hidden. */
function undocumented(route: RegisteredRoute, unlisted: Set<OperationSpec>): OperationSpec {
  const spec: OperationSpec = {
    method: route.method,
    path: route.parameter ? `${route.path}{rest}` : route.path,
    tag: 'Service',
    summary: 'Undocumented route',
    auth: 'public',
  }
  unlisted.add(spec)
  return spec
}
