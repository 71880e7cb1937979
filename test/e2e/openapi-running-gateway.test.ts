/**
 * OneKey's OpenAPI document against a running gateway: it is served (public, cached, with the
 * deployment's name and URL); the gateway answers every documented operation (never
 * `route_not_found`) while the routes left out are pages (not JSON); examples and OneKey's own
 * fields pass the real validators and real answers parse with the answer schemas (zod, and the
 * served document's schemas with Ajv); with the console off the document has no account routes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { registeredPages } from '../../src/http/openapi/api-routes.ts'
import { chatCompletionAnswer, modelList, quoteAnswer } from '../../src/http/openapi/gateway-answers.ts'
import { chatCompletionBody, embeddingsBody, responsesBody } from '../../src/http/openapi/gateway-bodies.ts'
import { type Json, operations, startOpenApiGateway } from '../helpers/openapi-document.ts'
import { routeTableForWalk } from '../helpers/route-table-walk.ts'
import { startTestGateway, type TestGateway } from '../helpers/test-gateway.ts'

describe('the document and a running gateway', () => {
  let gateway: TestGateway
  let document: Json
  let managementKey: string

  before(async () => {
    ;({ gateway, managementKey } = await startOpenApiGateway())
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
