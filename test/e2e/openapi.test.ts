/**
 * OneKey's OpenAPI document against the server it describes:
 * - the route table and the document agree both ways (every registered API route and method is
 *   one documented operation, every documented operation is a registered route; the permission
 *   table's routes are the workspace operations), and a running gateway answers every documented
 *   operation (never `route_not_found`), while the routes left out are pages (not JSON);
 * - the document holds together: OpenAPI 3.1, unique operationIds, every `$ref` resolves, path
 *   parameters declared, every schema valid JSON Schema 2020-12 (Ajv), examples valid;
 * - the schemas say what the server does: examples pass the real validators, bodies the schemas
 *   refuse (unknown fields, out-of-range values, OneKey's own fields misused) are refused by the
 *   server with the same `param`, and real answers parse with the answer schemas.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { z } from 'zod'
import { ALL_OPERATIONS } from '../../src/http/openapi/all-operations.ts'
import { registeredApiRoutes, registeredKey, registeredPages } from '../../src/http/openapi/api-routes.ts'
import { buildOpenApiDocument } from '../../src/http/openapi/build-openapi-document.ts'
import {
  chatCompletionAnswer,
  errorEnvelope,
  modelList,
  quoteAnswer,
} from '../../src/http/openapi/gateway-answers.ts'
import {
  chatCompletionBody,
  embeddingsBody,
  imagesBody,
  responsesBody,
} from '../../src/http/openapi/gateway-bodies.ts'
import { operationKey, routeKeyOf } from '../../src/http/openapi/operation-spec.ts'
import { ROUTE_PERMISSIONS } from '../../src/http/route-permissions.ts'
import { PARAMETER_ROUTES } from '../../src/http/route-table.ts'
import { routeTableForWalk } from '../helpers/route-table-walk.ts'
import { type Json as AnyJson, offer, startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

type Json = Record<string, AnyJson>
const ADMIN_TOKEN = 'admin-token-for-the-openapi-test-0123456789'
const SITE = { name: 'Docs Test', publicUrl: 'http://127.0.0.1:1', version: '0.0.0' }

/** Every `$ref` in a value. */
function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found)
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner)
      else refsOf(inner, found)
    }
  }
  return found
}

function pointer(document: Json, ref: string): unknown {
  let node: unknown = document
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part]
  return node
}

function operations(document: Json): { method: string; path: string; operation: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  )
}

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

function catalog() {
  return [
    {
      id: 'sim-echo',
      name: 'Sim Echo',
      capabilities: ['streaming', 'tools'],
      offers: [
        offer('sim', { price: { prompt: '0.10', completion: '0.40' }, published: true }),
        offer('sim', { lane: 'resale', price: { prompt: '0.50', completion: '1.50' }, published: true }),
      ],
    },
    {
      id: 'sim-embed',
      name: 'Sim Embed',
      modalities: { input: ['text'], output: ['embedding'] },
      offers: [offer('sim', { price: { prompt: '0.02', completion: '0' }, published: true })],
    },
  ]
}

describe('the document and a running gateway', () => {
  let gateway: TestGateway
  let document: Json
  let managementKey: string

  before(async () => {
    gateway = await startTestGateway(
      {
        providers: [{ name: 'sim', kind: 'sim', sim: { latency_ms: 0 } }],
        models: catalog(),
        site: { name: 'Docs Test' },
      },
      { ONEKEY_ADMIN_TOKEN: ADMIN_TOKEN, ONEKEY_MASTER_KEY: 'd4'.repeat(32) },
    )
    const created = await gateway.service.createApiKey({
      workspace: gateway.workspaceId,
      name: 'm',
      management: true,
    })
    managementKey = created.key
  })
  after(async () => {
    await gateway?.close()
  })

  test('GET /openapi.json: public, the deployment’s name and URL, cached with an ETag', async () => {
    const response = await fetch(`${gateway.url}/openapi.json`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
    assert.match(response.headers.get('cache-control') ?? '', /public/)
    document = (await response.json()) as Json
    assert.equal(document.info.title, 'Docs Test API')
    assert.equal(document.servers[0].url, gateway.config.console.publicUrl.replace(/\/+$/, ''))
    const etag = response.headers.get('etag')
    assert.ok(etag)
    const again = await fetch(`${gateway.url}/openapi.json`, { headers: { 'if-none-match': etag } })
    assert.equal(again.status, 304)
  })

  test('every documented operation is a route of the running gateway; the rest are pages', async () => {
    const probe = async (method: string, path: string) => {
      const concrete = path.replace(/\{([^}]+)\}/g, 'x')
      const response = await fetch(`${gateway.url}${concrete}`, { method, redirect: 'manual' })
      const text = await response.text()
      return {
        status: response.status,
        code: /"code":"([a-z_]+)"/.exec(text)?.[1],
        type: response.headers.get('content-type'),
      }
    }
    for (const { method, path } of operations(document)) {
      if (path === '/v1/chat/completions' || path === '/api/v1/playground/chat/completions') continue
      const answer = await probe(method, path)
      assert.ok(
        answer.code !== 'route_not_found' && answer.code !== 'method_not_allowed',
        `${method} ${path}: ${JSON.stringify(answer)}`,
      )
    }
    // The probe can fail: a route that does not exist is route_not_found.
    assert.equal((await probe('GET', '/api/v1/not-a-route')).code, 'route_not_found')
    for (const page of registeredPages(routeTableForWalk())) {
      if (page.parameter || page.method !== 'GET') continue
      const answer = await probe('GET', page.path)
      assert.doesNotMatch(answer.type ?? '', /application\/json/, `${page.path} answers JSON: document it`)
    }
  })

  test('examples and OneKey’s fields pass the real validators; answers parse with the answer schemas', async () => {
    const chat = {
      model: 'cheap/sim-echo',
      messages: [{ role: 'user', content: 'Say hello.' }],
      max_tokens: 8,
      seed: 7,
      models: ['cheap/sim-echo'],
      provider: {
        order: ['sim'],
        allow_fallbacks: true,
        data_collection: 'allow',
        sort: 'price',
        max_price: { prompt: '1', completion: 2 },
      },
      usage: { include: true },
    }
    assert.ok(chatCompletionBody.safeParse(chat).success)
    const answer = await gateway.post('/v1/chat/completions', chat)
    assert.equal(answer.status, 200, await answer.clone().text())
    assert.ok(chatCompletionAnswer.safeParse(await answer.json()).success)

    const embeddings = { model: 'cheap/sim-embed', input: ['a', 'b'], encoding_format: 'float' }
    assert.ok(embeddingsBody.safeParse(embeddings).success)
    assert.equal((await gateway.post('/v1/embeddings', embeddings)).status, 200)

    const responses = {
      model: 'cheap/sim-echo',
      input: 'Say hello.',
      max_output_tokens: 8,
      store: false,
      include: [],
    }
    assert.ok(responsesBody.safeParse(responses).success)
    assert.equal((await gateway.post('/v1/responses', responses)).status, 200)

    const quote = await gateway.post('/v1/quote', {
      model: 'cheap/sim-echo',
      messages: [{ role: 'user', content: 'hi' }],
    })
    assert.equal(quote.status, 200)
    const parsedQuote = quoteAnswer.safeParse(await quote.json())
    assert.ok(parsedQuote.success, JSON.stringify(parsedQuote.error?.issues))

    const models = await fetch(`${gateway.url}/v1/models`, {
      headers: { authorization: `Bearer ${gateway.apiKey}` },
    })
    const parsedModels = modelList.safeParse(await models.json())
    assert.ok(parsedModels.success, JSON.stringify(parsedModels.error?.issues))

    // The documented examples carry this catalog's models and run as they are; a kind the catalog
    // lacks (images here) keeps its placeholder, which still passes validation (a 404, never a 400).
    const exampleOf = (path: string) =>
      document.paths[path].post.requestBody.content['application/json'].example
    assert.equal(exampleOf('/v1/chat/completions').model, 'cheap/sim-echo')
    assert.equal(exampleOf('/v1/embeddings').model, 'cheap/sim-embed')
    for (const { method, path, operation } of operations(document)) {
      const example = operation.requestBody?.content['application/json'].example
      if (!path.startsWith('/v1/') || example === undefined) continue
      const sent = await gateway.post(path, example)
      if (String(example.model).includes('/sim-'))
        assert.equal(sent.status, 200, `${method} ${path}: ${await sent.text()}`)
      else assert.notEqual(sent.status, 400, `${method} ${path}: ${await sent.text()}`)
    }
  })

  /** Bodies the schema refuses, and the field the server must name. */
  const refused: [string, z.ZodType, Json, string][] = [
    ['/v1/chat/completions', chatCompletionBody, { messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['/v1/chat/completions', chatCompletionBody, { model: 'cheap/sim-echo', messages: [] }, 'messages'],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ content: 'x' }] },
      'messages[0].role',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], max_tokens: 0 },
      'max_tokens',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], n: 0 },
      'n',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], models: Array(9).fill('a') },
      'models',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], provider: { nope: 1 } },
      'provider.nope',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], provider: { sort: 'cheapest' } },
      'provider.sort',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], byok_conf: { provider: 'sim' } },
      'byok_conf.credentials',
    ],
    [
      '/v1/chat/completions',
      chatCompletionBody,
      { model: 'cheap/sim-echo', messages: [{ role: 'user' }], usage: { include: 'yes' } },
      'usage.include',
    ],
    ['/v1/embeddings', embeddingsBody, { model: 'cheap/sim-embed', input: [] }, 'input'],
    ['/v1/embeddings', embeddingsBody, { model: 'cheap/sim-embed', input: 'x', dimensions: 0 }, 'dimensions'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', colour: 'red' }, 'colour'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', n: 11 }, 'n'],
    ['/v1/images/generations', imagesBody, { model: 'x', prompt: 'p', size: 'big' }, 'size'],
    [
      '/v1/responses',
      responsesBody,
      { model: 'cheap/sim-echo', input: 'x', previous_response_id: 'r' },
      'previous_response_id',
    ],
    ['/v1/responses', responsesBody, { model: 'cheap/sim-echo', input: 'x', colour: 'red' }, 'colour'],
  ]

  test('what the /v1 schemas refuse, the server refuses, naming the same field', async () => {
    for (const [path, schema, body, param] of refused) {
      assert.equal(schema.safeParse(body).success, false, `schema accepts ${JSON.stringify(body)}`)
      const answer = await gateway.post(path, body)
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`)
      const error = errorEnvelope.parse(await answer.json())
      assert.equal(error.error.param, param, `${path} ${JSON.stringify(body)}`)
    }
  })

  test('/api/v1 bodies: an unknown field is refused by the server and the document says so', async () => {
    const post = (method: string, path: string, body: Json) =>
      fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    for (const { method, path, operation } of operations(document)) {
      const body = operation.requestBody?.content['application/json']
      if (body === undefined || operation['x-onekey-auth'] !== 'workspace' || path.includes('{')) continue
      const schema = pointer(document, body.schema.$ref) as Json
      assert.equal(schema.additionalProperties, false, `${method} ${path}`)
      const answer = await post(method, path, { ...body.example, surprise_field: 1 })
      assert.equal(answer.status, 400, `${method} ${path}`)
      assert.equal(
        errorEnvelope.parse(await answer.json()).error.param,
        'surprise_field',
        `${method} ${path}`,
      )
    }
  })

  test('real answers validate against the document’s response schemas (Ajv)', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    ajv.addSchema({ $id: 'served', components: document.components }, 'served')
    const call = async (method: string, path: string, body?: Json) => {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${managementKey}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: response.status, body: (await response.json()) as Json }
    }
    const check = async (method: string, template: string, path: string, body?: Json) => {
      const operation = document.paths[template][method.toLowerCase()]
      const [status, success] = Object.entries(operation.responses as Json).find(([code]) =>
        code.startsWith('2'),
      )!
      const answer = await call(method, path, body)
      assert.equal(String(answer.status), status, `${method} ${path}: ${JSON.stringify(answer.body)}`)
      const validate = ajv.compile({ $ref: `served${success.content['application/json'].schema.$ref}` })
      assert.ok(validate(answer.body), `${method} ${path}: ${ajv.errorsText(validate.errors)}`)
    }
    let checked = 0
    for (const { method, path, operation } of operations(document)) {
      const schema = Object.entries(operation.responses as Json).find(([code]) => code.startsWith('2'))?.[1]
        ?.content?.['application/json']?.schema
      const simple =
        method === 'GET' && !path.includes('{') && !operation.parameters.some((p: Json) => p.required)
      if (
        schema?.$ref === undefined ||
        !simple ||
        !['workspace', 'apiKey'].includes(operation['x-onekey-auth'])
      )
        continue
      await check(method, path, path)
      checked++
    }
    assert.ok(checked >= 15, `${checked} answers checked`)
    await check('PUT', '/api/v1/byok/{provider}', '/api/v1/byok/sim', {
      api_key: 'sk-sim-test-key-0123456789',
    })
    await check('GET', '/api/v1/byok', '/api/v1/byok')
    await check('DELETE', '/api/v1/byok/{provider}', '/api/v1/byok/sim')
    const chat = await gateway.post('/v1/chat/completions', {
      model: 'cheap/sim-echo',
      messages: [{ role: 'user', content: 'Look me up.' }],
    })
    const id = chat.headers.get('x-onekey-generation-id') ?? ''
    await chat.text()
    await check('GET', '/api/v1/generation', `/api/v1/generation?id=${encodeURIComponent(id)}`)
    const created = await call('POST', '/api/v1/keys', { name: 'to revoke' })
    await check('DELETE', '/api/v1/keys/{id}', `/api/v1/keys/${created.body.id}`)
  })

  test('the document describes this deployment: with the console off, no account routes', async () => {
    const off = await startTestGateway({
      providers: [{ name: 'sim', kind: 'sim' }],
      console: { enabled: false },
    })
    try {
      const served = (await (await fetch(`${off.url}/openapi.json`)).json()) as Json
      const paths = Object.keys(served.paths)
      assert.deepEqual(
        paths.filter((path) => path.startsWith('/api/v1/auth/')),
        [],
      )
      assert.ok(paths.includes('/v1/chat/completions') && paths.includes('/api/v1/keys'))
      assert.equal((await fetch(`${off.url}/api/v1/auth/session`)).status, 404)
    } finally {
      await off.close()
    }
  })
})
