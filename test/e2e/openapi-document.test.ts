/**
 * OneKey's OpenAPI document against the route table it describes (no server running):
 * - the route table and the document agree both ways (every registered API route and method is
 *   one documented operation, every documented operation is a registered route; the permission
 *   table's routes are the workspace operations);
 * - the document holds together: OpenAPI 3.1, unique operationIds, every `$ref` resolves, path
 *   parameters declared, every schema valid JSON Schema 2020-12 (Ajv), examples valid.
 * A running gateway's answers: openapi-running-gateway.test.ts; refused bodies:
 * openapi-refused-bodies.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { ALL_OPERATIONS } from '../../src/http/openapi/all-operations.ts'
import { registeredApiRoutes, registeredKey } from '../../src/http/openapi/api-routes.ts'
import { buildOpenApiDocument } from '../../src/http/openapi/build-openapi-document.ts'
import { operationKey, routeKeyOf } from '../../src/http/openapi/operation-spec.ts'
import { ROUTE_PERMISSIONS } from '../../src/http/route-permissions.ts'
import { PARAMETER_ROUTES } from '../../src/http/route-table.ts'
import { type Json, operations, pointer, refsOf, SITE } from '../helpers/openapi-document.ts'
import { routeTableForWalk } from '../helpers/route-table-walk.ts'

describe('the route table and the document agree', () => {
  const table = routeTableForWalk()
  const document = buildOpenApiDocument(table, SITE) as Json

  test('every registered API route and method is documented, and every entry is registered', () => {
    const registered = new Set(registeredApiRoutes(table).map(registeredKey))
    const documented = new Set(
      ALL_OPERATIONS.map((spec) => {
        const { path, parameter } = routeKeyOf(spec.path)
        return registeredKey({ method: spec.method, path, parameter })
      }),
    )
    assert.deepEqual(
      [...registered].filter((key) => !documented.has(key)),
      [],
      'routes without a documented operation',
    )
    assert.deepEqual(
      [...documented].filter((key) => !registered.has(key)),
      [],
      'operations without a route',
    )
    assert.equal(ALL_OPERATIONS.length, documented.size, 'one entry per route and method')
    const undocumented = operations(document).filter(({ operation }) => operation['x-onekey-undocumented'])
    assert.deepEqual(undocumented, [])
    assert.equal(operations(document).length, registered.size)
  })

  test('the permission table’s routes are exactly the session-capable workspace operations', () => {
    const workspace = ALL_OPERATIONS.filter((spec) =>
      ['workspace', 'member', 'apiKeyOrSession'].includes(spec.auth),
    ).map(operationKey)
    assert.deepEqual(workspace.sort(), Object.keys(ROUTE_PERMISSIONS).sort())
    for (const { operation, method, path } of operations(document)) {
      const action = (ROUTE_PERMISSIONS as Record<string, string>)[`${method} ${path}`]
      assert.equal(operation['x-onekey-permission'], action, `${method} ${path}`)
    }
  })

  test('parameter operations sit under a registered prefix of PARAMETER_ROUTES', () => {
    for (const spec of ALL_OPERATIONS) {
      const { path, parameter } = routeKeyOf(spec.path)
      if (parameter)
        assert.ok((PARAMETER_ROUTES as readonly string[]).includes(path), `${spec.path}: prefix ${path}`)
    }
  })

  test('a route added to the table without an entry shows up, flagged', () => {
    const extra = routeTableForWalk()
    extra.routes.set('/api/v1/surprise', new Map([['GET', () => undefined]]))
    const flagged = operations(buildOpenApiDocument(extra, SITE) as Json).filter(
      ({ operation }) => operation['x-onekey-undocumented'],
    )
    assert.deepEqual(
      flagged.map(({ method, path }) => `${method} ${path}`),
      ['GET /api/v1/surprise'],
    )
  })
})

describe('the document holds together', () => {
  const document = buildOpenApiDocument(routeTableForWalk(), SITE) as Json

  test('OpenAPI 3.1 with info, servers, tags and security schemes', () => {
    assert.equal(document.openapi, '3.1.0')
    assert.equal(document.info.title, 'Docs Test API')
    assert.equal(document.info.version, '0.0.0')
    assert.deepEqual(document.servers, [{ url: SITE.publicUrl, description: SITE.name }])
    const tags = new Set(document.tags.map((tag: Json) => tag.name))
    for (const { operation } of operations(document))
      assert.ok(tags.has(operation.tags[0]), operation.operationId)
    const schemes = Object.keys(document.components.securitySchemes)
    for (const { operation } of operations(document)) {
      for (const requirement of operation.security) {
        for (const name of Object.keys(requirement))
          assert.ok(schemes.includes(name), `${operation.operationId}: ${name}`)
      }
    }
  })

  test('operationIds are unique, every $ref resolves, path parameters are declared', () => {
    const ids = operations(document).map(({ operation }) => operation.operationId)
    assert.equal(new Set(ids).size, ids.length)
    for (const ref of refsOf(document)) assert.notEqual(pointer(document, ref), undefined, ref)
    for (const { path, operation } of operations(document)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort()
      const declared = operation.parameters
        .filter((parameter: Json) => parameter.in === 'path')
        .map((parameter: Json) => parameter.name)
        .sort()
      assert.deepEqual(declared, inPath, path)
      assert.ok(operation.summary.length > 0 && operation.responses !== undefined, path)
    }
  })

  test('every schema is valid JSON Schema 2020-12 and every example fits its body schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    ajv.addSchema({ $id: 'doc', components: document.components }, 'doc')
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      assert.ok(ajv.validateSchema(schema as object), `${name}: ${ajv.errorsText()}`)
    }
    for (const { path, method, operation } of operations(document)) {
      for (const parameter of operation.parameters)
        assert.ok(ajv.validateSchema(parameter.schema), `${path} ${parameter.name}`)
      const body = operation.requestBody?.content['application/json']
      if (body === undefined) continue
      assert.notEqual(body.example, undefined, `${method} ${path}: an example body`)
      const validate = ajv.compile({ $ref: `doc${body.schema.$ref}` })
      assert.ok(validate(body.example), `${method} ${path}: ${ajv.errorsText(validate.errors)}`)
    }
  })

  test('strict bodies say additionalProperties false, pass-through ones do not', () => {
    const schemaOf = (method: string, path: string) =>
      pointer(
        document,
        document.paths[path][method].requestBody.content['application/json'].schema.$ref,
      ) as Json
    for (const [method, path] of [
      ['post', '/api/v1/keys'],
      ['patch', '/api/v1/workspace'],
      ['post', '/v1/images/generations'],
      ['post', '/v1/responses'],
      ['post', '/api/v1/auth/sign-in'],
    ]) {
      assert.equal(schemaOf(method!, path!).additionalProperties, false, `${method} ${path}`)
    }
    assert.notEqual(schemaOf('post', '/v1/chat/completions').additionalProperties, false)
    const chat = schemaOf('post', '/v1/chat/completions')
    for (const field of ['models', 'provider', 'byok_conf', 'usage'])
      assert.ok(field in chat.properties, field)
    assert.equal(chat.properties.provider.anyOf[0].additionalProperties, false)
  })
})
